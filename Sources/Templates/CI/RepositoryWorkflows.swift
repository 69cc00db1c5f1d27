import BlueprintModel
import Renderer

/// The ops and infra repositories' own CI (`ci:` in the blueprint), generated with their
/// files: the ops repository checks its head is exactly the render of its blueprint
/// commit (`scaffold check`); the infra repository format-checks and validates every
/// Terraform stack, and plans each on its branch with the region's credentials.
public enum RepositoryWorkflows {
    public static let opsFile = "scaffold-check.yaml"
    public static let infraFile = "terraform.yaml"

    /// The workflow files for `loaded`, given the generated infra files (the stacks are the
    /// folders under `live/` and `bootstrap/` holding a `versions.tf`).
    public static func files(for loaded: LoadedBlueprint, infra: [RenderedFile], generatorVersion: String) -> [RenderedFile] {
        guard let ci = loaded.base.ci else { return [] }
        let builder = YAMLFileBuilder(blueprintName: loaded.blueprintName)
        var files = [builder.file(.ops, "\(ci.folder)/\(opsFile)", [ops(loaded.base, ci, generatorVersion: generatorVersion)])]
        let stacks = stacks(infra)
        if !stacks.isEmpty {
            files.append(builder.file(.infra, "\(ci.folder)/\(infraFile)", [self.infra(loaded.base, ci, stacks: stacks)]))
        }
        return files
    }

    /// Terraform root modules: `live/<region>/<environment>` and `bootstrap/<region>`, sorted.
    public static func stacks(_ infra: [RenderedFile]) -> [String] {
        Set(infra.compactMap { file -> String? in
            guard file.repository == .infra, file.path.hasSuffix("/versions.tf"),
                  file.path.hasPrefix("live/") || file.path.hasPrefix("bootstrap/") else { return nil }
            return String(file.path.dropLast("/versions.tf".count))
        }).sorted()
    }

    /// Where the blueprint sits in its repository.
    public static func blueprintPath(_ blueprint: Blueprint, _ ci: ContinuousIntegration) -> String {
        ci.blueprintPath ?? "blueprints/\(blueprint.platform.name).yaml"
    }

    static func ops(_ blueprint: Blueprint, _ ci: ContinuousIntegration, generatorVersion: String) -> YAMLNode {
        let branch = blueprint.repositories.ops.branch
        let check = "scaffold check --blueprint \(GitHubWorkflow.shellWord("blueprint/\(blueprintPath(blueprint, ci))")) --ops-repo ops --branch \(GitHubWorkflow.shellWord(branch))"
        return GitHubWorkflow.workflow(
            name: "scaffold drift check",
            on: .map([
                ("push", .map([("branches", [.string(branch)])])),
                // Hand edits and blueprint commits not yet regenerated show up without a push.
                ("schedule", [.map([("cron", "17 5 * * *")])]),
                ("workflow_dispatch", .map([])),
            ]),
            permissions: [("contents", "read")],
            jobs: [("drift", GitHubWorkflow.job("scaffold check", ci, container: ActionPins.swiftImage, steps: [
                GitHubWorkflow.checkout(name: "Check out the ops repository", path: "ops", fullHistory: true),
                GitHubWorkflow.checkout(name: "Check out the blueprint repository", repository: ci.repository, path: "blueprint",
                                        token: "${{ secrets.\(GitHubWorkflow.gitTokenSecret) }}", fullHistory: true),
            ] + GitHubWorkflow.installScaffold(ci, version: generatorVersion) + [
                GitHubWorkflow.run("Compare the head with the render of its blueprint commit", [check]),
            ]))])
    }

    static func infra(_ blueprint: Blueprint, _ ci: ContinuousIntegration, stacks: [String]) -> YAMLNode {
        let branch = blueprint.repositories.infra.branch
        let setup = GitHubWorkflow.uses(ActionPins.setupTerraform, name: "Set up Terraform", with: [
            ("terraform_version", .string(ActionPins.terraformVersion)),
            ("terraform_wrapper", false),
        ])
        let matrix: YAMLNode = .map([
            ("fail-fast", false),
            ("matrix", .map([("include", .sequence(stacks.map { stack in
                .map([("stack", .string(stack)), ("region", .string(stack.split(separator: "/")[1...].first.map(String.init) ?? ""))])
            }))])),
        ])
        let clouds = Set(blueprint.regions.map(\.cloud))
        var credentials: [(String, String)] = []
        var permissions: [(String, String)] = [("contents", "read")]
        if clouds.contains("azure") {
            credentials += ["ARM_CLIENT_ID", "ARM_SUBSCRIPTION_ID", "ARM_TENANT_ID"].map { ($0, "${{ secrets.\($0) }}") }
            credentials.append(("ARM_USE_OIDC", "true"))
            permissions.append(("id-token", "write"))
        }
        if clouds.contains("onprem") || clouds.contains("digitalocean") {
            credentials += ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3"].map { ($0, "${{ secrets.\($0) }}") }
        }
        if clouds.contains("digitalocean") { credentials.append(("DIGITALOCEAN_TOKEN", "${{ secrets.DIGITALOCEAN_TOKEN }}")) }
        if clouds.contains("gcp") { credentials.append(("GOOGLE_CREDENTIALS", "${{ secrets.GOOGLE_CREDENTIALS }}")) }
        return GitHubWorkflow.workflow(
            name: "terraform",
            on: .map([
                ("push", .map([("branches", [.string(branch)])])),
                ("pull_request", .map([("branches", [.string(branch)])])),
                ("workflow_dispatch", .map([])),
            ]),
            permissions: [("contents", "read")],
            env: [("TF_IN_AUTOMATION", "true"), ("TF_INPUT", "false")],
            jobs: [
                ("fmt", GitHubWorkflow.job("terraform fmt", ci, timeout: 10, steps: [
                    GitHubWorkflow.checkout(),
                    setup,
                    GitHubWorkflow.run("Check formatting", ["terraform fmt -check -recursive -diff"]),
                ])),
                ("validate", GitHubWorkflow.job("validate ${{ matrix.stack }}", ci, strategy: matrix, timeout: 15, steps: [
                    GitHubWorkflow.checkout(),
                    setup,
                    GitHubWorkflow.run("Initialise without a backend", ["terraform -chdir=\"$STACK\" init -backend=false"], env: [("STACK", "${{ matrix.stack }}")]),
                    GitHubWorkflow.run("Validate", ["terraform -chdir=\"$STACK\" validate"], env: [("STACK", "${{ matrix.stack }}")]),
                ])),
                // Plans need the state backend and the cloud: only on the branch itself (never for a
                // pull request's code), with the credentials of the GitHub environment
                // `terraform-<region>` (protect it with reviewers if plans should be approved).
                ("plan", GitHubWorkflow.job(
                    "plan ${{ matrix.stack }}", ci, needs: ["fmt", "validate"],
                    condition: "github.event_name == 'push' && github.ref == 'refs/heads/\(branch)'",
                    environment: "terraform-${{ matrix.region }}", permissions: permissions, strategy: matrix, timeout: 30, steps: [
                        GitHubWorkflow.checkout(),
                        setup,
                        GitHubWorkflow.run("Plan", [
                            "terraform -chdir=\"$STACK\" init",
                            "terraform -chdir=\"$STACK\" plan -lock=false -no-color",
                        ], env: [("STACK", "${{ matrix.stack }}")] + credentials),
                    ])),
            ])
    }
}
