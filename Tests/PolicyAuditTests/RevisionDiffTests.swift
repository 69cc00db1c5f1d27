import Foundation
import PolicyAudit
import Testing
import TestSupport

/// `diff` and `audit` between revisions of a blueprint repository made by the test
/// (the git CLI sets it up; scaffold reads it through libgit2), in the library and
/// through the `scaffold` executable.
@Suite(.serialized) struct RevisionDiffTests {
    /// A repository with two commits: the example, then a change that adds a dependency
    /// and relaxes staging's admission to Audit. The work tree then gets an uncommitted
    /// edit that revisions must not see.
    static func repository() throws -> GalaxyCopy? {
        guard try TestTools.require("git") else { return nil }
        let copy = try GalaxyCopy()
        let root = copy.root.path
        try git(["init", "-q", "-b", "main"], in: root)
        try git(["add", "-A"], in: root)
        try git(["commit", "-q", "-m", "galaxy"], in: root)
        try copy.edit(copy.blueprint, "    dependsOn:\n      - dataStore: objects\n    config:\n      MODE: mock",
                      "    dependsOn:\n      - dataStore: objects\n      - dataStore: cache\n    config:\n      MODE: mock")
        try copy.edit(copy.blueprint, "    domain: staging.galaxy.example.com\n    policyMode: Enforce",
                      "    domain: staging.galaxy.example.com\n    policyMode: Audit")
        try git(["commit", "-q", "-am", "backend-ai caches; staging audits"], in: root)
        try copy.edit(copy.blueprint, "      - service: backend-api\n      - service: platform-api\n    expose: {host: app}",
                      "      - service: backend-api\n    expose: {host: app}")
        return copy
    }

    @Test func diffBetweenTwoRevisions() throws {
        guard let repo = try Self.repository() else { return }
        let root = repo.root.path
        let clock = ContinuousClock()
        let start = clock.now
        let old = try pipeline.subject(repository: root, revision: "HEAD~1", blueprint: "blueprints/galaxy.yaml")
        let new = try pipeline.subject(repository: root, revision: "HEAD", blueprint: "blueprints/galaxy.yaml")
        let report = pipeline.diff(from: old, to: new)
        print("diff between two revisions of galaxy (read through libgit2, rendered twice, compared): \(clock.now - start)")

        let head = try git(["rev-parse", "HEAD"], in: root).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(new.revision == head && report.to.revision == head && report.from.label == "HEAD~1")
        let connection = try #require(report.findings.first { $0.subject == "apps/backend-ai → data-cache/*" }, "\(DiffFormatter.text(report))")
        #expect(connection.classification == .widening)
        // The line as committed at HEAD (the work tree has an uncommitted edit above it): backend-ai's
        // added dependency, two lines above its `MODE: mock` (backend-api depends on cache too).
        let committed = try git(["show", "HEAD:blueprints/galaxy.yaml"], in: root).split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(committed.firstIndex(of: "      MODE: mock")) + 1 - 2
        #expect(connection.cause?.file == "blueprints/galaxy.yaml" && connection.cause?.line == line,
                "causes are repository paths, not the checkout folder: \(String(describing: connection.cause))")
        #expect(report.findings.contains { $0.detail == "Enforce → Audit" && $0.classification == .widening })
        #expect(!report.findings.contains { $0.subject == "apps/frontend → apps/platform-api" }, "the uncommitted edit is not part of HEAD")
        #expect(report.summary.narrowing == 0)

