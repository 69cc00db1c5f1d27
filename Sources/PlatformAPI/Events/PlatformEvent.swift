import Foundation

/// Something one instance tells every instance (itself included) through the event
/// transport. Events carry identifiers and versions only: never configuration values,
/// secrets or personal data. Receivers re-read the truth from SQL.
public enum PlatformEvent: Sendable, Equatable {
    /// A configuration key now has `version`; instances re-read it and swap their copy.
    case configChanged(key: String, version: Int64)
    /// A token id was put on the denylist; every instance must refuse it from now on.
    case tokenRevoked(jti: String)
    /// A canned action was counted; connected clients of the project see the new count.
    case chatAction(ChatActionEvent)
    /// The transport (re)connected and may have missed events: receivers reconcile from SQL.
    case resynchronise

    /// The pub/sub channel the event travels on; nil for the local-only `resynchronise`.
    public var channel: EventChannel? {
        switch self {
        case .configChanged: return .configChanged
        case .tokenRevoked: return .tokenRevoked
        case .chatAction: return .chatAction
        case .resynchronise: return nil
        }
    }

    /// The JSON payload sent on the channel (sorted keys: byte-stable).
    public func payload() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        switch self {
        case .configChanged(let key, let version):
            data = try encoder.encode(ConfigChangedPayload(key: key, version: version))
        case .tokenRevoked(let jti):
            data = try encoder.encode(TokenRevokedPayload(jti: jti))
        case .chatAction(let event):
            data = try encoder.encode(event)
        case .resynchronise:
            data = Data("{}".utf8)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Decodes a payload received on `channel`; nil when it is not understood (ignored, logged).
    public static func decode(channel: String, payload: String) -> PlatformEvent? {
        guard let kind = EventChannel(rawValue: channel) else { return nil }
        let data = Data(payload.utf8)
        let decoder = JSONDecoder()
        switch kind {
        case .configChanged:
            guard let body = try? decoder.decode(ConfigChangedPayload.self, from: data) else { return nil }
            return .configChanged(key: body.key, version: body.version)
        case .tokenRevoked:
            guard let body = try? decoder.decode(TokenRevokedPayload.self, from: data) else { return nil }
            return .tokenRevoked(jti: body.jti)
        case .chatAction:
            guard let body = try? decoder.decode(ChatActionEvent.self, from: data) else { return nil }
            return .chatAction(body)
        }
    }
}

/// The channels events travel on (PostgreSQL `NOTIFY` channel names; Redis channels
/// get the configured prefix).
public enum EventChannel: String, CaseIterable, Sendable {
    case configChanged = "config_changed"
    case tokenRevoked = "token_revoked"
    case chatAction = "chat_action"
}

/// A counted canned action: which project, which action, the counter's new value.
public struct ChatActionEvent: Codable, Sendable, Equatable {
    /// The organization owning the project.
    public var orgID: UUID
    /// The project whose connected clients receive the update.
    public var projectID: UUID
    /// The action that was counted.
    public var action: CannedAction
    /// The counter's value after this action.
    public var count: Int64

    /// Creates an event.
    public init(orgID: UUID, projectID: UUID, action: CannedAction, count: Int64) {
        self.orgID = orgID
        self.projectID = projectID
        self.action = action
        self.count = count
    }

    enum CodingKeys: String, CodingKey {
        case orgID = "org_id"
        case projectID = "project_id"
        case action
        case count
    }
}

struct ConfigChangedPayload: Codable {
    var key: String
    var version: Int64
}

struct TokenRevokedPayload: Codable {
    var jti: String
}
