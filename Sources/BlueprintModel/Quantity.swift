/// A Kubernetes resource quantity (`500m`, `2`, `1.5`, `512Mi`, `10Gi`), kept as
/// written and comparable through its value in thousandths.
public struct Quantity: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let text: String
    /// The value in thousandths of the base unit (so `500m` is 500 and `1Ki` is 1,024,000).
    public let milliValue: Int64

    static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("m", 0.001), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12),
    ]

    public init?(_ text: String) {
        var number = Substring(text)
        var factor = 1.0
        for (suffix, value) in Self.suffixes where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            factor = value
            break
        }
        guard !number.isEmpty, number.first != ".", number.last != ".",
              number.allSatisfy({ $0.isASCIIDigit || $0 == "." }),
              number.filter({ $0 == "." }).count <= 1,
              let value = Double(number),
              // Beyond Int64 (about 9.2 × 10¹⁵ units) is no quantity, not a crash (found by fuzzing).
              let milliValue = Int64(exactly: (value * factor * 1000).rounded()) else { return nil }
        self.text = text
        self.milliValue = milliValue
    }

    public var description: String { text }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milliValue < rhs.milliValue }
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.milliValue == rhs.milliValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(milliValue) }
}

/// ISO 3166-1 alpha-2 country codes (officially assigned).
enum ISO3166 {
    static let alpha2: Set<String> = Set("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
    KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
    MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
    UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split(separator: " ").map(String.init))
}