        // The same revisions by full and short id, branch name, tags (lightweight and
        // annotated, peeled to their commit), as git itself reads them.
        let parent = try git(["rev-parse", "HEAD~1"], in: root).trimmingCharacters(in: .whitespacesAndNewlines)
        let byID = try pipeline.subject(repository: root, revision: parent, blueprint: "blueprints/galaxy.yaml")
        #expect(byID.revision == parent && byID.contentHash == old.contentHash)
        #expect(try pipeline.subject(repository: root, revision: String(parent.prefix(8)), blueprint: "blueprints/galaxy.yaml").revision == parent)
        #expect(try pipeline.subject(repository: root, revision: "main", blueprint: "blueprints/galaxy.yaml").revision == head)
        try git(["tag", "v1", "HEAD~1"], in: root)
        try git(["tag", "-a", "-m", "release 2", "v2", "HEAD"], in: root)
        #expect(try pipeline.subject(repository: root, revision: "v1", blueprint: "blueprints/galaxy.yaml").revision == parent)
        #expect(try pipeline.subject(repository: root, revision: "v2", blueprint: "blueprints/galaxy.yaml").revision == head)
        #expect(try pipeline.subject(repository: root, revision: "v2~1", blueprint: "blueprints/galaxy.yaml").revision == parent)
        #expect(throws: (any Error).self) { try pipeline.subject(repository: root, revision: "no-such-branch", blueprint: "blueprints/galaxy.yaml") }
        #expect(throws: (any Error).self) { try pipeline.subject(repository: root, revision: "HEAD~5", blueprint: "blueprints/galaxy.yaml") }
    }

    @Test func commandLine() throws {
        guard let repo = try Self.repository() else { return }
        let root = repo.root.path
        let scaffold = TestTools.scaffoldExecutable
        let clock = ContinuousClock()
        let start = clock.now
        let gated = try TestTools.run(scaffold, ["diff", "--from", "HEAD~1", "--to", "HEAD", "--repo", root, "--format", "json", "--fail-on", "widening"])
        print("scaffold diff --from HEAD~1 --to HEAD (whole process): \(clock.now - start)")
        #expect(gated.status == 1, "--fail-on widening exits 1 when something widened: \(gated.stderr)")
        #expect(gated.stderr.contains("widening finding"))
        let report = try JSONDecoder().decode(DiffReport.self, from: Data(gated.stdout.utf8))
        #expect(report.summary.widening > 0)

        let narrowing = try TestTools.run(scaffold, ["diff", "--from", "HEAD~1", "--to", "HEAD", "--repo", root, "--fail-on", "narrowing"])
        #expect(narrowing.status == 0, "nothing narrowed: \(narrowing.stderr)")
        #expect(narrowing.stdout.contains("WIDENING") && narrowing.stdout.contains("cause: blueprints/galaxy.yaml:"))

        // Files instead of revisions: the work tree against itself has no finding.
        let files = try TestTools.run(scaffold, ["diff", "--from", repo.blueprint, "--to", repo.blueprint, "--format", "markdown", "--fail-on", "any"])
        #expect(files.status == 0 && files.stdout.contains("No change of access."), "\(files.stdout)\(files.stderr)")

        for format in ["sarif", "junit"] {
            let result = try TestTools.run(scaffold, ["diff", "--from", "HEAD~1", "--to", "HEAD", "--repo", root, "--format", format])
            #expect(result.status == 0 && !result.stdout.isEmpty, "\(format): \(result.stderr)")
        }

        let evidence = repo.root.appendingPathComponent("evidence").path
        let audit = try TestTools.run(scaffold, ["audit", "HEAD", "--repo", root, "--evidence", evidence])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        #expect(audit.stdout.contains("8 passed, 0 failed"))
        for name in ["evidence.json", "evidence.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: "\(evidence)/\(name)"), "\(name)")
        }
        let bundle = try JSONDecoder().decode(AuditReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(evidence)/evidence.json")))
        let head = try git(["rev-parse", "HEAD"], in: root).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bundle.source.revision == head && bundle.source.blueprint == "blueprints/galaxy.yaml" && bundle.passed)

        // A blueprint file as the argument is the working files, not a revision named like a path.
        let file = try TestTools.run(scaffold, ["audit", repo.blueprint])
        #expect(file.status == 0 && file.stdout.contains("8 passed, 0 failed"), "\(file.stdout)\(file.stderr)")

        let unknown = try TestTools.run(scaffold, ["diff", "--from", "nope", "--to", "HEAD", "--repo", root])
        #expect(unknown.status == 1 && unknown.stderr.contains("unknown revision `nope`"), "\(unknown.stderr)")
    }
}
