import BlueprintModel
@testable import BringUp
import Foundation
import Renderer
@testable import scaffold
import ScaffoldCore
import Templates
import Testing
import TestSupport
import Yams

/// The CI scaffold writes for the three repositories, checked with the tools that consume
/// it: actionlint (with shellcheck on every `run:` script) for the workflows, hadolint for
/// platform-api's recipe, the CLI's own command tree for every `scaffold` line they run,
/// and the generated ClusterPolicy for the release's signing identity.
@Suite struct CIWorkflowTests {
    /// galaxy's render and its blueprint repository's CI files.
    struct Galaxy: @unchecked Sendable {
        var loaded: LoadedBlueprint
        var plan: OutputPlan
        var blueprintFiles: [(path: String, contents: String)]
        var ci: ContinuousIntegration { loaded.base.ci! }

        /// Every workflow file, as `<repository>/<path>`.
        var workflows: [(path: String, contents: String)] {
            plan.files.filter { $0.path.hasPrefix(ci.folder + "/") }.map { ($0.outputPath, $0.contents) }
                + blueprintFiles.filter { $0.path.hasPrefix(ci.folder + "/") }.map { ("blueprint/\($0.path)", $0.contents) }
        }

        var dockerfile: String { blueprintFiles.first { $0.path == PlatformAPIImage.dockerfilePath }!.contents }
        var release: String { blueprintFiles.first { $0.path.hasSuffix(BlueprintRepositoryFiles.releaseWorkflowFile) }!.contents }

        func ops(_ path: String) -> String? { plan.files.first { $0.repository == .ops && $0.path == path }?.contents }
    }

    static let galaxy: Galaxy = {
        let path = TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path
        let loaded = try! Pipeline.load(blueprint: path)
        return Galaxy(loaded: loaded, plan: Pipeline.render(loaded),
                      blueprintFiles: BlueprintRepositoryFiles.files(loaded.base, blueprintPath: "blueprints/galaxy.yaml",
                                                                     blueprintName: loaded.blueprintName, generatorVersion: ScaffoldVersion.current))
    }()

