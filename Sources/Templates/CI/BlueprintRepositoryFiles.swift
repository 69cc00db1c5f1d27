import BlueprintModel
import Renderer

/// The blueprint repository's CI, which `generate` does not write (the blueprint
/// repository is the input): `scaffold ci` and `scaffold init` write it from here.
///
/// - `<folder>/blueprint.yaml`: `scaffold validate` and `scaffold verify` on every push and
///   pull request, and on pull requests `scaffold diff --fail-on widening --format sarif`
///   against the base branch, uploaded as code scanning.
/// - With a `platform-api` service: `platform-api/Dockerfile` (``PlatformAPIImage``) and
///   `<folder>/platform-api-release.yaml`: on a `v*` tag, build and push the image, sign it
///   keyless (cosign, the workflow's OIDC identity, which the generated `verifyImages`
///   policy admits), then `scaffold bump` the first non-local environment to the pushed
///   digest and open the pull requests from its JSON report.
public enum BlueprintRepositoryFiles {
    public static let blueprintWorkflowFile = "blueprint.yaml"
    public static let releaseWorkflowFile = "platform-api-release.yaml"

    /// The files, by path inside the blueprint repository. `blueprintPath` is the blueprint
    /// file's path there; without `ci:` in the blueprint, the defaults of ``ContinuousIntegration``.
    public static func files(_ blueprint: Blueprint, blueprintPath: String, blueprintName: String,
                             generatorVersion: String) -> [(path: String, contents: String)] {
        let ci = blueprint.ci ?? ContinuousIntegration(repository: "", scaffoldSource: "", location: blueprint.platform.location)
        let header = ["Written by `scaffold ci` from \(blueprintName) (scaffold \(generatorVersion)). Rewrite it with `scaffold ci`; edits are overwritten."]
        var files = [(path: "\(ci.folder)/\(blueprintWorkflowFile)",
                      contents: YAMLPrinter.print(documents: [checks(blueprint, ci, blueprintPath: blueprintPath, generatorVersion: generatorVersion)], header: header))]
        if let service = PlatformAPIImage.service(in: blueprint), blueprint.ci != nil, let environment = releaseEnvironment(blueprint) {
            files.append((path: PlatformAPIImage.dockerfilePath,
                          contents: DockerfilePrinter.print(PlatformAPIImage.dockerfile(service, generatorVersion: generatorVersion), header: header)))
            files.append((path: "\(ci.folder)/\(releaseWorkflowFile)",
                          contents: YAMLPrinter.print(documents: [release(blueprint, ci, service, environment: environment, blueprintPath: blueprintPath, generatorVersion: generatorVersion)], header: header)))
        }
        return files
    }

    /// The keyless signing identity of a release run from tag `tag`: what Fulcio writes in
    /// the certificate and what `verifyImages`' `subject` is matched against.
    public static func signingIdentity(_ ci: ContinuousIntegration, tag: String) -> (issuer: String, subject: String) {
        ("https://token.actions.githubusercontent.com",
         "https://github.com/\(ci.repository)/\(ci.folder)/\(releaseWorkflowFile)@refs/tags/\(tag)")
    }

    /// The environment a release lands in first: the first non-local one in promotion order.
    public static func releaseEnvironment(_ blueprint: Blueprint) -> String? {
        blueprint.promotionOrder.first { name in blueprint.environment(name).map { !$0.isLocal } ?? false }
    }

