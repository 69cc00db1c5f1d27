import Foundation
import GitKit
import Testing
import TestSupport
@testable import ScaffoldCore

/// `generate`, `bump`, `promote` and `check` against remote repositories served on
/// loopback by real git servers (`git daemon` for git://, `git http-backend` behind basic
/// authentication for http://): fetched into a cache, committed there through libgit2,
/// pushed; a push race is fetched again, re-rendered and retried.
@Suite("Remotes: scaffold on git:// and http:// remotes", .serialized)
struct RemoteDeliveryTests {
    /// The example blueprint in a bare `blueprint.git`, and empty `ops.git`/`infra.git`,
    /// all under one folder a server exports.
    private func fixture(_ prefix: String, generated: Bool = false) throws -> GitFixture {
        let fixture = try GitFixture(prefix: prefix)
        try gitCLI(["clone", "-q", "--bare", fixture.blueprintRepo, fixture.directory.path + "/blueprint.git"], in: fixture.directory.path)
        if generated {
            _ = try GitDelivery.generate(GitGenerationOptions(
                blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo,
                branch: "main", author: GitFixture.author))
        }
        return fixture
    }

    private func scaffold(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try TestTools.run(TestTools.scaffoldExecutable, arguments, environment: ["NO_COLOR": "1"].merging(environment) { $1 })
    }

    private func bump(_ server: GitServer, _ service: String, _ environment: String, _ digest: String, cache: String,
                      extra: [String] = []) -> [String] {
        ["bump", service, "--env", environment, "--digest", digest,
         "--blueprint-repo", server.url("blueprint.git"), "--blueprint", "blueprints/galaxy.yaml",
         "--ops-repo", server.url("ops.git"), "--branch", "main", "--author", GitFixture.authorFlag,
         "--cache", cache, "--format", "json"] + extra
    }

    @Test("over git://: generate into empty remotes, bump, check in sync; a hand edit pushed to the ops remote is drift")
    func overGitDaemon() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try fixture("scaffold-remote-git")
        let root = fixture.directory.path
        let server = try GitServer.daemon(root: root)
        let cache = root + "/cache"

        let generate = try scaffold(["generate", fixture.blueprint, "--ops-repo", server.url("ops.git"), "--infra-repo", server.url("infra.git"),
                                     "--author", GitFixture.authorFlag, "--cache", cache, "--format", "json"])
        try #require(generate.succeeded, "\(generate.stderr)")
        let generated = try JSONDecoder().decode(GitGenerationReport.self, from: Data(generate.stdout.utf8))
        #expect(generated.pushes.map(\.repository) == [server.url("ops.git"), server.url("infra.git")])
        #expect(generated.pushes.allSatisfy { $0.pushed && $0.branch == "main" && $0.previous == nil })
        #expect(generated.repositories.map(\.repository) == [server.url("ops.git"), server.url("infra.git")])
        #expect(try fixture.tip(fixture.opsRepo, "main") == generated.repositories[0].commit)
        #expect(try fixture.tip(fixture.infraRepo, "main") == generated.repositories[1].commit)