    @Test func galaxyGetsEveryRepositorysWorkflows() {
        let paths = Self.galaxy.workflows.map(\.path).sorted()
        #expect(paths == [
            "blueprint/.github/workflows/blueprint.yaml", "blueprint/.github/workflows/platform-api-release.yaml",
            "infra/.github/workflows/terraform.yaml", "ops/.github/workflows/scaffold-check.yaml",
        ])
        #expect(Self.galaxy.blueprintFiles.contains { $0.path == "platform-api/Dockerfile" })
    }

    // MARK: actionlint

    /// Writes the workflows into `.github/workflows` of a scratch folder and runs actionlint there.
    func actionlint(_ workflows: [(path: String, contents: String)]) throws -> ProcessResult? {
        guard try TestTools.require("actionlint"), try TestTools.require("shellcheck") else {
            Issue.record("actionlint or shellcheck is not installed (scripts/install-deps.sh --test): the workflows were not checked (CI fails here)")
            return nil
        }
        let directory = try TemporaryDirectory()
        let folder = directory.url.appendingPathComponent(".github/workflows")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var names: [String] = []
        for (path, contents) in workflows {
            let name = path.replacingOccurrences(of: "/", with: "_")
            try contents.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            names.append(".github/workflows/\(name)")
        }
        return try TestTools.run("actionlint", ["-no-color", "-shellcheck", "shellcheck"] + names, cwd: directory.url)
    }

    @Test func workflowsPassActionlintWithShellcheck() throws {
        guard let result = try actionlint(Self.galaxy.workflows) else { return }
        #expect(result.succeeded && result.stdout.isEmpty, "\(result.stdout)\(result.stderr)")
    }

    /// The checker is live: a broken expression and an unquoted variable are both reported.
    @Test func actionlintCatchesABrokenWorkflow() throws {
        let (path, contents) = Self.galaxy.workflows.first { $0.path.hasSuffix("scaffold-check.yaml") }!
        let broken = contents.replacingOccurrences(of: "${{ github.workflow }}", with: "${{ github.workflow_nope }}")
            .replacingOccurrences(of: "--branch main", with: "--branch $BRANCH_NAME $UNQUOTED")
        guard let result = try actionlint([(path, broken)]) else { return }
        #expect(result.status == 1)
        #expect(result.stdout.contains("workflow_nope"), "\(result.stdout)")
        #expect(result.stdout.contains("shellcheck"), "\(result.stdout)")
    }

    // MARK: pins

    /// Every `uses:` names a commit (40 hex digits) from ``ActionPins`` with its version as a
    /// comment; every container image is pinned by digest.
    @Test func everyActionAndImageIsPinnedByDigest() throws {
        let pinned = Set(ActionPins.all.map { "\($0.action)@\($0.commit) # \($0.version)" })
        var uses = 0
        for (path, contents) in Self.galaxy.workflows {
            for line in contents.split(separator: "\n") where line.contains("uses:") {
                let value = line.split(separator: "uses:", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
                let reference = value.split(separator: " ").first.map(String.init) ?? ""
                let commit = reference.split(separator: "@").last.map(String.init) ?? ""
                #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit) && commit == commit.lowercased(), "\(path): \(line)")
                #expect(pinned.contains(value), "\(path): `\(value)` is not in ActionPins with its version")
                uses += 1
            }
            let document = try #require(try Yams.load(yaml: contents) as? [String: Any])
            for case let job as [String: Any] in (document["jobs"] as? [String: Any] ?? [:]).values {
                if let image = (job["container"] as? [String: Any])?["image"] as? String {
                    #expect(image.range(of: "@sha256:[0-9a-f]{64}$", options: .regularExpression) != nil, "\(path): \(image)")
                }
            }
        }
        #expect(uses >= 12)
        for line in Self.galaxy.dockerfile.split(separator: "\n") where line.hasPrefix("FROM ") {
            #expect(line.range(of: "@sha256:[0-9a-f]{64}( AS \\w+)?$", options: .regularExpression) != nil, "\(line)")
        }
    }

    // MARK: the commands the workflows run

    /// Every `scaffold …` line of every `run:` script, as words (variables given sample values).
    static func scaffoldInvocations(_ workflows: [(path: String, contents: String)]) throws -> [(path: String, words: [String])] {
        var found: [(String, [String])] = []
        for (path, contents) in workflows {
            let document = try #require(try Yams.load(yaml: contents) as? [String: Any])
            for case let job as [String: Any] in (document["jobs"] as? [String: Any] ?? [:]).values {
                for case let step as [String: Any] in job["steps"] as? [Any] ?? [] {
                    guard let script = step["run"] as? String else { continue }
                    for line in script.split(separator: "\n") {
                        let trimmed = line.trimmingCharacters(in: .whitespaces)
                        guard trimmed.hasPrefix("scaffold ") else { continue }
                        found.append((path, shellWords(trimmed)))
                    }
                }
            }
        }
        return found
    }

    /// Splits a shell line into words, stopping at a redirection; `$NAME` becomes a sample
    /// value (`$DIGEST` a digest).
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = [], current = "", inWord = false
        var characters = Array(line)[...]
        func expand(_ name: String) -> String { name == "DIGEST" ? "sha256:" + String(repeating: "0", count: 64) : "sample" }
        func variable() -> String {
            var name = ""
            while let next = characters.first, next.isLetter || next.isNumber || next == "_" { name.append(next); characters.removeFirst() }
            return expand(name)
        }
        while let character = characters.popFirst() {
            switch character {
            case " " where true:
                if inWord { words.append(current); current = ""; inWord = false }
            case ">" where !inWord || current.isEmpty:
                return words
            case "'":
                inWord = true
                while let next = characters.popFirst(), next != "'" { current.append(next) }
            case "\"":
                inWord = true
                while let next = characters.popFirst(), next != "\"" {
                    if next == "$" { current += variable() } else { current.append(next) }
                }
            case "$":
                inWord = true
                current += variable()
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }

    @Test func everyScaffoldLineParsesWithTheRealCommandTree() throws {
        let invocations = try Self.scaffoldInvocations(Self.galaxy.workflows)
        let commands = Set(invocations.compactMap { $0.words.dropFirst().first })
        #expect(commands == ["validate", "verify", "diff", "check", "bump"], "\(commands)")
        for (path, words) in invocations {
            #expect(throws: Never.self, "\(path): \(words.joined(separator: " "))") {
                _ = try Scaffold.parseAsRoot(Array(words.dropFirst()))
            }
        }
        // The diff runs with the flags the issue names, and the bump reports JSON.
        let lines = invocations.map { $0.words.joined(separator: " ") }
        #expect(lines.contains { $0.contains("diff") && $0.contains("--fail-on widening") && $0.contains("--format sarif") })
        #expect(lines.contains { $0.contains("bump platform-api") && $0.contains("--format json") })
    }

    /// A renamed flag is caught: the parse is real, not a pattern match.
    @Test func aRenamedFlagFailsTheParse() throws {
        let renamed = Self.galaxy.workflows.map { ($0.path, $0.contents.replacingOccurrences(of: "--fail-on", with: "--fail-when")) }
        let diff = try #require(try Self.scaffoldInvocations(renamed).first { $0.words.dropFirst().first == "diff" })
        #expect(throws: (any Error).self) { _ = try Scaffold.parseAsRoot(Array(diff.words.dropFirst())) }
        #expect(Self.shellWords("scaffold check --blueprint 'a b' --branch \"x-$REF\" > out") == ["scaffold", "check", "--blueprint", "a b", "--branch", "x-sample"])
    }

    // MARK: platform-api's image

    @Test func dockerfilePassesHadolint() throws {
        guard try TestTools.require("hadolint") else {
            Issue.record("hadolint is not installed (scripts/install-deps.sh --test): the Dockerfile was not checked (CI fails here)")
            return
        }
        let directory = try TemporaryDirectory()
        let file = directory.url.appendingPathComponent("Dockerfile")
        try Self.galaxy.dockerfile.write(to: file, atomically: true, encoding: .utf8)
        let result = try TestTools.run("hadolint", ["--no-color", "--failure-threshold", "style", file.path])
        #expect(result.succeeded && result.stdout.isEmpty, "\(result.stdout)\(result.stderr)")
        // Live: a shell-form entrypoint and an untagged image are reported.
        try (Self.galaxy.dockerfile + "FROM debian\nENTRYPOINT /app/platform-api serve\n").write(to: file, atomically: true, encoding: .utf8)
        let broken = try TestTools.run("hadolint", ["--no-color", file.path])
        #expect(broken.status == 1 && broken.stdout.contains("DL3006") && broken.stdout.contains("DL3025"), "\(broken.stdout)")
    }

    /// The image runs as the pods' user, needs no writable root (the Deployment's
    /// `readOnlyRootFilesystem`), has no shell stage at run time, and carries the migrations
    /// where the migration Job reads them; `platform-api migrate` is its entrypoint plus the Job's args.
    @Test func imageAgreesWithTheGeneratedDeploymentAndMigrationJob() throws {
        let text = try #require(Self.galaxy.ops("cluster/apps/staging-tr/platform-api.yaml"))
        let objects = try Yams.load_all(yaml: text).compactMap { $0 as? [String: Any] }
        func object(_ kind: String) throws -> [String: Any] { try #require(objects.first { $0["kind"] as? String == kind }) }
        func podSpec(_ object: [String: Any]) -> [String: Any] {
            (((object["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]) ?? [:]
        }
        let deployment = try object("Deployment"), job = try object("Job")
        let dockerfile = Self.galaxy.dockerfile.split(separator: "\n").map(String.init)
        let runtime = Array(dockerfile.drop { !$0.hasPrefix("FROM ") }.dropFirst().drop { !$0.hasPrefix("FROM ") })
        #expect(runtime.first?.contains("distroless") == true, "the runtime stage has no shell")
        #expect(!runtime.contains { $0.hasPrefix("RUN ") || $0.hasPrefix("SHELL ") || $0.hasPrefix("VOLUME ") })
        let user = try #require(runtime.first { $0.hasPrefix("USER ") }).dropFirst(5).split(separator: ":").map { Int($0) }
        for pod in [podSpec(deployment), podSpec(job)] {
            let security = try #require(pod["securityContext"] as? [String: Any])
            #expect(user == [security["runAsUser"] as? Int, security["runAsGroup"] as? Int])
            #expect(security["runAsNonRoot"] as? Bool == true && user.first != 0)
            for case let container as [String: Any] in pod["containers"] as? [Any] ?? [] {
                #expect((container["securityContext"] as? [String: Any])?["readOnlyRootFilesystem"] as? Bool == true)
                // Writes go to /tmp, an emptyDir: nothing else in the image needs to be writable.
                let mounts = (container["volumeMounts"] as? [[String: Any]] ?? []).compactMap { $0["mountPath"] as? String }
                #expect(mounts.contains("/tmp") && !mounts.contains { $0.hasPrefix(PlatformAPIImage.root) })
                #expect((container["image"] as? String)?.hasPrefix("ghcr.io/galaxy-health/platform-api@sha256:") == true)
            }
        }
        let migrate = try #require((podSpec(job)["containers"] as? [[String: Any]])?.first)
        #expect(migrate["args"] as? [String] == ["migrate"] && migrate["command"] == nil)
        #expect(runtime.contains("ENTRYPOINT [\"\(PlatformAPIImage.binary)\"]"))
        let environment = (migrate["env"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { $0[$1["name"] as! String] = $1["value"] as? String }
        let directory = try #require(environment["PLATFORM_API_MIGRATIONS_DIR"])
        #expect(runtime.contains("COPY ops/\(DatabaseMigrations.directory)/ \(directory)/"))
        // …and the ops repository really holds migrations there.
        #expect(Self.galaxy.plan.files(in: .ops).contains { $0.path.hasPrefix(DatabaseMigrations.directory + "/") && $0.path.hasSuffix(".sql") })
        #expect(runtime.contains("EXPOSE 8080"))
    }

    // MARK: signing identity

    /// The release signs keyless as `https://github.com/<ci.repository>/<folder>/<file>@refs/tags/<tag>`,
    /// issued by GitHub's OIDC issuer: the generated ClusterPolicy's `verifyImages` (its
    /// issuer, and its subject under Kyverno's wildcards) admits exactly that.
    @Test func releaseIdentityIsAdmittedByTheGeneratedPolicy() throws {
        let policies = Self.galaxy.plan.files(in: .ops).filter { $0.contents.contains("kind: ClusterPolicy") }
        var attestors: [(issuer: String, subject: String, references: [String])] = []
        for file in policies {
            for case let object as [String: Any] in try Yams.load_all(yaml: file.contents) where object["kind"] as? String == "ClusterPolicy" {
                for case let rule as [String: Any] in (object["spec"] as? [String: Any])?["rules"] as? [Any] ?? [] {
                    for case let verify as [String: Any] in rule["verifyImages"] as? [Any] ?? [] {
                        for case let attestor as [String: Any] in verify["attestors"] as? [Any] ?? [] {
                            for case let entry as [String: Any] in attestor["entries"] as? [Any] ?? [] {
                                guard let keyless = entry["keyless"] as? [String: Any] else { continue }
                                attestors.append((keyless["issuer"] as? String ?? "", keyless["subject"] as? String ?? "",
                                                  verify["imageReferences"] as? [String] ?? []))
                            }
                        }
                    }
                }
            }
        }
        #expect(attestors.count == Self.galaxy.loaded.clusters.count, "one keyless verifyImages per cluster")

        // The workflow: a tag push, an OIDC token for the signing job, cosign keyless by digest.
        let release = try #require(try Yams.load(yaml: Self.galaxy.release) as? [String: Any])
        #expect(((release["on"] as? [String: Any])?["push"] as? [String: Any])?["tags"] as? [String] == ["v*"])
        let image = try #require((release["jobs"] as? [String: Any])?["image"] as? [String: Any])
        #expect((image["permissions"] as? [String: String])?["id-token"] == "write")
        let sign = (image["steps"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }.first { $0.contains("cosign sign") }
        #expect(sign?.contains("cosign sign --yes \"ghcr.io/galaxy-health/platform-api@${DIGEST}\"") == true)
        #expect(!(sign ?? "").contains("--key"), "keyless")

        let identity = BlueprintRepositoryFiles.signingIdentity(Self.galaxy.ci, tag: "v1.4.0")
        let workflowPath = Self.galaxy.workflows.first { $0.path.hasSuffix(BlueprintRepositoryFiles.releaseWorkflowFile) }!.path
            .replacingOccurrences(of: "blueprint/", with: "")
        #expect(identity.subject == "https://github.com/galaxy-health/galaxy-blueprint/\(workflowPath)@refs/tags/v1.4.0")
        for attestor in attestors {
            #expect(attestor.issuer == identity.issuer)
            #expect(Wildcard.matches(attestor.subject, identity.subject), "\(attestor.subject) does not admit \(identity.subject)")
            #expect(attestor.references.contains { Wildcard.matches($0, "ghcr.io/galaxy-health/platform-api@sha256:" + String(repeating: "a", count: 64)) })
            // Live: another organisation's release is not admitted.
            var other = Self.galaxy.ci
            other.repository = "galaxy-healthy/galaxy-blueprint"
            #expect(!Wildcard.matches(attestor.subject, BlueprintRepositoryFiles.signingIdentity(other, tag: "v1.4.0").subject))
        }
    }

    // MARK: the blueprint

    @Test func aMalformedCIRepositoryIsAPositionedError() throws {
        let directory = try TemporaryDirectory()
        let source = try String(contentsOfFile: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path, encoding: .utf8)
        let path = directory.url.appendingPathComponent("galaxy.yaml").path
        try source.replacingOccurrences(of: "repository: galaxy-health/galaxy-blueprint", with: "repository: galaxy-health")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let line = source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("repository: galaxy-health/") }! + 1
        let report = ScaffoldCommands.validate(blueprint: path, overlays: "/nonexistent")
        #expect(!report.valid)
        #expect(report.diagnostics.contains { $0.message.contains("ci.repository `galaxy-health`") && $0.line == line && $0.column == 15 && $0.hint != nil },
                "\(report.diagnostics)")
    }

    /// `scaffold init` writes the blueprint workflow beside the starter; `scaffold ci` writes
    /// galaxy's three files, then finds them up to date; a wrong `ci.blueprintPath` is refused.
    @Test func initAndCICommandsWriteTheBlueprintRepositorysFiles() throws {
        let directory = try TemporaryDirectory()
        let scaffold = TestTools.scaffoldExecutable
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("blueprints"), withIntermediateDirectories: true)
        let started = try TestTools.run(scaffold, ["init", "blueprints/shop.yaml", "--name", "shop"], cwd: directory.url)
        #expect(started.succeeded, "\(started.stderr)")
        let workflow = directory.url.appendingPathComponent(".github/workflows/blueprint.yaml")
        let text = try String(contentsOf: workflow, encoding: .utf8)
        #expect(text.contains("scaffold validate blueprints/shop.yaml"))
        #expect(try TestTools.run(scaffold, ["validate", "blueprints/shop.yaml"], cwd: directory.url).succeeded)

        let repository = directory.url.appendingPathComponent("galaxy-blueprint")
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("blueprints"), withIntermediateDirectories: true)
        for name in ["galaxy.yaml", "galaxy.pins.yaml"] {
            try FileManager.default.copyItem(at: TestTools.packageRoot.appendingPathComponent("blueprints/\(name)"),
                                             to: repository.appendingPathComponent("blueprints/\(name)"))
        }
        let first = try TestTools.run(scaffold, ["ci", "blueprints/galaxy.yaml", "--format", "json"], cwd: repository)
        #expect(first.succeeded, "\(first.stderr)")
        let report = try JSONDecoder().decode(BlueprintCIReport.self, from: Data(first.stdout.utf8))
        #expect(report.written == [".github/workflows/blueprint.yaml", ".github/workflows/platform-api-release.yaml", "platform-api/Dockerfile"])
        #expect(try String(contentsOf: repository.appendingPathComponent("platform-api/Dockerfile"), encoding: .utf8) == Self.galaxy.dockerfile)
        let again = try TestTools.run(scaffold, ["ci", "blueprints/galaxy.yaml", "--format", "json"], cwd: repository)
        #expect(try JSONDecoder().decode(BlueprintCIReport.self, from: Data(again.stdout.utf8)).unchanged.count == 3)

        try FileManager.default.moveItem(at: repository.appendingPathComponent("blueprints"), to: repository.appendingPathComponent("platform"))
        let moved = try TestTools.run(scaffold, ["ci", "platform/galaxy.yaml"], cwd: repository, environment: ["NO_COLOR": "1"])
        #expect(moved.status == 1)
        #expect(moved.stderr.contains("galaxy.yaml:") && moved.stderr.contains("ci.blueprintPath is `blueprints/galaxy.yaml`, but the blueprint is at `platform/galaxy.yaml`"), "\(moved.stderr)")
        #expect(moved.stderr.contains("hint: set `ci.blueprintPath: platform/galaxy.yaml`"))

        // A release the generated policy would refuse is not written.
        let policy = repository.appendingPathComponent("platform/galaxy.yaml")
        let original = try String(contentsOf: policy, encoding: .utf8)
        try original.replacingOccurrences(of: "subject: https://github.com/galaxy-health/*", with: "subject: https://github.com/galaxy-health/images-*")
            .replacingOccurrences(of: "ci:\n", with: "ci:\n  blueprintPath: platform/galaxy.yaml\n")
            .write(to: policy, atomically: true, encoding: .utf8)
        let refused = try TestTools.run(scaffold, ["ci", "platform/galaxy.yaml"], cwd: repository, environment: ["NO_COLOR": "1"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("signs as https://github.com/galaxy-health/galaxy-blueprint/.github/workflows/platform-api-release.yaml@refs/tags/v1.0.0"), "\(refused.stderr)")
        #expect(refused.stderr.contains("does not admit"))
        try original.replacingOccurrences(of: "ci:\n", with: "ci:\n  blueprintPath: platform/galaxy.yaml\n").write(to: policy, atomically: true, encoding: .utf8)
        #expect(try TestTools.run(scaffold, ["ci", "platform/galaxy.yaml"], cwd: repository).succeeded)
    }
}