    static func checks(_ blueprint: Blueprint, _ ci: ContinuousIntegration, blueprintPath: String, generatorVersion: String) -> YAMLNode {
        let path = GitHubWorkflow.shellWord(blueprintPath)
        let steps: [YAMLNode] = [
            GitHubWorkflow.checkout(fullHistory: true),
        ] + GitHubWorkflow.installScaffold(ci, version: generatorVersion) + [
            GitHubWorkflow.uses(ActionPins.setupHelm, name: "Set up Helm (scaffold verify renders the charts)", with: [("version", .string(ActionPins.helmVersion))]),
            GitHubWorkflow.run("Validate", ["scaffold validate \(path)"]),
            GitHubWorkflow.run("Verify the first sync of every cluster", ["scaffold verify \(path)"]),
            GitHubWorkflow.run("Access this change widens", [
                "scaffold diff --from \"origin/$BASE_REF\" --to HEAD --repo . --blueprint \(path) --fail-on widening --format sarif > access.sarif",
            ], id: "diff", condition: "github.event_name == 'pull_request'", env: [("BASE_REF", "${{ github.base_ref }}")]),
            GitHubWorkflow.uses(ActionPins.uploadSARIF, name: "Upload the access findings as code scanning",
                                condition: "always() && github.event_name == 'pull_request' && hashFiles('access.sarif') != ''",
                                with: [("sarif_file", "access.sarif"), ("category", "scaffold-diff")]),
        ]
        return GitHubWorkflow.workflow(
            name: "blueprint",
            on: .map([
                // Bump branches are checked by their pull requests.
                ("push", .map([("branches-ignore", ["scaffold/**"])])),
                ("pull_request", .map([])),
                ("workflow_dispatch", .map([])),
            ]),
            permissions: [("contents", "read")],
            jobs: [("check", GitHubWorkflow.job("validate, verify, diff", ci, container: ActionPins.swiftImage,
                                                permissions: [("contents", "read"), ("security-events", "write")], timeout: 60, steps: steps))])
    }

