import Foundation
import GitKit
import Renderer
import Testing
import TestSupport
@testable import ScaffoldCore

@Suite("generate --ops-repo/--infra-repo: one commit per repository, straight from the plan")
struct GitGenerateTests {
    private func options(_ fixture: GitFixture, force: Bool = false) -> GitGenerationOptions {
        GitGenerationOptions(blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, infraRepository: fixture.infraRepo,
                             author: GitFixture.author, force: force)
    }

    @Test("the committed trees hold exactly what the folder writer writes, with the manifest and trailers")
    func firstGenerationMatchesFolderOutput() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture()
        let report = try GitDelivery.generate(options(fixture))
        #expect(report.repositories.map(\.role) == ["ops", "infra"])
        #expect(report.repositories.allSatisfy { $0.committed && $0.parent == nil && $0.attempts == 1 })

        let out = fixture.directory.path + "/folder"
        _ = try ScaffoldCommands.generate(GenerationOptions(blueprint: fixture.blueprint, output: out))
        for (role, repository) in [("ops", fixture.opsRepo), ("infra", fixture.infraRepo)] {
            let listed = try gitCLI(["ls-tree", "-r", "--name-only", "main"], in: repository)
                .split(separator: "\n").map(String.init).filter { $0 != OwnershipManifest.path }
            let folder = FileManager.default.enumerator(atPath: out + "/" + role)!.allObjects
                .compactMap { $0 as? String }
                .filter { var isDirectory: ObjCBool = false; _ = FileManager.default.fileExists(atPath: out + "/\(role)/" + $0, isDirectory: &isDirectory); return !isDirectory.boolValue }
                .sorted()
            #expect(listed == folder, "\(role): git tree and folder output differ")
            for path in listed.prefix(40) {
                let committed = try gitCLI(["show", "main:\(path)"], in: repository)
                #expect(committed == (try String(contentsOfFile: out + "/\(role)/" + path, encoding: .utf8)), "\(role)/\(path)")
            }
            let manifest = try OwnershipManifest.decode(Data(try gitCLI(["show", "main:.scaffold/manifest.json"], in: repository).utf8), source: role)
            #expect(manifest.files.keys.sorted() == listed)

            let trailer = try trailers(of: "main", in: repository)
            #expect(trailer["Scaffold-Blueprint-Hash"] == "sha256:\(report.contentHash)")
            #expect(trailer["Scaffold-Generator-Version"] == ScaffoldVersion.current)
            #expect(trailer["Scaffold-Blueprint"] == "galaxy.yaml")
            #expect(trailer["Scaffold-Changes"] == "added=\(listed.count) changed=0 removed=0")
            #expect(try gitCLI(["log", "-1", "--format=%an <%ae>", "main"], in: repository) == "Scaffold Bot <bot@scaffold.invalid>\n")
            try expectRepositoryIntact(repository)
        }
    }

    @Test("regenerating an unchanged blueprint makes no commit")
    func unchangedMakesNoCommit() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture()
        _ = try GitDelivery.generate(options(fixture))
        let before = try fixture.refs(fixture.opsRepo) + fixture.refs(fixture.infraRepo)
        let again = try GitDelivery.generate(options(fixture))
        #expect(again.unchanged)
        #expect(again.repositories.allSatisfy { !$0.committed && $0.commit != nil })
        #expect(try fixture.refs(fixture.opsRepo) + fixture.refs(fixture.infraRepo) == before)
    }

    @Test("hand-owned files survive; a blueprint change touches only the files it changes")
    func handOwnedFilesSurvive() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture()
        _ = try GitDelivery.generate(options(fixture))
        // A person adds their own files to the ops repository (through a clone, as people do).
        let clone = fixture.directory.path + "/ops-clone"
        try gitCLI(["clone", "-q", fixture.opsRepo, clone], in: fixture.directory.path)
        try FileManager.default.createDirectory(atPath: clone + "/hand/notes", withIntermediateDirectories: true)
        try "# Runbook\n".write(toFile: clone + "/hand/notes/RUNBOOK.md", atomically: true, encoding: .utf8)
        try "owners: [platform]\n".write(toFile: clone + "/OWNERS.yaml", atomically: true, encoding: .utf8)
        try gitCLI(["add", "-A"], in: clone)
        try gitCLI(["commit", "-q", "-m", "Hand-owned files"], in: clone)
        try gitCLI(["push", "-q", "origin", "main"], in: clone)

        // The blueprint changes: one pin.
        let pins = try String(contentsOfFile: fixture.pinsPath, encoding: .utf8)
        let edited = try PinsEditor.setting(testDigest(7), service: "frontend", entry: "staging", in: pins)
        try edited.write(toFile: fixture.pinsPath, atomically: true, encoding: .utf8)
        let report = try GitDelivery.generate(options(fixture))
        let ops = try #require(report.repositories.first { $0.role == "ops" })
        #expect(ops.committed && ops.added.isEmpty && ops.removed.isEmpty && !ops.changed.isEmpty)
        #expect(ops.changed.allSatisfy { $0.contains("frontend") || $0.contains("staging") }, "\(ops.changed)")
        #expect(report.repositories.first { $0.role == "infra" }?.committed == false)

        #expect(try gitCLI(["show", "main:hand/notes/RUNBOOK.md"], in: fixture.opsRepo) == "# Runbook\n")
        #expect(try gitCLI(["show", "main:OWNERS.yaml"], in: fixture.opsRepo) == "owners: [platform]\n")
        let changedInCommit = try gitCLI(["diff", "--name-only", "main~1", "main"], in: fixture.opsRepo)
            .split(separator: "\n").map(String.init)
        #expect(Set(changedInCommit) == Set(ops.changed + [OwnershipManifest.path]))
        #expect(try gitCLI(["grep", "-l", testDigest(7), "main"], in: fixture.opsRepo).contains("frontend"))
        try expectRepositoryIntact(fixture.opsRepo)
    }

    @Test("an owned file edited by hand is refused in every repository before any commit; --force takes it back")
    func handEditsAreRefused() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture()
        _ = try GitDelivery.generate(options(fixture))
        let clone = fixture.directory.path + "/infra-clone"
        try gitCLI(["clone", "-q", fixture.infraRepo, clone], in: fixture.directory.path)
        let owned = try #require(try gitCLI(["ls-files", "*.tf"], in: clone).split(separator: "\n").first.map(String.init))
        try "# edited by hand\n".write(toFile: clone + "/" + owned, atomically: true, encoding: .utf8)
        try gitCLI(["commit", "-q", "-am", "Hand edit"], in: clone)
        try gitCLI(["push", "-q", "origin", "main"], in: clone)

        // A change that touches ops only: ops must not be committed either, since infra refuses.
        let pins = try String(contentsOfFile: fixture.pinsPath, encoding: .utf8)
        try PinsEditor.setting(testDigest(8), service: "frontend", entry: "staging", in: pins)
            .write(toFile: fixture.pinsPath, atomically: true, encoding: .utf8)
        let before = try fixture.refs(fixture.opsRepo) + fixture.refs(fixture.infraRepo)
        #expect(throws: WriteError.handEdited([owned])) { try GitDelivery.generate(options(fixture)) }
        #expect(try fixture.refs(fixture.opsRepo) + fixture.refs(fixture.infraRepo) == before)

        let forced = try GitDelivery.generate(options(fixture, force: true))
        #expect(forced.repositories.allSatisfy { $0.committed })
        #expect(try gitCLI(["show", "main:\(owned)"], in: fixture.infraRepo) != "# edited by hand\n")
    }

    @Test("a checked-out ops work tree follows the branch and stays clean")
    func checkedOutWorkTreeFollows() throws {
        guard try TestTools.require("git") else { return }
        let fixture = try GitFixture()
        let workTree = fixture.directory.path + "/ops-worktree"
        _ = try Repository.create(at: workTree, bare: false)
        try "local notes\n".write(toFile: workTree + "/NOTES.txt", atomically: true, encoding: .utf8)
        let report = try GitDelivery.generate(GitGenerationOptions(
            blueprint: fixture.blueprint, opsRepository: workTree, infraRepository: fixture.infraRepo, author: GitFixture.author))
        #expect(report.repositories.first?.committed == true)
        #expect(try gitCLI(["status", "--porcelain"], in: workTree) == "?? NOTES.txt\n")
        #expect(FileManager.default.fileExists(atPath: workTree + "/" + OwnershipManifest.path))
    }

    @Test("the plan's infra files need --infra-repo; a path that is not a repository is a clear error")
    func missingRepositories() throws {
        let fixture = try GitFixture()
        #expect {
            try GitDelivery.generate(GitGenerationOptions(blueprint: fixture.blueprint, opsRepository: fixture.opsRepo, author: GitFixture.author))
        } throws: { error in
            guard case DeliveryError.missingRepository(role: "infra", _) = error else { return false }
            return true
        }
        #expect {
            try GitDelivery.generate(GitGenerationOptions(blueprint: fixture.blueprint, opsRepository: fixture.directory.path + "/nope",
                                                          infraRepository: fixture.infraRepo, author: GitFixture.author))
        } throws: { error in
            guard case DeliveryError.notARepository = error else { return false }
            return "\(error)".contains("nope")
        }
        #expect(try fixture.refs(fixture.opsRepo).isEmpty)
    }
}
