import Foundation

/// A SARIF 2.1.0 log (the subset scaffold writes), built as Codable values and encoded
/// once. Checked against the OASIS schema in the tests.
public struct SARIFLog: Sendable, Codable, Equatable {
    public static let schemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    public var schema: String = SARIFLog.schemaURI
    public var version: String = "2.1.0"
    public var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema", version, runs
    }

    public struct Run: Sendable, Codable, Equatable {
        public var tool: Tool
        public var automationDetails: AutomationDetails?
        public var results: [Result]
        public var properties: [String: String]?
    }

    public struct AutomationDetails: Sendable, Codable, Equatable {
        public var id: String
    }

    public struct Tool: Sendable, Codable, Equatable {
        public var driver: Driver
    }

    public struct Driver: Sendable, Codable, Equatable {
        public var name: String
        public var version: String
        public var semanticVersion: String
        public var informationUri: String
        public var rules: [Rule]
    }

    public struct Rule: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        public var shortDescription: Message
        public var fullDescription: Message?
        public var defaultConfiguration: Configuration
        public var properties: RuleProperties?
    }

    public struct RuleProperties: Sendable, Codable, Equatable {
        public var tags: [String]
    }

    public struct Configuration: Sendable, Codable, Equatable {
        /// `error`, `warning`, `note` or `none`.
        public var level: String
    }

    public struct Message: Sendable, Codable, Equatable {
        public var text: String
        public init(_ text: String) { self.text = text }
    }

    public struct Result: Sendable, Codable, Equatable {
        public var ruleId: String
        public var ruleIndex: Int
        /// `fail`, `pass`, `informational`, …
        public var kind: String
        public var level: String
        public var message: Message
        public var locations: [Location]?
        public var relatedLocations: [Location]?
        public var partialFingerprints: [String: String]
        public var properties: ResultProperties
    }

    public struct ResultProperties: Sendable, Codable, Equatable {
        public var classification: String?
        public var category: String?
        public var clusters: [String]?
        public var subject: String?
    }

    public struct Location: Sendable, Codable, Equatable {
        public var id: Int?
        public var physicalLocation: PhysicalLocation
        public var message: Message?
    }

    public struct PhysicalLocation: Sendable, Codable, Equatable {
        public var artifactLocation: ArtifactLocation
        public var region: Region?
    }

    public struct ArtifactLocation: Sendable, Codable, Equatable {
        public var uri: String?
        public var uriBaseId: String?
    }

    public struct Region: Sendable, Codable, Equatable {
        public var startLine: Int
        public var startColumn: Int?
    }

    /// A location from `file:line` or `file:line:column` text.
    static func location(_ text: String?, base: String, id: Int? = nil, message: String? = nil) -> Location? {
        guard let text else { return nil }
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var numbers: [Int] = []
        while let last = parts.last, let number = Int(last), numbers.count < 2 {
            numbers.insert(number, at: 0)
            parts.removeLast()
        }
        let file = parts.joined(separator: ":")
        guard !file.isEmpty, let line = numbers.first, line > 0 else { return nil }
        return Location(
            id: id,
            physicalLocation: PhysicalLocation(
                artifactLocation: ArtifactLocation(uri: uriEncoded(file), uriBaseId: base),
                region: Region(startLine: line, startColumn: numbers.count > 1 && numbers[1] > 0 ? numbers[1] : nil)),
            message: message.map(Message.init))
    }

    /// A relative path as a URI reference (spaces and other reserved characters escaped).
    static func uriEncoded(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// The encoded log: pretty, keys sorted, slashes unescaped.
    public func encoded() -> String {
        JSONOutput.encode(self)
    }
}

/// JSON as every report prints it: pretty-printed, keys sorted, a final newline.
public enum JSONOutput {
    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
