/// A declarative description of a YAML document's shape.
///
/// One declaration serves two purposes, so they cannot drift apart: the
/// ``SchemaChecker`` checks a ``SourceNode`` tree against it (unknown keys with
/// "did you mean", types, enums, formats, required keys), and
/// ``JSONSchemaPrinter`` prints it as a JSON Schema for editors.
public indirect enum Schema: Sendable {
    /// A closed mapping: only the listed properties are allowed.
    case object(ObjectSchema)
    /// A mapping with free keys (checked by `keys`) and values of one shape.
    case map(keys: StringFormat, values: Schema, description: String)
    case array(items: Schema, description: String, minItems: Int = 0, uniqueBy: String? = nil)
    case string(StringFormat, description: String, enumValues: [String]? = nil, defaultValue: String? = nil)
    case integer(description: String, minimum: Int? = nil, maximum: Int? = nil, defaultValue: Int? = nil)
    case boolean(description: String, defaultValue: Bool? = nil)
    /// A plain scalar of any type (configuration values), kept as text.
    case scalar(description: String)

    public var description: String {
        switch self {
        case .object(let object): object.description
        case .map(_, _, let description), .array(_, let description, _, _), .string(_, let description, _, _),
             .integer(let description, _, _, _), .boolean(let description, _), .scalar(let description):
            description
        }
    }
}

/// A closed mapping.
public struct ObjectSchema: Sendable {
    public var description: String
    public var properties: [Property]
    /// Groups of keys of which exactly one must be present (e.g. `service` or `dataStore`).
    public var exactlyOneOf: [[String]]

    public init(_ description: String, exactlyOneOf: [[String]] = [], _ properties: [Property]) {
        self.description = description
        self.properties = properties
        self.exactlyOneOf = exactlyOneOf
    }

    public func property(_ name: String) -> Property? { properties.first { $0.name == name } }
}

public struct Property: Sendable {
    public var name: String
    public var schema: Schema
    public var required: Bool
    /// An explanation for keys that are refused on purpose (e.g. secret values).
    public var refusalHint: String?

    public static func required(_ name: String, _ schema: Schema) -> Property {
        Property(name: name, schema: schema, required: true, refusalHint: nil)
    }

    public static func optional(_ name: String, _ schema: Schema) -> Property {
        Property(name: name, schema: schema, required: false, refusalHint: nil)
    }
}

/// Named string formats: each has a JSON Schema pattern for editors and a checker.
public enum StringFormat: String, Sendable, CaseIterable {
    case any
    /// A DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63.
    case dnsLabel
    /// A DNS-1123 subdomain (a host name).
    case dnsSubdomain
    /// `sha256:` followed by 64 lowercase hex digits.
    case digest
    /// A Kubernetes resource quantity such as `500m`, `2`, `512Mi`, `10Gi`.
    case quantity
    /// An ISO 3166-1 alpha-2 country code.
    case countryCode
    /// A five-field cron expression.
    case cron
    /// A duration such as `720h`, `30d`, `15m`.
    case duration
    /// An HTTP path starting with '/'.
    case httpPath
    /// An OCI image repository without tag or digest (`ghcr.io/org/name`).
    case imageRepository
    /// An environment variable name.
    case envName
    /// A Kubernetes label key (`prefix/name`).
    case labelKey
    /// A git URL or a local path.
    case repositoryURL
    /// A git branch name.
    case branch
    /// An `https://` URL.
    case httpsURL
    /// A secret-store key: `/`-separated DNS labels without `--` (so every provider's
    /// name for it, `/` spelled `--` where a provider allows no `/`, is unambiguous).
    case secretKey
    /// An IPv4 network in CIDR notation (`203.0.113.0/24`).
    case ipv4CIDR
    /// A percentage below 100 (`99.9%`).
    case percentage
    /// A request duration in milliseconds or seconds (`200ms`, `1s`).
    case requestDuration
    /// A Prometheus metric name (`http_requests_total`).
    case metricName
    /// A Prometheus label name (`status`).
    case labelName

