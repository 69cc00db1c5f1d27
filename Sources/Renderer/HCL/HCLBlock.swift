/// An HCL block: `type "label" "label" { body }`, e.g. `resource "digitalocean_vpc" "this" { … }`.
public struct HCLBlock: Sendable, Equatable {
    /// The block type (`resource`, `variable`, `validation`, `terraform` …); an identifier.
    public var type: String
    /// The labels, always printed quoted.
    public var labels: [String]
    public var body: [HCLBodyItem]

    public init(_ type: String, _ labels: String..., body: [HCLBodyItem] = []) {
        self.type = type
        self.labels = labels
        self.body = body
    }

    public init(_ type: String, labels: [String], body: [HCLBodyItem]) {
        self.type = type
        self.labels = labels
        self.body = body
    }
}

/// One item of a body (a file or a block): attribute, nested block, comment or
/// a deliberate blank line separating groups of attributes.
///
/// Blank lines around nested blocks are the printer's business; `.blankLine`
/// only splits runs of attributes (each run gets its own `=` alignment, as
/// `terraform fmt` does).
public enum HCLBodyItem: Sendable, Equatable {
    /// `name = value`; `name` is an identifier.
    case attribute(String, HCLExpression)
    case block(HCLBlock)
    /// A `# …` comment line (one item per line; an empty string prints `#`).
    case comment(String)
    case blankLine

    /// `name = value`.
    public static func attr(_ name: String, _ value: HCLExpression) -> HCLBodyItem { .attribute(name, value) }
}

/// A whole `.tf` file: header comment lines, then a body.
public struct HCLFile: Sendable, Equatable {
    /// Comment lines printed first (`# …`), followed by a blank line.
    public var header: [String]
    public var body: [HCLBodyItem]

    public init(header: [String] = [], body: [HCLBodyItem]) {
        self.header = header
        self.body = body
    }

    /// The file's text, formatted as `terraform fmt` formats it.
    public var text: String { HCLPrinter.print(self) }
}
