import Foundation
import Renderer
import ScaffoldCore
import Testing
import TestSupport

/// The deletion guardrail on the real GitOps tree: galaxy is generated, then a copy
/// of the blueprint loses an organization (its namespaces go) or a data store (its
/// namespaces and one Application per cluster go). `plan` reports the refusal (the
/// CLI exits 2), `generate` refuses with `WriteError.guardrail` and writes nothing,
/// and both go through with `allowDeletions` (`--allow-deletions`).
@Suite struct GuardrailTests {
    static let root = TestTools.packageRoot

    /// A copy of galaxy (blueprint, pins, overlays) with `edit` applied to the blueprint text.
    static func copy(into folder: URL, edit: (String) -> String) throws -> String {
        let blueprints = folder.appendingPathComponent("blueprints")
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        let text = try String(contentsOf: root.appendingPathComponent("blueprints/galaxy.yaml"), encoding: .utf8)
        let edited = edit(text)
        #expect(edited != text, "the edit changed nothing")
        try edited.write(to: blueprints.appendingPathComponent("galaxy.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: root.appendingPathComponent("blueprints/galaxy.pins.yaml"), to: blueprints.appendingPathComponent("galaxy.pins.yaml"))
        try FileManager.default.copyItem(at: root.appendingPathComponent("overlays"), to: folder.appendingPathComponent("overlays"))
        return blueprints.appendingPathComponent("galaxy.yaml").path
    }

    /// Removes the lines from the one starting with `start` up to (not including) the next line starting with `end`.
    static func removeBlock(_ text: String, from start: String, to end: String) -> String {
        var lines = text.components(separatedBy: "\n")
        guard let first = lines.firstIndex(where: { $0.hasPrefix(start) }),
              let last = lines[(first + 1)...].firstIndex(where: { $0.hasPrefix(end) }) else { return text }
        lines.removeSubrange(first..<last)
        return lines.joined(separator: "\n")
    }

    static func snapshot(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let full = (folder as NSString).appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[path] = FileManager.default.contents(atPath: full)
            }
        }
        return files
    }

    @Test func removingAnOrganizationIsRefusedUnlessDeletionsAreAllowed() throws {
        let folder = try TemporaryDirectory(prefix: "guardrail-org")
        let output = folder.url.appendingPathComponent("out").path
        let galaxy = Self.root.appendingPathComponent("blueprints/galaxy.yaml").path
        _ = try ScaffoldCommands.generate(GenerationOptions(blueprint: galaxy, output: output))
        let before = try Self.snapshot(output)
        let edited = try Self.copy(into: folder.url.appendingPathComponent("edited")) {
            Self.removeBlock($0, from: "  - id: bosphorus-labs", to: "  - id: iberia-care")
        }

        let plan = try ScaffoldCommands.plan(GenerationOptions(blueprint: edited, output: output))
        #expect(plan.refusals.count == 1, "\(plan.refusals)")
        let refusal = try #require(plan.refusals.first)
        #expect(refusal.contains("namespace") && refusal.contains("tenant-bosphorus-labs"), "\(refusal)")
        #expect(plan.deletedObjects.contains { $0.kind == "Namespace" && $0.name == "tenant-bosphorus-labs" })
        #expect(!plan.written)

        #expect {
            _ = try ScaffoldCommands.generate(GenerationOptions(blueprint: edited, output: output))
        } throws: { error in
            guard let error = error as? WriteError, case .guardrail(let reason) = error else { return false }
            return error.isRefusal && reason.contains("tenant-bosphorus-labs")
        }
        #expect(try Self.snapshot(output) == before, "a refused generation writes nothing")

        let allowed = try ScaffoldCommands.generate(GenerationOptions(blueprint: edited, output: output, allowDeletions: true))
        #expect(allowed.written)
        #expect(allowed.removed.contains("ops/cluster/tenants/staging-tr/bosphorus-labs.yaml"), "\(allowed.removed)")
        let replan = try ScaffoldCommands.plan(GenerationOptions(blueprint: edited, output: output))
        #expect(replan.refusals.isEmpty && replan.added.isEmpty && replan.changed.isEmpty && replan.removed.isEmpty)
    }

    @Test func removingADataStoreCountsItsApplicationsAgainstTheConfiguredLimit() throws {
        let folder = try TemporaryDirectory(prefix: "guardrail-apps")
        let output = folder.url.appendingPathComponent("out").path
        let galaxy = Self.root.appendingPathComponent("blueprints/galaxy.yaml").path
        _ = try ScaffoldCommands.generate(GenerationOptions(blueprint: galaxy, output: output))
        func withoutCache(_ text: String) -> String {
            Self.removeBlock(text, from: "  - name: cache", to: "  - name: objects")
                .replacingOccurrences(of: "      - dataStore: cache\n", with: "")
        }
        // Five clusters lose Application data-cache: more than the 3 galaxy allows.
        let strict = try Self.copy(into: folder.url.appendingPathComponent("strict"), edit: withoutCache)
        let plan = try ScaffoldCommands.plan(GenerationOptions(blueprint: strict, output: output))
        let applications = plan.deletedObjects.filter { $0.kind == "Application" }
        #expect(applications.count == 5 && applications.allSatisfy { $0.name == "data-cache" }, "\(applications)")
        #expect(plan.refusals.first?.contains("deletes 5 Argo CD Applications (more than the 3 allowed") == true, "\(plan.refusals)")
        #expect(plan.refusals.first?.contains("data-cache") == true, "the store's namespaces are deleted too")

        // Raising policy.maxApplicationDeletions lifts the Application limit; the namespaces still need --allow-deletions.
        let lenient = try Self.copy(into: folder.url.appendingPathComponent("lenient")) {
            withoutCache($0).replacingOccurrences(of: "maxApplicationDeletions: 3", with: "maxApplicationDeletions: 10")
        }
        let lenientPlan = try ScaffoldCommands.plan(GenerationOptions(blueprint: lenient, output: output))
        #expect(lenientPlan.refusals.count == 1)
        #expect(lenientPlan.refusals.first?.contains("Applications") == false, "\(lenientPlan.refusals)")
        #expect(throws: WriteError.self) { try ScaffoldCommands.generate(GenerationOptions(blueprint: lenient, output: output)) }
        let done = try ScaffoldCommands.generate(GenerationOptions(blueprint: lenient, output: output, allowDeletions: true))
        #expect(done.removed.contains("ops/cluster/data/production-es/data-cache.yaml"), "\(done.removed)")
    }
}