    /// The regular expression given to editors (ECMA-262 syntax).
    public var pattern: String? {
        switch self {
        case .any: nil
        case .dnsLabel: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
        case .dnsSubdomain: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
        case .digest: "^sha256:[0-9a-f]{64}$"
        case .quantity: "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$"
        case .countryCode: "^[A-Z]{2}$"
        case .cron: "^(\\S+\\s+){4}\\S+$"
        case .duration: "^[0-9]+(s|m|h|d)$"
        case .httpPath: "^/[A-Za-z0-9._~/-]*$"
        case .imageRepository: "^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$"
        case .envName: "^[A-Z_][A-Z0-9_]*$"
        case .labelKey: "^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
        case .repositoryURL: nil
        case .branch: "^[A-Za-z0-9._/-]+$"
        case .httpsURL: "^https://[^\\s/]+(/\\S*)?$"
        case .secretKey: "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(/[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$"
        case .percentage: "^[0-9]{1,2}(\\.[0-9]+)?%$"
        case .requestDuration: "^[0-9]+(ms|s)$"
        case .metricName: "^[a-zA-Z_:][a-zA-Z0-9_:]*$"
        case .labelName: "^[a-zA-Z_][a-zA-Z0-9_]*$"
        case .ipv4CIDR: "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(3[0-2]|[12]?[0-9])$"
        }
    }

    /// What a valid value looks like, for hints.
    public var example: String {
        switch self {
        case .any: "any text"
        case .dnsLabel: "lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit (e.g. `backend-api`)"
        case .dnsSubdomain: "a lowercase host name (e.g. `galaxy.example.com`)"
        case .digest: "`sha256:` followed by 64 lowercase hex digits (a tag such as `:1.2.0` is not a pin)"
        case .quantity: "a Kubernetes quantity (e.g. `500m`, `2`, `512Mi`, `10Gi`)"
        case .countryCode: "an ISO 3166-1 alpha-2 country code in capitals (e.g. `TR`, `ES`)"
        case .cron: "a five-field cron expression (e.g. `0 2 * * *`)"
        case .duration: "a number and a unit s, m, h or d (e.g. `720h`, `30d`)"
        case .httpPath: "a path starting with `/` (e.g. `/healthz`)"
        case .imageRepository: "an image repository without tag or digest (e.g. `ghcr.io/galaxy/backend-api`); digests go in the pins file"
        case .envName: "an environment variable name in capitals (e.g. `DATABASE_PASSWORD`)"
        case .labelKey: "a Kubernetes label key (e.g. `app.kubernetes.io/name`)"
        case .repositoryURL: "a git URL (`https://…`, `ssh://…`, `git@host:path`) or a local path"
        case .branch: "a git branch name (e.g. `main`)"
        case .httpsURL: "an `https://` URL (e.g. `https://vault.example.com:8200`)"
        case .secretKey: "`/`-separated lowercase names without `--` (e.g. `galaxy/backend-api/s3-secret-key`)"
        case .ipv4CIDR: "an IPv4 network in CIDR notation (e.g. `203.0.113.0/24`)"
        case .percentage: "a percentage below 100 with `%` (e.g. `99.9%`)"
        case .requestDuration: "a number and a unit ms or s (e.g. `200ms`, `1s`)"
        case .metricName: "a Prometheus metric name: letters, digits, `_` and `:`, not starting with a digit (e.g. `http_requests_total`)"
        case .labelName: "a Prometheus label name: letters, digits and `_`, not starting with a digit (e.g. `status`)"
        }
    }

