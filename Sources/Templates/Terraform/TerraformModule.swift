import Renderer

/// A reusable Terraform module: `modules/<folder>/<kind>/` with `main.tf`,
/// `variables.tf`, `outputs.tf` and `versions.tf`.
struct TerraformModule: Sendable {
    /// `digitalocean`, `azure`, `gcp`, `onprem` or `shared`.
    var folder: String
    /// `network`, `cluster`, `bucket`, `dns`, `naming`.
    var kind: String
    /// What the module does, printed at the top of `main.tf`.
    var summary: [String]
    var provider: TerraformProvider?
    var variables: [TerraformVariable]
    var main: [HCLBodyItem]
    var outputs: [TerraformOutput]

    var path: String { "modules/\(folder)/\(kind)" }

    /// The module's `source` as seen from a live stack at `live/<region>/<environment>/`.
    var sourceFromLiveStack: String { "../../../\(path)" }

    func files(header: [String]) -> [RenderedFile] {
        [
            RenderedFile(.infra, "\(path)/main.tf", HCLFile(header: header, body: summary.map(HCLBodyItem.comment) + [.blankLine] + main).text),
            RenderedFile(.infra, "\(path)/variables.tf", HCLFile(header: header, body: variables.map { .block($0.block) }).text),
            RenderedFile(.infra, "\(path)/outputs.tf", HCLFile(header: header, body: outputs.map { .block($0.block) }).text),
            RenderedFile(.infra, "\(path)/versions.tf",
                         HCLFile(header: header, body: [.block(TerraformProvider.versionsBlock(provider.map { [$0] } ?? []))]).text),
        ]
    }

    /// A `module "<kind>" { source = … }` call with `arguments` after a blank line.
    func call(_ arguments: [(String, HCLExpression)]) -> HCLBodyItem {
        .block(HCLBlock("module", kind, body: [.attr("source", .string(sourceFromLiveStack)), .blankLine]
            + arguments.map { .attr($0.0, $0.1) }))
    }
}
