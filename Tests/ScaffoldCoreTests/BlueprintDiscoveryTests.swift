import Foundation
import ScaffoldCore
import Testing
import TestSupport

/// `scaffold diff` and `scaffold audit` find the repository's blueprint themselves.
@Suite struct BlueprintDiscoveryTests {
    @Test func findsTheOneBlueprintAndRefusesToGuessBetweenSeveral() throws {
        // This repository: blueprints/galaxy.yaml at the first level (the other examples sit one folder down).
        #expect(try BlueprintDiscovery.find(in: TestTools.packageRoot.path) == "blueprints/galaxy.yaml")

        let directory = try TemporaryDirectory(prefix: "discovery")
        #expect(throws: BlueprintDiscovery.NotFound.self) { try BlueprintDiscovery.find(in: directory.path) }
        let blueprint = "# a comment\napiVersion: scaffold.dev/v1\nplatform: {name: a, domain: a.example.com}\n"
        try blueprint.write(toFile: directory.path + "/a.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: scaffold.dev/v1\nkind: Pins\npins: {}\n".write(toFile: directory.path + "/a.pins.yaml", atomically: true, encoding: .utf8)
        try "kind: Kustomization\n".write(toFile: directory.path + "/other.yaml", atomically: true, encoding: .utf8)
        #expect(try BlueprintDiscovery.find(in: directory.path) == "a.yaml")

        try blueprint.write(toFile: directory.path + "/b.yaml", atomically: true, encoding: .utf8)
        let several = try #require(throws: BlueprintDiscovery.NotFound.self) { try BlueprintDiscovery.find(in: directory.path) }
        #expect(several.candidates == ["a.yaml", "b.yaml"] && several.description.contains("--blueprint"))
    }
}
