import BlueprintModel

/// The personal data the log collector (Grafana Alloy, one pod per node) masks before a
/// line leaves the node: one Alloy `stage.replace` per kind the blueprint lists
/// (`observability.logMasking`), each an RE2 expression whose capture group is replaced.
///
/// The expressions lean to masking: a national identity number is recognised by its shape
/// only (Turkey's and Germany's are any 11 digits not starting with 0), so other numbers of
/// that shape are masked too. A phone number needs its international `+` prefix, so
/// timestamps, durations and ids are left alone.
public enum LogMasking {
    public struct Rule: Sendable, Equatable {
        public var mask: Observability.LogMask
        /// RE2; the first capture group is what is replaced.
        public var expression: String
        /// What the personal data becomes, e.g. `<email>`.
        public var replacement: String
    }

    /// National identity numbers by ISO country code: the shapes scaffold knows.
    static let nationalIdentity: [String: String] = [
        "tr": #"\b([1-9][0-9]{10})\b"#,                    // T.C. Kimlik No: 11 digits
        "de": #"\b([1-9][0-9]{10})\b"#,                    // Steuerliche Identifikationsnummer: 11 digits
        "nl": #"\b([0-9]{9})\b"#,                          // BSN: 9 digits
        "fr": #"\b([12][0-9]{12}(?:[0-9]{2})?)\b"#,        // NIR: 13 digits, optional 2-digit key
        "es": #"\b([XYZ0-9][0-9]{7}[A-HJ-NP-TV-Z])\b"#,     // DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter)
        "us": #"\b([0-9]{3}-[0-9]{2}-[0-9]{4})\b"#,        // SSN
        "gb": #"\b([A-CEGHJ-PR-TW-Z]{2}[0-9]{6}[A-D])\b"#, // National Insurance number
    ]

    /// The rules for a region in `country`, in the order the blueprint lists the kinds
    /// (a national id of a country without a known shape is not masked).
    public static func rules(_ masks: [Observability.LogMask], country: String) -> [Rule] {
        masks.compactMap { mask in
            switch mask {
            case .email:
                return Rule(mask: mask, expression: #"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})"#, replacement: "<email>")
            case .phone:
                return Rule(mask: mask, expression: #"(\+[0-9](?:[ ().-]{0,2}[0-9]){7,14})"#, replacement: "<phone>")
            case .nationalId:
                return nationalIdentity[country.lowercased()].map { Rule(mask: mask, expression: $0, replacement: "<national-id>") }
            }
        }
    }

    /// The Alloy stages, for the `loki.process` block (raw strings: no escaping).
    static func alloyStages(_ context: ClusterContext) -> String {
        rules(context.blueprint.observability.logMasking, country: context.region.country).map { rule in
            """
              stage.replace {
                expression = `\(rule.expression)`
                replace    = "\(rule.replacement)"
              }

            """
        }.joined()
    }
}
