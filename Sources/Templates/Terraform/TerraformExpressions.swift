import Renderer

/// Small builders for the expressions validation rules and modules repeat.
enum TF {
    /// `can(regex("<pattern>", value))`.
    static func matches(_ pattern: String, _ value: HCLExpression) -> HCLExpression {
        .call("can", [.call("regex", [.string(pattern), value])])
    }

    /// `can(cidrhost(value, 0))`: value is a CIDR block.
    static func isCIDR(_ value: HCLExpression) -> HCLExpression {
        .call("can", [.call("cidrhost", [value, 0])])
    }

    /// `can(cidrhost("${value}/32", 0))`: value is an IPv4 address.
    static func isIPv4(_ value: HCLExpression) -> HCLExpression {
        .call("can", [.call("cidrhost", [.template([.interpolation(value), .literal("/32")]), 0])])
    }

    /// `alltrue([for name in collection : condition])`.
    static func all(_ collection: HCLExpression, _ name: String, _ condition: HCLExpression) -> HCLExpression {
        .call("alltrue", [.forList(key: nil, value: name, in: collection, result: condition)])
    }

    /// `contains([values…], value)`.
    static func isOneOf(_ values: [String], _ value: HCLExpression) -> HCLExpression {
        .call("contains", [.strings(values), value])
    }

    static func length(_ value: HCLExpression) -> HCLExpression { .call("length", [value]) }

    /// `"<prefix>${value}<suffix>"`.
    static func text(_ prefix: String, _ value: HCLExpression, _ suffix: String = "") -> HCLExpression {
        .template([.literal(prefix), .interpolation(value), .literal(suffix)])
    }

    static func ref(_ path: String) -> HCLExpression { .reference(path) }

    /// `lifecycle { prevent_destroy = true }`: for state and data that must outlive a bad plan.
    static let preventDestroy = HCLBodyItem.block(HCLBlock("lifecycle", body: [.attr("prevent_destroy", true)]))
}
