/// Kubernetes quantities (`100m`, `1Gi`, `1e3`) and Go durations (`1h30m`), as far as
/// Kyverno's pattern operators compare them (KY `pkg/engine/pattern/pattern.go#validateNumberWithStr`).
/// Values are compared as Doubles: enough for the requests, limits and timeouts policies check.
enum Quantity {
    private static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
    ]

    /// The quantity's value, or nil when the text is not a quantity.
    static func parse(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if let plain = Double(text), text.first != "+" || text.count > 1 { return plain }
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if let value = Double(number), !number.isEmpty, number.last != "e", number.last != "E" { return value * factor }
        }
        return nil
    }

    /// A Go duration (`300ms`, `1h30m`, `-2s`) in seconds, or nil.
    static func duration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var rest = Substring(text)
        var sign = 1.0
        if rest.first == "-" { sign = -1; rest = rest.dropFirst() } else if rest.first == "+" { rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let number = Double(digits), !digits.isEmpty else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, factor) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += number * factor
        }
        return sign * total
    }
}

import Foundation
