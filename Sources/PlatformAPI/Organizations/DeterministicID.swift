import Crypto
import Foundation

/// Ids derived from names, so that repeating an operation addresses the same rows.
public enum DeterministicID {
    /// A UUID from the first 16 bytes of SHA-256 of `name`, with the RFC 9562 version 8
    /// (custom) and variant bits set.
    public static func uuid(from name: String) -> UUID {
        let digest = Array(SHA256.hash(data: Data(name.utf8)))
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
        ))
    }

    /// The operation id stored for a client's idempotency key: scoped to the requesting
    /// user, so one user's key can never address another user's organization, and
    /// shaped as a machine key (64 hex characters) whatever the client sent.
    public static func operationID(userID: UUID, idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Data("\(userID.uuidString.lowercased()):\(idempotencyKey)".utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The organization id for a stored operation id.
    public static func organizationID(operationID: String) -> UUID {
        uuid(from: operationID)
    }

    /// The id of an organization's default project.
    public static func defaultProjectID(organizationID: UUID) -> UUID {
        uuid(from: "default-project:\(organizationID.uuidString.lowercased())")
    }
}
