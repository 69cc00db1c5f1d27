@testable import BlueprintModel
import Foundation
import Testing
import TestSupport

@Suite struct BlueprintLoaderTests {
    static let galaxy = TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path

    @Test func keysEqualButForTheirTagsAreDuplicates() {
        // Found by the pins fuzzer: Yams keeps both, and a canonical print (tags dropped) then
        // wrote a file with the key twice.
        do {
            _ = try SourceNode.parse("pins:\n  !a api:\n    staging: x\n  !b api:\n    production: y\n", file: "p.yaml")
            Issue.record("two `api` keys were accepted")
        } catch {
            #expect(error.description.contains("p.yaml:4:3: error: duplicate key `api`"), "\(error)")
        }
    }

    @Test func galaxyLoadsWithEveryEnvironmentView() throws {
        let loaded = try BlueprintLoader.load(path: Self.galaxy)
        #expect(loaded.base.environments.map(\.name) == ["dev-local", "staging", "production"])
        #expect(loaded.base.regions.map(\.id) == ["tr", "es"])
        #expect(Set(loaded.views.keys) == ["production", "staging"])
        // The production overlay raises backend-api's replicas; the base is untouched.
        #expect(loaded.view("production").service("backend-api")?.replicas == ReplicaRange(min: 3, max: 12))
        #expect(loaded.base.service("backend-api")?.replicas == ReplicaRange(min: 2, max: 10))
        #expect(loaded.view("dev-local").service("backend-api")?.replicas == ReplicaRange(min: 2, max: 10))
        #expect(loaded.inputs.map(\.role) == [.blueprint, .pins, .overlay, .overlay])
    }

    @Test func overlayValuesRememberTheirFile() throws {
        let loaded = try BlueprintLoader.load(path: Self.galaxy)
        let location = try #require(loaded.view("production").service("backend-api")?.fieldLocations["replicas.min"])
        #expect(location.file.hasSuffix("overlays/production.yaml"))
        #expect(location.line == 5)
        let base = try #require(loaded.base.service("backend-api")?.fieldLocations["replicas.min"])
        #expect(base.file == Self.galaxy)
    }

