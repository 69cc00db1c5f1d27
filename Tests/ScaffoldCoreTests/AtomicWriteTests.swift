import Foundation
import Renderer
import ScaffoldCore
import Testing
import TestSupport

/// A `scaffold generate` killed at any moment leaves the previous tree exactly as
/// it was (or the complete new one): never a mix.
@Suite(.serialized) struct AtomicWriteTests {
    @Test func killedGenerationNeverLeavesAHalfWrittenTree() throws {
        let directory = try TemporaryDirectory()
        let inputs = directory.url.appendingPathComponent("in")
        let blueprint = try SyntheticBlueprint.write(to: inputs, organizations: 300, regions: 2, services: 6)
        let out = directory.url.appendingPathComponent("out")
        let scaffold = TestTools.scaffoldExecutable
        #expect(try TestTools.run(scaffold, ["generate", blueprint, "--out", out.path]).succeeded)
        let old = try snapshot(out)

        // The next generation changes every tenant file (quotas), so a partial write would show.
        let text = try String(contentsOfFile: blueprint, encoding: .utf8)
        try text.replacingOccurrences(of: "cpu: \"4\"", with: "cpu: \"5\"").write(toFile: blueprint, atomically: true, encoding: .utf8)
        let reference = directory.url.appendingPathComponent("reference")
        #expect(try TestTools.run(scaffold, ["generate", blueprint, "--out", reference.path]).succeeded)
        let new = try snapshot(reference)
        #expect(new != old)

        var outcomes: [String: Int] = [:]
        for delay in [0.0, 0.05, 0.15, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: scaffold)
            process.arguments = ["generate", blueprint, "--out", out.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let now = try snapshot(out)
            let state = now == old ? "old" : now == new ? "new" : "MIXED"
            outcomes[state, default: 0] += 1
            #expect(state != "MIXED", "killed after \(delay)s: the tree is neither the old nor the new one")
            if state == "new" {
                // Reset to the old tree for the next round.
                try text.write(toFile: blueprint, atomically: true, encoding: .utf8)
                #expect(try TestTools.run(scaffold, ["generate", blueprint, "--out", out.path]).succeeded)
                try text.replacingOccurrences(of: "cpu: \"4\"", with: "cpu: \"5\"").write(toFile: blueprint, atomically: true, encoding: .utf8)
            }
        }
        // A later run cleans up after the killed ones and completes.
        #expect(try TestTools.run(scaffold, ["generate", blueprint, "--out", out.path]).succeeded)
        #expect(try snapshot(out) == new)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(leftovers == ["in", "out", "reference"])
        print("killed generations: \(outcomes)")
    }
}
