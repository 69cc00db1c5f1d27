/// A set of ports: numeric ranges per protocol, plus named ports that could not be
/// resolved to numbers. Kept normalised (sorted, merged), so equal sets are equal values.
public struct PortSet: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `low...high` of one protocol.
    public struct Range: Sendable, Hashable, Comparable, Codable {
        public var transport: String
        public var low: Int
        public var high: Int

        public init(_ transport: String, _ low: Int, _ high: Int) {
            self.transport = transport
            self.low = low
            self.high = high
        }

        public static func < (lhs: Range, rhs: Range) -> Bool {
            (lhs.transport, lhs.low, lhs.high) < (rhs.transport, rhs.low, rhs.high)
        }
    }

    /// A port named in a policy (`http`) that names no container port of the target.
    public struct Named: Sendable, Hashable, Comparable, Codable {
        public var transport: String
        public var name: String

        public static func < (lhs: Named, rhs: Named) -> Bool { (lhs.transport, lhs.name) < (rhs.transport, rhs.name) }
    }

    public static let transports = ["SCTP", "TCP", "UDP"]
    public static let maxPort = 65535

    public private(set) var ranges: [Range]
    public private(set) var names: [Named]

    public init(ranges: [Range] = [], names: [Named] = []) {
        self.ranges = Self.merge(ranges)
        self.names = Array(Set(names)).sorted()
    }

    public static let none = PortSet()
    /// Every port of every protocol.
    public static let all = PortSet(ranges: transports.map { Range($0, 1, maxPort) })

    /// Single ports (`[(8080, "TCP")]`).
    public static func ports(_ list: [(Int, String)]) -> PortSet {
        PortSet(ranges: list.map { Range($0.1, $0.0, $0.0) })
    }

    public var isEmpty: Bool { ranges.isEmpty && names.isEmpty }
    public var isAll: Bool { self == .all }

    /// Whether every port of `transport` is in the set.
    func coversAll(_ transport: String) -> Bool {
        ranges.contains { $0.transport == transport && $0.low <= 1 && $0.high >= Self.maxPort }
    }

    public func union(_ other: PortSet) -> PortSet {
        PortSet(ranges: ranges + other.ranges, names: names + other.names)
    }

    public func intersection(_ other: PortSet) -> PortSet {
        var result: [Range] = []
        for a in ranges {
            for b in other.ranges where a.transport == b.transport {
                let low = max(a.low, b.low), high = min(a.high, b.high)
                if low <= high { result.append(Range(a.transport, low, high)) }
            }
        }
        let keptNames = names.filter { other.names.contains($0) || other.coversAll($0.transport) }
            + other.names.filter { coversAll($0.transport) }
        return PortSet(ranges: result, names: keptNames)
    }

    public func subtracting(_ other: PortSet) -> PortSet {
        var result: [Range] = []
        for range in ranges {
            var pieces = [range]
            for cut in other.ranges where cut.transport == range.transport {
                pieces = pieces.flatMap { piece -> [Range] in
                    guard cut.high >= piece.low, cut.low <= piece.high else { return [piece] }
                    var rest: [Range] = []
                    if cut.low > piece.low { rest.append(Range(piece.transport, piece.low, cut.low - 1)) }
                    if cut.high < piece.high { rest.append(Range(piece.transport, cut.high + 1, piece.high)) }
                    return rest
                }
            }
            result += pieces
        }
        let keptNames = names.filter { !other.names.contains($0) && !other.coversAll($0.transport) }
        return PortSet(ranges: result, names: keptNames)
    }

    public func isSubset(of other: PortSet) -> Bool { subtracting(other).isEmpty }

    /// `any port`, or `53/TCP, 53/UDP, 8080/TCP`; a whole protocol reads `any TCP port`.
    public var description: String {
        if isEmpty { return "no port" }
        if isAll { return "any port" }
        var parts: [String] = []
        for range in ranges {
            if range.low <= 1 && range.high >= Self.maxPort {
                parts.append("any \(range.transport) port")
            } else if range.low == range.high {
                parts.append("\(range.low)/\(range.transport)")
            } else {
                parts.append("\(range.low)-\(range.high)/\(range.transport)")
            }
        }
        parts += names.map { "\($0.name)/\($0.transport)" }
        return parts.joined(separator: ", ")
    }

    static func merge(_ ranges: [Range]) -> [Range] {
        var merged: [Range] = []
        for range in ranges.sorted() {
            if let last = merged.last, last.transport == range.transport, range.low <= last.high + 1 {
                merged[merged.count - 1].high = max(last.high, range.high)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}
