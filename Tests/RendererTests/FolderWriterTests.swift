import Foundation
import Renderer
import Testing
import TestSupport

@Suite struct FolderWriterTests {
    func plan(_ files: [String: String]) -> OutputPlan {
        OutputPlan(files: files.map { RenderedFile(.ops, $0.key, $0.value) })
    }

    func read(_ root: URL, _ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func writesRecordsOwnershipAndIsIdempotent() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        let writer = FolderWriter(root: out.path)
        let first = try writer.apply(plan(["a.yaml": "a\n", "dir/b.yaml": "b\n"]))
        #expect(first.added == ["ops/a.yaml", "ops/dir/b.yaml"])
        #expect(read(out, "ops/dir/b.yaml") == "b\n")
        let manifest = try writer.currentManifest()
        #expect(manifest.files.keys.sorted() == ["ops/a.yaml", "ops/dir/b.yaml"])
        let second = try writer.apply(plan(["a.yaml": "a\n", "dir/b.yaml": "b\n"]))
        #expect(second.isEmpty && second.unchanged == 2)
    }

    @Test func removesStaleOwnedFilesAndKeepsHandOwnedOnes() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        let writer = FolderWriter(root: out.path)
        try writer.apply(plan(["a.yaml": "a\n", "old/b.yaml": "b\n"]))
        try "mine\n".write(to: out.appendingPathComponent("ops/HAND.md"), atomically: true, encoding: .utf8)
        let changes = try writer.apply(plan(["a.yaml": "a2\n"]))
        #expect(changes.changed == ["ops/a.yaml"])
        #expect(changes.removed == ["ops/old/b.yaml"])
        #expect(read(out, "ops/old/b.yaml") == nil)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("ops/old").path))
        #expect(read(out, "ops/HAND.md") == "mine\n")
        #expect(read(out, "ops/a.yaml") == "a2\n")
    }

    @Test func refusesToOverwriteHandEditsUnlessForced() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        let writer = FolderWriter(root: out.path)
        try writer.apply(plan(["a.yaml": "a\n", "b.yaml": "b\n"]))
        try "edited\n".write(to: out.appendingPathComponent("ops/a.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: WriteError.handEdited(["ops/a.yaml"])) { try writer.apply(plan(["a.yaml": "a2\n", "b.yaml": "b2\n"])) }
        // Nothing was written: b is untouched too.
        #expect(read(out, "ops/b.yaml") == "b\n")
        #expect(WriteError.handEdited([]).isRefusal)
        try writer.apply(plan(["a.yaml": "a2\n", "b.yaml": "b2\n"]), force: true)
        #expect(read(out, "ops/a.yaml") == "a2\n")
    }

    @Test func refusesToTakeOverFilesItDoesNotOwn() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out.appendingPathComponent("ops"), withIntermediateDirectories: true)
        try "someone else's\n".write(to: out.appendingPathComponent("ops/a.yaml"), atomically: true, encoding: .utf8)
        let writer = FolderWriter(root: out.path)
        #expect(throws: WriteError.unownedCollision(["ops/a.yaml"])) { try writer.apply(plan(["a.yaml": "a\n"])) }
        #expect(read(out, "ops/a.yaml") == "someone else's\n")
    }

    @Test func aRefusingGuardrailWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        let writer = FolderWriter(root: out.path)
        try writer.apply(plan(["a.yaml": "a\n"]))
        #expect(throws: WriteError.guardrail("no")) {
            try writer.apply(plan(["a.yaml": "changed\n"])) { _ in throw WriteError.guardrail("no") }
        }
        #expect(read(out, "ops/a.yaml") == "a\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["out"])
    }

    @Test func hardLinkedStagingNeverWritesThroughToTheLiveTree() throws {
        let directory = try TemporaryDirectory()
        let out = directory.url.appendingPathComponent("out")
        let writer = FolderWriter(root: out.path)
        try writer.apply(plan(["a.yaml": "a\n"]))
        let handle = try FileHandle(forReadingFrom: out.appendingPathComponent("ops/a.yaml"))
        try writer.apply(plan(["a.yaml": "new\n"]))
        // The old inode (still open) kept the old content: the new file is a new inode.
        #expect(String(decoding: handle.readDataToEndOfFile(), as: UTF8.self) == "a\n")
        #expect(read(out, "ops/a.yaml") == "new\n")
    }
}
