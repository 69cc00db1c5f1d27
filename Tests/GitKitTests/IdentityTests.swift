import Foundation
import GitKit
import Testing
import TestSupport

/// These tests redirect libgit2's configuration search paths, which is
/// process-wide, so they run one at a time and restore the defaults.
@Suite("Commit identity from git configuration", .serialized)
struct IdentityTests {
    private func withIsolatedConfig<T>(_ body: (String) throws -> T) throws -> T {
        let home = try TemporaryDirectory(prefix: "gitkit-home")
        for level in [GitSettings.ConfigLevel.global, .xdg, .system] {
            try GitSettings.setConfigSearchPath(level, to: home.path)
        }
        defer {
            for level in [GitSettings.ConfigLevel.global, .xdg, .system] {
                try? GitSettings.setConfigSearchPath(level, to: nil)
            }
        }
        return try body(home.path)
    }

    @Test("the repository's user.name and user.email are used when no identity is given")
    func identityFromRepositoryConfig() throws {
        guard try requireGitCLI() else { return }
        try withIsolatedConfig { _ in
            let dir = try TemporaryDirectory(prefix: "gitkit-ident")
            let repository = try Repository.create(at: dir.path, bare: true)
            try git(["config", "user.name", "Config Person"], in: dir.path)
            try git(["config", "user.email", "config@example.com"], in: dir.path)
            let reopened = try Repository.open(at: dir.path)
            let signature = try reopened.defaultSignature()
            #expect(signature.name == "Config Person" && signature.email == "config@example.com")

            let result = try reopened.commitToBranch("main") { _ in
                ProposedCommit(tree: try reopened.buildTree(base: nil, changes: writes(["a": "1"])), message: "m")
            }
            guard case let .committed(change) = result else { Issue.record("no commit"); return }
            let commit = try reopened.commit(change.commit)
            #expect(commit.author.name == "Config Person" && commit.committer.email == "config@example.com")
            _ = repository
        }
    }

    @Test("the global configuration is used when the repository has none")
    func identityFromGlobalConfig() throws {
        guard try requireGitCLI() else { return }
        try withIsolatedConfig { home in
            try "[user]\n\tname = Global Person\n\temail = global@example.com\n"
                .write(toFile: home + "/.gitconfig", atomically: true, encoding: .utf8)
            let dir = try TemporaryDirectory(prefix: "gitkit-ident-global")
            let repository = try Repository.create(at: dir.path, bare: true)
            #expect(try repository.defaultSignature().name == "Global Person")
        }
    }

    @Test("no identity anywhere fails clearly, before anything is written")
    func missingIdentityFails() throws {
        try withIsolatedConfig { _ in
            let dir = try TemporaryDirectory(prefix: "gitkit-noident")
            let repository = try Repository.create(at: dir.path, bare: true)
            var proposed = false
            #expect {
                try repository.commitToBranch("main") { _ in
                    proposed = true
                    return nil
                }
            } throws: { error in
                guard case let GitKitError.missingIdentity(_, underlying) = error else { return false }
                return !underlying.isEmpty && "\(error)".contains("user.name")
            }
            #expect(!proposed)
            #expect(try repository.branchTip("main") == nil)
        }
    }

    @Test("--author style identities parse")
    func parseAuthor() {
        #expect(Signature(parsing: "Platform Bot <bot@example.com>") == Signature(name: "Platform Bot", email: "bot@example.com"))
        #expect(Signature(parsing: "no email") == nil)
        #expect(Signature(parsing: "<only@email>") == nil)
        #expect(Signature(parsing: "Name <a@b> trailing") == nil)
    }
}