    /// The same files held in memory (as a commit's tree is read) load exactly as they do
    /// from disk (same model, same positions, overlays found the same way), and
    /// diagnostics name the files as the memory source spells them.
    @Test func filesInMemoryLoadLikeFilesOnDisk() throws {
        let root = TestTools.packageRoot.path
        // Spelled as the loader spells them: the overlays folder is `../overlays` from the blueprint.
        var files: [String: Data] = [:]
        for (key, path) in [
            ("blueprints/galaxy.yaml", "blueprints/galaxy.yaml"), ("blueprints/galaxy.pins.yaml", "blueprints/galaxy.pins.yaml"),
            ("blueprints/../overlays/staging.yaml", "overlays/staging.yaml"), ("blueprints/../overlays/production.yaml", "overlays/production.yaml"),
        ] {
            files[root + "/" + key] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
        }
        let disk = try BlueprintLoader.load(path: Self.galaxy)
        let memory = try BlueprintLoader.load(path: Self.galaxy, files: .memory(files))
        #expect(memory.base == disk.base)
        #expect(memory.views == disk.views)
        #expect(memory.inputs == disk.inputs)

        files[root + "/blueprints/../overlays/production.yaml"] = Data("services:\n  - name: backend-api\n    replicas: {min: many}\n".utf8)
        #expect {
            try BlueprintLoader.load(path: Self.galaxy, files: .memory(files))
        } throws: { error in
            (error as? DiagnosticsError)?.diagnostics.contains {
                $0.location.file == root + "/blueprints/../overlays/production.yaml" && $0.location.line == 3
            } == true
        }
        // Nothing in memory: nothing is read from disk.
        #expect(throws: DiagnosticsError.self) { try BlueprintLoader.load(path: Self.galaxy, files: .memory([:])) }
    }

    @Test func overlayMergeFollowsMergePatchAndNamedLists() throws {
        let base = try SourceNode.parse("""
            a: {x: 1, y: 2}
            list:
              - name: one
                v: 1
              - name: two
                v: 2
            plain: [1, 2]
            """, file: "base.yaml")
        let overlay = try SourceNode.parse("""
            a: {y: null, z: 3}
            list:
              - name: two
                v: 20
              - name: three
                v: 3
            plain: [9]
            """, file: "overlay.yaml")
        let merged = OverlayMerge.merge(base, overlay)
        #expect(merged["a"]?.entries.map(\.key) == ["x", "z"])
        #expect(merged["list"]?.items.map { $0["name"]?.string } == ["one", "two", "three"])
        #expect(merged["list"]?.items[1]["v"]?.string == "20")
        #expect(merged["list"]?.items[1]["v"]?.location.file == "overlay.yaml")
        #expect(merged["list"]?.items[0]["v"]?.location.file == "base.yaml")
        #expect(merged["plain"]?.items.map(\.string) == ["9"])
    }

    @Test func reorderedMappingsGiveTheSameModel() throws {
        let text = try String(contentsOfFile: Self.galaxy, encoding: .utf8)
        // Swap the order of two top-level sections and of keys inside a mapping.
        let reordered = text
            .replacingOccurrences(of: "platform:\n  name: galaxy\n  domain: galaxy.example.com\n", with: "platform:\n  domain: galaxy.example.com\n  name: galaxy\n")
        #expect(reordered != text)
        let directory = try TemporaryDirectory()
        let copy = directory.url.appendingPathComponent("galaxy.yaml").path
        try reordered.write(toFile: copy, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: BlueprintLoader.pinsPath(forBlueprint: Self.galaxy), toPath: BlueprintLoader.pinsPath(forBlueprint: copy))
        let a = try BlueprintLoader.load(path: Self.galaxy, overlaysDirectory: "/nonexistent")
        let b = try BlueprintLoader.load(path: copy, overlaysDirectory: "/nonexistent")
        #expect(a.base.platform.name == b.base.platform.name && a.base.platform.domain == b.base.platform.domain)
        #expect(a.base.services.map(\.name) == b.base.services.map(\.name))
    }

    @Test func quantitiesCompareByValue() {
        #expect(Quantity("500m")! < Quantity("1")!)
        #expect(Quantity("1Gi")! > Quantity("1000Mi")!)
        #expect(Quantity("1.5")!.milliValue == 1500)
        #expect(Quantity("1e3") == nil)
        #expect(Quantity("-1") == nil)
        // Too large for the milli-value: refused, not a trap (Fuzz/Regressions/blueprint).
        #expect(Quantity("9999999999999999999Gi") == nil)
        #expect(Quantity(String(repeating: "9", count: 400)) == nil)
        #expect(Quantity("8000000000000000")?.milliValue == 8_000_000_000_000_000_000)
    }

    @Test func stringFormatsAcceptAndRefuse() {
        #expect(StringFormat.dnsLabel.accepts("backend-api"))
        #expect(!StringFormat.dnsLabel.accepts("Backend"))
        #expect(!StringFormat.dnsLabel.accepts("-a"))
        #expect(!StringFormat.dnsLabel.accepts(String(repeating: "a", count: 64)))
        #expect(StringFormat.digest.accepts("sha256:" + String(repeating: "a", count: 64)))
        #expect(!StringFormat.digest.accepts("sha256:" + String(repeating: "A", count: 64)))
        #expect(StringFormat.imageRepository.accepts("registry.local:5000/team/app"))
        #expect(!StringFormat.imageRepository.accepts("ghcr.io/team/app:1.0"))
        #expect(!StringFormat.imageRepository.accepts("ghcr.io/team/app@sha256:abc"))
        #expect(StringFormat.countryCode.accepts("TR") && !StringFormat.countryCode.accepts("XX"))
    }

    @Test func suggestionsFindCloseWords() {
        #expect(Suggestion.closest(to: "servces", in: ["services", "regions"]) == "services")
        #expect(Suggestion.closest(to: "zzz", in: ["services"]) == nil)
    }
}
