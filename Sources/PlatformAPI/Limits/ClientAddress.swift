#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is
/// a single host), for the trusted-proxy setting.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    /// The network's address bytes (4 or 16).
    public let bytes: [UInt8]
    /// The prefix length.
    public let prefixLength: Int

    /// Parses `address[/prefix]`; nil when it is not an IP network.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = IPNetwork.addressBytes(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let number = Int(parts[1]), (0...bits).contains(number) else { return nil }
            prefix = number
        }
        self.bytes = bytes
        self.prefixLength = prefix
    }

    /// Whether `address` (a textual IP address) lies in this network.
    public func contains(_ address: String) -> Bool {
        guard let other = IPNetwork.addressBytes(address), other.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if bytes[index] & mask != other[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// `address/prefix`.
    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) }
        let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(address)/\(prefixLength)"
    }

    /// The 4 or 16 bytes of a textual IPv4/IPv6 address (an IPv4-mapped IPv6 address
    /// counts as IPv4, so `::ffff:10.0.0.1` matches `10.0.0.0/8`).
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }
}

/// Who a request comes from, for per-address rate limits.
///
/// By default the TCP peer, and `X-Forwarded-For` is ignored: anyone can write that header.
/// When the peer is one of the configured trusted proxies (`PLATFORM_API_TRUSTED_PROXIES`,
/// e.g. the ingress-nginx pods' network), the header is read from the right: each hop
/// appends the address it received the request from, so the first address from the right
/// that is not itself a trusted proxy is the client. Addresses a client prepends itself
/// are never reached.
public struct ClientAddressResolver: Sendable {
    /// Proxies whose `X-Forwarded-For` is believed.
    public var trustedProxies: [IPNetwork]

    /// Creates a resolver.
    public init(trustedProxies: [IPNetwork] = []) {
        self.trustedProxies = trustedProxies
    }

    /// The client's address: `peer` (nil when unknown, e.g. in router tests: `unknown`),
    /// or the right-most untrusted `X-Forwarded-For` entry when `peer` is a trusted proxy.
    public func resolve(peer: String?, forwardedFor: [String]) -> String {
        guard let peer else { return "unknown" }
        guard isTrusted(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingBlanks() }
        var client = peer
        for hop in hops.reversed() {
            guard IPNetwork.addressBytes(hop) != nil else { break }  // garbage: stop at the last proxy we trust
            client = hop
            if !isTrusted(hop) { break }
        }
        return client
    }

    private func isTrusted(_ address: String) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}

extension StringProtocol {
    fileprivate func trimmingBlanks() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