        let run = try scaffold(bump(server, "frontend", "staging", testDigest(1), cache: cache))
        try #require(run.succeeded, "\(run.stderr)")
        let report = try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(run.stdout.utf8))
        #expect(report.repositories.map(\.committed) == [true, true])
        #expect(try fixture.tip(root + "/blueprint.git", "main") == report.repositories[0].commit)
        #expect(try fixture.tip(fixture.opsRepo, "main") == report.repositories[1].commit)
        #expect(report.pushes.map(\.commit) == report.repositories.map { $0.commit ?? "" })
        try expectRepositoryIntact(root + "/blueprint.git")
        try expectRepositoryIntact(fixture.opsRepo)

        // The same bump again: nothing committed, nothing pushed.
        let again = try scaffold(bump(server, "frontend", "staging", testDigest(1), cache: cache))
        let repeated = try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(again.stdout.utf8))
        #expect(again.succeeded && repeated.alreadyAt && repeated.pushes.isEmpty)

        let checkArguments = ["check", "--blueprint-repo", server.url("blueprint.git"), "--blueprint", "blueprints/galaxy.yaml",
                              "--ops-repo", server.url("ops.git"), "--cache", cache]
        let clean = try scaffold(checkArguments)
        #expect(clean.succeeded && clean.stdout.contains("in sync"), "\(clean.stdout)\(clean.stderr)")

        // Someone edits a generated file on the ops remote by hand.
        let human = root + "/human-ops"
        try gitCLI(["clone", "-q", fixture.opsRepo, human], in: root)
        let edited = try #require(try gitCLI(["ls-files", "cluster/apps"], in: human).split(separator: "\n").map(String.init).first)
        try Data("# hand edit\n".utf8).write(to: URL(fileURLWithPath: human + "/" + edited), options: .atomic)
        try gitCLI(["commit", "-qam", "Tweak by hand"], in: human)
        try gitCLI(["push", "-q", "origin", "main"], in: human)
        let drift = try scaffold(checkArguments)
        #expect(drift.status == 1, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout.contains("edited by hand: \(edited)"), "\(drift.stdout)")
    }

    @Test("over http:// with basic authentication: the token from the environment pushes; a wrong one pushes nothing and is never shown")
    func overHTTPWithBasicAuthentication() throws {
        guard try TestTools.require("git"), try TestTools.require("python3") else { return }
        let fixture = try fixture("scaffold-remote-http", generated: true)
        let root = fixture.directory.path
        let token = "tok-3f9a1c77e2"
        // Fetches are anonymous (a public repository): a wrong token is only found at push time.
        let server = try GitServer.http(root: root, token: token, anonymousRead: true)
        let before = try [fixture.refs(root + "/blueprint.git"), fixture.refs(fixture.opsRepo)]

        let wrong = try scaffold(bump(server, "frontend", "staging", testDigest(2), cache: root + "/cache-wrong"),
                                 environment: ["SCAFFOLD_GIT_TOKEN": "not-the-token"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("refused the credentials") && wrong.stderr.contains("nothing was pushed")
                && wrong.stderr.contains("SCAFFOLD_GIT_TOKEN"), "\(wrong.stderr)")
        #expect(!(wrong.stdout + wrong.stderr).contains("not-the-token"))
        #expect(try [fixture.refs(root + "/blueprint.git"), fixture.refs(fixture.opsRepo)] == before, "a refused push changed a remote")

        // The per-host variable wins over the general one.
        let host = RemoteCredentialSource.tokenVariable(forHost: "127.0.0.1")
        #expect(host == "SCAFFOLD_GIT_TOKEN_127_0_0_1")
        let right = try scaffold(bump(server, "frontend", "staging", testDigest(2), cache: root + "/cache"),
                                 environment: [host: token, "SCAFFOLD_GIT_TOKEN": "not-the-token"])
        try #require(right.succeeded, "\(right.stderr)")
        #expect(!(right.stdout + right.stderr).contains(token))
        let report = try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(right.stdout.utf8))
        #expect(report.pushes.count == 2 && report.pushes.allSatisfy(\.pushed))
        #expect(try fixture.tip(root + "/blueprint.git", "main") == report.repositories[0].commit)
        #expect(try fixture.tip(fixture.opsRepo, "main") == report.repositories[1].commit)
        let pins = try gitCLI(["show", "main:blueprints/galaxy.pins.yaml"], in: root + "/blueprint.git")
        #expect(pins.contains(testDigest(2)))

        // Without credentials on a server that wants them for everything: a clear error.
        let closed = try GitServer.http(root: root, token: token)
        let anonymous = try scaffold(["check", "--blueprint-repo", closed.url("blueprint.git"), "--blueprint", "blueprints/galaxy.yaml",
                                      "--ops-repo", closed.url("ops.git"), "--cache", root + "/cache-anonymous"],
                                     environment: ["SCAFFOLD_GIT_TOKEN": ""])
        #expect(anonymous.status == 1 && anonymous.stderr.contains("refused the credentials offered (anonymous"), "\(anonymous.stderr)")
    }

    @Test("--no-push: the commits stay in the cache and the remotes are untouched")
    func noPushKeepsTheCommitsLocal() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try fixture("scaffold-remote-nopush", generated: true)
        let root = fixture.directory.path
        let server = try GitServer.daemon(root: root)
        let before = try [fixture.refs(root + "/blueprint.git"), fixture.refs(fixture.opsRepo)]
        let run = try scaffold(bump(server, "backend-api", "production", testDigest(3), cache: root + "/cache", extra: ["--no-push"]))
        try #require(run.succeeded, "\(run.stderr)")
        let report = try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(run.stdout.utf8))
        #expect(report.pushes.count == 2 && report.pushes.allSatisfy { !$0.pushed })
        #expect(try [fixture.refs(root + "/blueprint.git"), fixture.refs(fixture.opsRepo)] == before)
        for push in report.pushes {
            #expect(try gitCLI(["rev-parse", "main"], in: push.cache).trimmingCharacters(in: .whitespacesAndNewlines) == push.commit)
        }
    }

    @Test("three bots bump different services on the same remotes at once, each from its own cache: every change lands once")
    func racingBotsAllLand() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try fixture("scaffold-remote-race", generated: true)
        let root = fixture.directory.path
        let server = try GitServer.daemon(root: root)
        let blueprintBefore = try #require(try fixture.tip(root + "/blueprint.git", "main"))
        let pins = [("frontend", "staging"), ("backend-api", "staging"), ("platform-api", "production")]
        let digests = pins.indices.map { testDigest(40 + $0) }
        let commands = pins.indices.map { bump(server, pins[$0].0, pins[$0].1, digests[$0], cache: root + "/cache-\($0)") }
        let results = ConcurrentResults(count: pins.count)
        DispatchQueue.concurrentPerform(iterations: pins.count) { index in
            results.set(index, Result {
                try TestTools.run(TestTools.scaffoldExecutable, commands[index], environment: ["NO_COLOR": "1"])
            })
        }
        var retries = 0
        for (index, result) in results.values.enumerated() {
            let run = try result.get()
            try #require(run.succeeded, "bot \(index): \(run.stderr)")
            let report = try JSONDecoder().decode(ImageDeliveryReport.self, from: Data(run.stdout.utf8))
            retries += (report.pushes.map(\.rounds).max() ?? 1) - 1
            // Both branches were pushed, in whichever rounds; the last push of each repository is its commit.
            #expect(Set(report.pushes.map(\.repository)) == [server.url("blueprint.git"), server.url("ops.git")] && report.pushes.allSatisfy(\.pushed))
            for delivery in report.repositories where delivery.committed {
                #expect(report.pushes.last { $0.repository == delivery.repository }?.commit == delivery.commit, "bot \(index)")
            }
        }
        // Contention is likely here but not certain on every run; the deterministic race is the next test.
        print("racing remote bumps: \(retries) push rounds lost to another bot and redone")
        let log = try gitCLI(["log", "--format=%(trailers:key=Scaffold-Bump,valueonly,separator=)", "\(blueprintBefore)..main"],
                             in: root + "/blueprint.git").split(separator: "\n").map(String.init)
        #expect(log.count == pins.count)
        for (index, pin) in pins.enumerated() {
            #expect(log.filter { $0.hasPrefix("\(pin.0) \(pin.1) ") && $0.hasSuffix("-> \(digests[index])") }.count == 1, "\(pin)")
        }
        // The ops remote holds exactly the render of the final blueprint.
        let checkout = root + "/final-blueprint"
        try gitCLI(["clone", "-q", root + "/blueprint.git", checkout], in: root)
        let reference = root + "/reference-ops.git"
        _ = try Repository.create(at: reference, bare: true)
        _ = try Repository.create(at: root + "/reference-infra.git", bare: true)
        _ = try GitDelivery.generate(GitGenerationOptions(
            blueprint: checkout + "/blueprints/galaxy.yaml", opsRepository: reference, infraRepository: root + "/reference-infra.git",
            branch: "main", author: GitFixture.author))
        #expect(try gitCLI(["rev-parse", "main^{tree}"], in: fixture.opsRepo) == gitCLI(["rev-parse", "main^{tree}"], in: reference))
        try expectRepositoryIntact(root + "/blueprint.git")
        try expectRepositoryIntact(fixture.opsRepo)
    }

    @Test("a push refused because the remote moved is fetched again, re-rendered on the new base and pushed")
    func rejectedPushIsRetriedOnTheNewBase() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try fixture("scaffold-remote-retry", generated: true)
        let root = fixture.directory.path
        let server = try GitServer.daemon(root: root)
        let human = root + "/human-blueprint"
        try gitCLI(["clone", "-q", root + "/blueprint.git", human], in: root)
        var bodies = 0
        let run = try Remotes.run(RemoteOptions(cacheDirectory: root + "/cache", environment: [:])) {
            bodies += 1
            let report = try ImageDelivery.bump(ImageBumpRequest(
                service: "frontend", environment: "production", digest: testDigest(5), blueprint: "blueprints/galaxy.yaml",
                blueprintRepository: server.url("blueprint.git"), opsRepository: server.url("ops.git"), branch: "main",
                author: GitFixture.author))
            if bodies == 1 {
                // Between our commit and our push, a person pushes to the blueprint's main.
                try Data("# Notes\n".utf8).write(to: URL(fileURLWithPath: human + "/NOTES.md"))
                try gitCLI(["add", "NOTES.md"], in: human)
                try gitCLI(["commit", "-qm", "Notes"], in: human)
                try gitCLI(["push", "-q", "origin", "main"], in: human)
            }
            return report
        }
        #expect(run.attempts == 2 && bodies == 2)
        #expect(run.pushes.allSatisfy { $0.rounds == 2 })
        let blueprint = root + "/blueprint.git"
        let humanCommit = try gitCLI(["rev-parse", "HEAD"], in: human).trimmingCharacters(in: .whitespacesAndNewlines)
        let tip = try #require(try fixture.tip(blueprint, "main"))
        #expect(tip == run.result.repositories[0].commit)
        #expect(try gitCLI(["rev-parse", "main^"], in: blueprint).trimmingCharacters(in: .whitespacesAndNewlines) == humanCommit)
        #expect(try gitCLI(["show", "main:blueprints/galaxy.pins.yaml"], in: blueprint).contains(testDigest(5)))
        let opsTip = try #require(try fixture.tip(fixture.opsRepo, "main"))
        #expect(try trailers(of: opsTip, in: fixture.opsRepo)["Scaffold-Blueprint-Commit"] == tip)
    }

    @Test("region add commits the new clusters into remote ops and infra repositories and pushes them")
    func regionAddPushesToRemotes() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try fixture("scaffold-remote-region", generated: true)
        let root = fixture.directory.path
        let server = try GitServer.daemon(root: root)
        let before = try #require(try fixture.tip(fixture.opsRepo, "main"))
        let result = try scaffold([
            "region", "add", "fr", "--blueprint", fixture.blueprint, "--country", "FR", "--cloud", "azure", "--environments", "production",
            "--ops-repo", server.url("ops.git"), "--infra-repo", server.url("infra.git"), "--author", GitFixture.authorFlag,
            "--cache", root + "/cache", "--format", "json",
        ])
        try #require(result.succeeded, "\(result.stderr)")
        let report = try JSONDecoder().decode(RegionAddReport.self, from: Data(result.stdout.utf8))
        let delivery = try #require(report.delivery)
        #expect(delivery.pushes.count == 2 && delivery.pushes.allSatisfy(\.pushed))
        let tip = try #require(try fixture.tip(fixture.opsRepo, "main"))
        #expect(tip != before && tip == delivery.repositories[0].commit)
        #expect(try gitCLI(["ls-tree", "-r", "--name-only", "main"], in: fixture.opsRepo).contains("cluster/base/production-fr/"))
    }

    @Test("a remote URL is never opened outside a run that pushes")
    func remoteOutsideARunIsRefused() throws {
        #expect(throws: DeliveryError.self) { try GitDelivery.open("git://127.0.0.1:9/ops.git") }
    }

    @Test func locationsAndRedaction() {
        #expect(RepositoryLocation("ops.git") == .local("ops.git"))
        #expect(RepositoryLocation("/srv/git/ops.git") == .local("/srv/git/ops.git"))
        #expect(RepositoryLocation("./a:b") == .local("./a:b"))
        let scp = RemoteURL("git@github.com:galaxy-health/ops.git")
        #expect(scp?.scheme == "ssh" && scp?.host == "github.com")
        let https = RemoteURL("https://bot:ghp_secret@GitHub.com/galaxy-health/ops.git")
        #expect(https?.host == "github.com")
        #expect(https?.redacted == "https://bot:***@GitHub.com/galaxy-health/ops.git")
        #expect(RepositoryLocation.display("https://bot:ghp_secret@github.com/o/r.git").contains("ghp_secret") == false)
        #expect(RemoteURL("file:///srv/ops.git")?.host == nil)
        #expect(RemoteURL("ssh://git@[::1]:2222/ops.git")?.host == "::1")
        #expect(RemoteURL("ftp://host/ops.git") == nil)
        // Two URLs differing only in their password share a mirror; different repositories do not.
        #expect(RemoteURL("https://a:x@h/o/r.git")?.cacheName == RemoteURL("https://a:y@h/o/r.git")?.cacheName)
        #expect(RemoteURL("https://h/o/r.git")?.cacheName != RemoteURL("https://h/o/s.git")?.cacheName)
    }

    @Test func credentialsComeFromTheEnvironmentByHost() throws {
        let source = RemoteCredentialSource(environment: [
            "SCAFFOLD_GIT_TOKEN": "general", "SCAFFOLD_GIT_TOKEN_GIT_EXAMPLE_COM": "example", "SCAFFOLD_GIT_SSH_KEY": "/keys/bot",
        ])
        #expect(source.credentials(for: try #require(RemoteURL("https://git.example.com/o/r.git"))).token == "example")
        #expect(source.credentials(for: try #require(RemoteURL("https://github.com/o/r.git"))).token == "general")
        // Never sent to a protocol that has no use for it.
        #expect(source.credentials(for: try #require(RemoteURL("git://github.com/o/r.git"))).token == nil)
        let ssh = source.credentials(for: try #require(RemoteURL("git@github.com:o/r.git")))
        #expect(ssh.token == nil && ssh.sshKeyFile == "/keys/bot")
        #expect(source.tokenSource(for: try #require(RemoteURL("https://git.example.com/o/r.git"))) == "SCAFFOLD_GIT_TOKEN_GIT_EXAMPLE_COM")
    }
}

/// Results filled in from concurrent work, read once it is all done.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<ProcessResult, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<ProcessResult, any Error>) { lock.withLock { slots[index] = value } }
    var values: [Result<ProcessResult, any Error>] { lock.withLock { slots.compactMap { $0 } } }
}
