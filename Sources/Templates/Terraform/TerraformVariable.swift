import Renderer

/// A `variable` block: typed, described, optionally defaulted, with validation
/// rules that reject bad input at plan time with a message people can act on.
struct TerraformVariable: Sendable {
    struct Validation: Sendable {
        var condition: HCLExpression
        var message: String
    }

    var name: String
    var type: HCLType
    var description: String
    var defaultValue: HCLExpression?
    var validations: [Validation]

    init(_ name: String, _ type: HCLType, _ description: String, default defaultValue: HCLExpression? = nil, validations: [Validation] = []) {
        self.name = name
        self.type = type
        self.description = description
        self.defaultValue = defaultValue
        self.validations = validations
    }

    /// Adds a rule: `condition` must hold, else Terraform stops with `message`.
    func validated(_ condition: HCLExpression, _ message: String) -> TerraformVariable {
        var copy = self
        copy.validations.append(Validation(condition: condition, message: message))
        return copy
    }

    /// The same variable with another default.
    func defaulting(to value: HCLExpression?) -> TerraformVariable {
        var copy = self
        copy.defaultValue = value
        return copy
    }

    /// `var.<name>`.
    var reference: HCLExpression { .variable(name) }

    var block: HCLBlock {
        var body: [HCLBodyItem] = [
            .attr("type", type.expression),
            .attr("description", .string(description)),
        ]
        if let defaultValue { body.append(.attr("default", defaultValue)) }
        for validation in validations {
            body.append(.block(HCLBlock("validation", body: [
                .attr("condition", validation.condition),
                .attr("error_message", .string(validation.message)),
            ])))
        }
        return HCLBlock("variable", name, body: body)
    }
}
