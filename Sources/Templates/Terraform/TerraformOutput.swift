import Renderer

/// An `output` block.
struct TerraformOutput: Sendable {
    var name: String
    var description: String
    var value: HCLExpression

    init(_ name: String, _ description: String, _ value: HCLExpression) {
        self.name = name
        self.description = description
        self.value = value
    }

    var block: HCLBlock {
        HCLBlock("output", name, body: [
            .attr("description", .string(description)),
            .attr("value", value),
        ])
    }
}
