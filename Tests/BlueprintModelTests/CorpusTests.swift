import BlueprintModel
import Foundation
import Testing
import TestSupport

/// Every broken blueprint under `Corpus/` must fail with exactly the diagnostics
/// (message and `file:line:column`) in its `.expected` file.
@Suite struct CorpusTests {
    static let corpus = TestTools.packageRoot.appendingPathComponent("Tests/BlueprintModelTests/Corpus")

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".pins.yaml") }
            .map { String($0.dropLast(5)) }.sorted()
    }

    @Test func corpusHasAtLeastThirtyBrokenBlueprints() {
        #expect(Self.cases.count >= 30)
    }

    @Test(arguments: cases)
    func brokenBlueprintReportsExactDiagnostics(_ name: String) throws {
        let blueprint = Self.corpus.appendingPathComponent("\(name).yaml").path
        let overlays = Self.corpus.appendingPathComponent("\(name).overlays").path
        let expected = try String(contentsOf: Self.corpus.appendingPathComponent("\(name).expected"), encoding: .utf8)
        do {
            _ = try BlueprintLoader.load(path: blueprint, overlaysDirectory: overlays)
            Issue.record("\(name) loaded without errors")
        } catch {
            let actual = error.description.replacingOccurrences(of: Self.corpus.path + "/", with: "") + "\n"
            #expect(actual == expected, "\(name)")
            #expect(error.diagnostics.allSatisfy { $0.location.line > 0 && $0.location.column > 0 })
        }
    }

    @Test func baseOfTheCorpusIsValid() throws {
        // The corpus cases are mutations of one valid blueprint: the pins of any case
        // that does not touch pins or the blueprint's structure validate it.
        let directory = try TemporaryDirectory()
        let base = Self.corpus.appendingPathComponent("residency-typo.yaml")
        let text = try String(contentsOf: base, encoding: .utf8).replacingOccurrences(of: "residency: relaxd", with: "residency: relaxed")
        try text.write(to: directory.url.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent("residency-typo.pins.yaml"),
                                         to: directory.url.appendingPathComponent("base.pins.yaml"))
        let loaded = try BlueprintLoader.load(path: directory.url.appendingPathComponent("base.yaml").path)
        #expect(loaded.base.services.map(\.name) == ["api"])
    }

    /// Relaxed residency takes any location of the cloud, wherever it is; the same
    /// location under strict residency is `location-outside-country-strict`.
    @Test func relaxedResidencyAcceptsALocationOutsideTheCountry() throws {
        let directory = try TemporaryDirectory()
        let text = try String(contentsOf: Self.corpus.appendingPathComponent("location-outside-country-strict.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "location: westeurope\n    residency: strict", with: "location: westeurope\n    residency: relaxed")
        try text.write(to: directory.url.appendingPathComponent("relaxed.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: Self.corpus.appendingPathComponent("location-outside-country-strict.pins.yaml"),
                                         to: directory.url.appendingPathComponent("relaxed.pins.yaml"))
        let loaded = try BlueprintLoader.load(path: directory.url.appendingPathComponent("relaxed.yaml").path)
        let es = try #require(loaded.base.region("es"))
        #expect((es.country, es.cloudLocation, es.residency) == ("ES", "westeurope", .relaxed))
        #expect(CloudLocations.country(of: "westeurope", on: "azure") == "NL")
    }

    /// Every table row is well-formed: ids unique per cloud, countries ISO codes, and
    /// each id matches the pattern the cloud's Terraform `location` variable validates.
    @Test func cloudLocationTableIsWellFormed() {
        let patterns = ["digitalocean": #/^[a-z]{3}[0-9]$/#, "azure": #/^[a-z][a-z0-9]+$/#, "gcp": #/^[a-z]+-[a-z]+[0-9]+$/#]
        for cloud in CloudLocations.clouds {
            let locations = CloudLocations.locations(of: cloud) ?? []
            #expect(locations.count >= 8, "\(cloud)")
            #expect(Set(locations.map(\.id)).count == locations.count, "\(cloud) lists an id twice")
            for location in locations {
                #expect(location.country.count == 2 && location.country.allSatisfy { $0.isASCII && $0.isUppercase }, "\(location)")
                #expect(location.id.wholeMatch(of: patterns[cloud]!) != nil, "\(cloud) \(location.id)")
            }
        }
        #expect(CloudLocations.locations(of: "onprem") == nil && CloudLocations.locations(of: "k3d") == nil)
        #expect(CloudLocations.locations(of: "digitalocean", in: "TR").isEmpty)
        #expect(CloudLocations.locations(of: "gcp", in: "DE") == ["europe-west3", "europe-west10"])
    }
}
