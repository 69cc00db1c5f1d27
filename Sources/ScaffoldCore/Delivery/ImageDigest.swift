/// Checks what `--digest` was given: only `sha256:` and 64 lowercase hex digits
/// pass. Tags are refused with their own message because they can move.
public enum ImageDigest {
    /// Returns `value` when it is a digest; throws ``DeliveryError/tagInsteadOfDigest(_:)``
    /// for something that reads as a tag and ``DeliveryError/malformedDigest(_:)`` otherwise.
    public static func validate(_ value: String) throws -> String {
        let hex = value.utf8.dropFirst("sha256:".utf8.count)
        if value.hasPrefix("sha256:"), hex.count == 64,
           hex.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
            return value
        }
        if looksLikeTag(value) { throw DeliveryError.tagInsteadOfDigest(value) }
        throw DeliveryError.malformedDigest(value)
    }

    /// `v1.2.3`, `latest`, `ghcr.io/org/app:1.0`: a tag grammar match with no digest algorithm prefix.
    static func looksLikeTag(_ value: String) -> Bool {
        guard !value.isEmpty, !value.hasPrefix("sha256:"), !value.contains("@") else { return false }
        // `algorithm:hex` is a (wrongly formed) digest, not a tag.
        let parts = value.split(separator: ":")
        if parts.count == 2, parts[0].allSatisfy({ $0.isLowercase || $0.isNumber }), parts[1].count >= 32,
           parts[1].allSatisfy(\.isHexDigit) {
            return false
        }
        let tag = value.split(separator: ":").last.map(String.init) ?? value
        guard let first = tag.first, first.isLetter || first.isNumber || first == "_", tag.count <= 128 else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// `sha256:` and the first 12 hex digits, for branch names and titles.
    public static func short(_ digest: String) -> String {
        String(digest.dropFirst("sha256:".count).prefix(12))
    }
}