    /// Checks a value.
    public func accepts(_ value: String) -> Bool {
        switch self {
        case .any: return true
        case .dnsLabel: return Self.isDNSLabel(value)
        case .dnsSubdomain:
            return value.count <= 253 && !value.isEmpty && value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { Self.isDNSLabel(String($0)) }
        case .digest:
            guard value.hasPrefix("sha256:") else { return false }
            let hex = value.dropFirst(7)
            return hex.count == 64 && hex.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
        case .quantity: return Quantity(value) != nil
        case .countryCode: return ISO3166.alpha2.contains(value)
        case .cron:
            let fields = value.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count == 5 && fields.allSatisfy { $0.allSatisfy { "0123456789*/,-".contains($0) } }
        case .duration:
            guard let unit = value.last, "smhd".contains(unit) else { return false }
            let number = value.dropLast()
            return !number.isEmpty && number.allSatisfy(\.isASCIIDigit)
        case .httpPath:
            return value.hasPrefix("/") && value.allSatisfy { $0.isASCIIAlphanumeric || "._~/-".contains($0) }
        case .imageRepository:
            if value.contains("@") { return false }
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else { return false }
            // A ':' is allowed only as a registry port in the first component.
            if parts.dropFirst().contains(where: { $0.contains(":") }) { return false }
            let host = parts[0].split(separator: ":", omittingEmptySubsequences: false)
            if host.count > 2 || (host.count == 2 && !host[1].allSatisfy(\.isASCIIDigit)) { return false }
            return parts.allSatisfy { $0.allSatisfy { $0.isASCIILowercaseAlphanumeric || "._-:".contains($0) } }
        case .envName:
            guard let first = value.first, first == "_" || first.isASCIIUppercase else { return false }
            return value.allSatisfy { $0 == "_" || $0.isASCIIUppercase || $0.isASCIIDigit }
        case .labelKey:
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let name = parts.last, !name.isEmpty, name.count <= 63 else { return false }
            if parts.count == 2, !StringFormat.dnsSubdomain.accepts(String(parts[0])) { return false }
            return name.allSatisfy { $0.isASCIIAlphanumeric || "-_.".contains($0) }
                && name.first!.isASCIIAlphanumeric && name.last!.isASCIIAlphanumeric
        case .repositoryURL:
            return !value.isEmpty && !value.contains(" ")
        case .branch:
            return !value.isEmpty && !value.hasPrefix("-") && !value.contains("..") && !value.hasSuffix(".lock")
                && value.allSatisfy { $0.isASCIIAlphanumeric || "._/-".contains($0) }
        case .httpsURL:
            guard value.hasPrefix("https://"), let host = value.dropFirst(8).split(separator: "/", omittingEmptySubsequences: false).first else { return false }
            return !host.isEmpty && !value.contains(where: \.isWhitespace)
        case .secretKey:
            return value.count <= 200 && !value.contains("--")
                && value.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { Self.isDNSLabel(String($0)) }
        case .percentage:
            guard value.hasSuffix("%") else { return false }
            let number = value.dropLast().split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            return (1...2).contains(number[0].count) && number.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
        case .requestDuration:
            let number = value.hasSuffix("ms") ? value.dropLast(2) : value.hasSuffix("s") ? value.dropLast() : ""
            return !number.isEmpty && number.count <= 9 && number.allSatisfy(\.isASCIIDigit)
        case .metricName:
            guard let first = value.first, !first.isASCIIDigit else { return false }
            return value.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == ":" }
        case .labelName:
            guard let first = value.first, !first.isASCIIDigit else { return false }
            return value.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
        case .ipv4CIDR:
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let prefix = Self.decimal(parts[1]), prefix <= 32 else { return false }
            let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets.allSatisfy { Self.decimal($0).map { $0 <= 255 } ?? false }
        }
    }

    /// A decimal number without sign or leading zeros (`0` itself allowed), at most three digits.
    static func decimal(_ text: Substring) -> Int? {
        guard (1...3).contains(text.count), text.allSatisfy(\.isASCIIDigit), text == "0" || !text.hasPrefix("0") else { return nil }
        return Int(text)
    }

    static func isDNSLabel(_ value: String) -> Bool {
        guard (1...63).contains(value.utf8.count), let first = value.first, let last = value.last else { return false }
        return first != "-" && last != "-" && value.allSatisfy { $0.isASCIILowercaseAlphanumeric || $0 == "-" }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIIUppercase: Bool { isASCII && isUppercase }
    var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
    var isASCIILowercaseAlphanumeric: Bool { isASCII && (isLowercase || isNumber) }
}
