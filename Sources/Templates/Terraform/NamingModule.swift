import Renderer

/// `modules/shared/naming`: the one place resource names and tags are made from a
/// stack's identity. Provider-free, so it is checked with `terraform validate`.
enum NamingModule {
    static let variables: [TerraformVariable] = [
        TerraformVariable("platform", .string, "The platform's name (the blueprint's platform.name).")
            .validated(TF.matches("^[a-z][a-z0-9-]*[a-z0-9]$", .variable("platform")), "platform must be a lowercase DNS label."),
        TerraformVariable("region", .string, "The blueprint region id (e.g. tr).")
            .validated(TF.matches("^[a-z][a-z0-9-]*$", .variable("region")), "region must be a lowercase DNS label."),
        TerraformVariable("environment", .string, "The environment (e.g. staging, production).")
            .validated(TF.matches("^[a-z][a-z0-9-]*$", .variable("environment")), "environment must be a lowercase DNS label."),
        TerraformVariable("country", .string, "The ISO 3166-1 alpha-2 country whose borders the region's data stays in.")
            .validated(TF.matches("^[A-Z]{2}$", .variable("country")), "country must be an ISO 3166-1 alpha-2 code such as TR."),
        TerraformVariable("residency", .string, "strict: data, logs and backups never leave the region; relaxed: copies may.")
            .validated(TF.isOneOf(["strict", "relaxed"], .variable("residency")), "residency must be strict or relaxed."),
        TerraformVariable("cloud", .string, "Where the region runs.")
            .validated(TF.isOneOf(TerraformCloud.allCases.map(\.rawValue), .variable("cloud")),
                       "cloud must be one of \(TerraformCloud.allCases.map(\.rawValue).joined(separator: ", ")))."),
    ]

    static let module = TerraformModule(
        folder: "shared", kind: "naming",
        summary: ["Names and tags of one region and environment. No provider: pure values, validated inputs."],
        provider: nil,
        variables: variables,
        main: [.block(HCLBlock("locals", body: [
            .attr("name", .template([
                .interpolation(.variable("platform")), .literal("-"), .interpolation(.variable("region")),
                .literal("-"), .interpolation(.variable("environment")),
            ])),
            .attr("tags", .object([
                "managed-by": "scaffold",
                "platform": .variable("platform"),
                "region": .variable("region"),
                "environment": .variable("environment"),
                "country": .call("lower", [.variable("country")]),
                "residency": .variable("residency"),
                "cloud": .variable("cloud"),
            ])),
        ]))],
        outputs: [
            TerraformOutput("name", "Prefix of every resource name: <platform>-<region>-<environment>.", .local("name")),
            TerraformOutput("tags", "Tags (labels) for every resource of the stack.", .local("tags")),
        ])

    /// The `module "naming"` call of a live stack.
    static func call(cloud: TerraformCloud) -> HCLBodyItem {
        module.call(variables.map { variable in
            (variable.name, variable.name == "cloud" ? .string(cloud.rawValue) : variable.reference)
        })
    }

    /// `module.naming.name` and `module.naming.tags`.
    static let name = HCLExpression.reference("module.naming.name")
    static let tags = HCLExpression.reference("module.naming.tags")
}