    static func release(_ blueprint: Blueprint, _ ci: ContinuousIntegration, _ service: Service, environment: String, blueprintPath: String,
                        generatorVersion: String) -> YAMLNode {
        let image = service.image
        let registry = String(image.split(separator: "/").first ?? "")
        let ghcr = registry == "ghcr.io"
        let ops = blueprint.repositories.ops, infra = blueprint.repositories.infra
        let token = ("TOKEN", "${{ secrets.\(GitHubWorkflow.gitTokenSecret) }}")

        // Job 1: the image, signed. Read-only on the repository; writes packages; an OIDC token to sign with.
        let build: [YAMLNode] = [
            GitHubWorkflow.checkout(name: "Check out the blueprint repository", path: "blueprint"),
            GitHubWorkflow.run("Gather the build context", [
                "git clone --quiet --depth 1 --branch \"$SCAFFOLD_REF\" \"$SCAFFOLD_SOURCE\" context/\(PlatformAPIImage.sourceFolder)",
            ] + GitHubWorkflow.cloneLines(url: ops.url, branch: ops.branch, into: "context/\(PlatformAPIImage.opsFolder)", shallow: true),
               env: [("SCAFFOLD_SOURCE", ci.scaffoldSource), ("SCAFFOLD_REF", GitHubWorkflow.scaffoldRef(generatorVersion)), token]),
            GitHubWorkflow.uses(ActionPins.setupBuildx, name: "Set up Buildx"),
            GitHubWorkflow.uses(ActionPins.login, name: "Log in to \(registry)", with: [
                ("registry", .string(registry)),
                ("username", .string(ghcr ? "${{ github.actor }}" : "${{ secrets.REGISTRY_USERNAME }}")),
                ("password", .string(ghcr ? "${{ secrets.GITHUB_TOKEN }}" : "${{ secrets.REGISTRY_PASSWORD }}")),
            ]),
            GitHubWorkflow.uses(ActionPins.buildPush, name: "Build and push", id: "build", with: [
                ("context", "context"),
                ("file", .string("blueprint/\(PlatformAPIImage.dockerfilePath)")),
                ("push", true),
                ("provenance", "mode=max"),
                ("tags", .string("\(image):${{ github.ref_name }}")),
            ]),
            GitHubWorkflow.uses(ActionPins.cosignInstaller, name: "Install cosign"),
            GitHubWorkflow.run("Sign the digest (keyless: this workflow's identity)", [
                "cosign sign --yes \"\(image)@${DIGEST}\"",
            ], env: [("DIGEST", "${{ steps.build.outputs.digest }}")]),
        ]

        // Job 2: pin it. scaffold fetches the three repositories, commits, and pushes the bump
        // branches itself (refetching and redoing the bump if another writer got in first); the
        // pull requests are opened from its JSON report, each with its own title and body, in
        // merge order. Never sees the OIDC token.
        let author = "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
        let blueprintURL = "https://github.com/\(ci.repository).git"
        let bump = "scaffold bump \(service.name) --env \(environment) --digest \"$DIGEST\" --blueprint-repo \(GitHubWorkflow.shellWord(blueprintURL)) "
            + "--blueprint \(GitHubWorkflow.shellWord(blueprintPath)) --ops-repo \(GitHubWorkflow.shellWord(ops.url)) "
            + "--infra-repo \(GitHubWorkflow.shellWord(infra.url)) --author \(GitHubWorkflow.shellWord(author)) --describe-access --format json > bump.json"
        var publish: [String] = [
            "if [ \"$(jq -r .alreadyAt bump.json)\" = true ]; then echo \"already at $DIGEST\"; exit 0; fi",
        ]
        // In merge order: the blueprint's first, then ops and infra (they name its commit).
        for (role, url) in [("blueprint", blueprintURL), ("ops", ops.url), ("infra", infra.url)] {
            let select = "jq -r '.repositories[] | select(.role == \"\(role)\")"
            publish += [
                "if [ \"$(\(select) | .committed' bump.json)\" = true ]; then",
                "  branch=\"$(\(select) | .branch' bump.json)\" base=\"$(\(select) | .base' bump.json)\"",
                "  \(select) | .title' bump.json > title-\(role).txt",
                "  \(select) | .body' bump.json > body-\(role).md",
            ]
            if let repository = role == "blueprint" ? ci.repository : GitHubWorkflow.gitHubRepository(url) {
                let tokenVariable = role == "blueprint" ? "$GITHUB_TOKEN" : "$SCAFFOLD_GIT_TOKEN"
                publish.append("  GH_TOKEN=\"\(tokenVariable)\" gh pr create --repo \(repository) --base \"$base\" --head \"$branch\" --title \"$(cat title-\(role).txt)\" --body-file body-\(role).md")
            } else {
                publish.append("  echo \"- \(role): open a pull request from \\`$branch\\` into \\`$base\\` in \(url)\" >> \"$GITHUB_STEP_SUMMARY\"")
            }
            publish.append("fi")
        }
        let gitToken = ("SCAFFOLD_GIT_TOKEN", "${{ secrets.\(GitHubWorkflow.gitTokenSecret) }}")
        let pin: [YAMLNode] = GitHubWorkflow.installScaffold(ci, version: generatorVersion, extraPackages: ["gh", "jq"]) + [
            GitHubWorkflow.run("Pin the digest in \(environment) and push the branches", [bump],
                               env: [("DIGEST", "${{ needs.image.outputs.digest }}"), gitToken]),
            GitHubWorkflow.run("Open the pull requests", publish,
                               env: [("DIGEST", "${{ needs.image.outputs.digest }}"), ("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"), gitToken]),
        ]
        return GitHubWorkflow.workflow(
            name: "platform-api release",
            on: .map([("push", .map([("tags", ["v*"])]))]),
            permissions: [("contents", "read")],
            jobs: [
                ("image", GitHubWorkflow.job("build, push and sign \(image)", ci,
                                             permissions: [("contents", "read"), ("id-token", "write"), ("packages", "write")],
                                             outputs: [("digest", "${{ steps.build.outputs.digest }}")], timeout: 90, steps: build)),
                ("bump", GitHubWorkflow.job("bump \(service.name) in \(environment)", ci, container: ActionPins.swiftImage, needs: ["image"],
                                            permissions: [("contents", "write"), ("pull-requests", "write")], timeout: 60, steps: pin)),
            ])
    }
}
