import BlueprintModel
@testable import ScaffoldCore
import Testing

/// `scaffold region add`'s text edit: the new region copies the last region's layout,
/// and every other byte of the file stays.
@Suite struct RegionEditorTests {
    static let fr = RegionEditor.NewRegion(id: "fr", country: "FR", cloud: "azure", location: "francecentral",
                                           residency: "strict", environments: ["staging", "production"])

    func add(_ region: RegionEditor.NewRegion = Self.fr, to text: String) throws -> String {
        try RegionEditor.adding(region, to: text, file: "b.yaml")
    }

    /// The edit is exactly `inserted` at line `after` (0-based: the lines before it stay).
    func expectInsertion(_ original: String, _ edited: String, after line: Int, _ inserted: [String],
                         sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.insert(contentsOf: inserted, at: line)
        #expect(edited == lines.joined(separator: "\n"), sourceLocation: sourceLocation)
    }

    @Test func blockStyleKeepsCommentsBlankLinesAndTrailingComments() throws {
        let text = """
            # header
            regions:
              # the first region
              - id: tr
                country: TR
                cloud: onprem   # our own machines
                residency: strict
                environments: [staging, production]
              - id: es
                country: ES
                cloud: azure
                location: spaincentral
                residency: strict
                environments: [staging, production]
                secretStore:
                  vault: {server: "https://vault.es.example.com"}
                # about es, still part of it

            # about organizations
            organizations: []

            """
        let edited = try add(to: text)
        expectInsertion(text, edited, after: 17, [
            "  - id: fr",
            "    country: FR",
            "    cloud: azure",
            "    location: francecentral",
            "    residency: strict",
            "    environments: [staging, production]",
        ])
    }

    @Test func blockListsAndOtherIndentationAndKeyOrderAreCopied() throws {
        let text = """
            regions:
            - id: tr
              cloud: onprem
              country: TR
              residency: strict
              environments:
                - staging
                - production
            services: []
            """
        let edited = try add(to: text)
        expectInsertion(text, edited, after: 8, [
            "- id: fr",
            "  cloud: azure",
            "  country: FR",
            "  location: francecentral",
            "  residency: strict",
            "  environments:",
            "    - staging",
            "    - production",
        ])
    }

    @Test func flowMappingItemsGetAFlowMapping() throws {
        let text = """
            regions:
              - {id: tr, country: TR, cloud: onprem, residency: strict, environments: [staging]}
            # end

            """
        let edited = try add(to: text)
        expectInsertion(text, edited, after: 2, [
            "  - {id: fr, country: FR, cloud: azure, location: francecentral, residency: strict, environments: [staging, production]}",
        ])
    }

    @Test func flowSequencesGetTheRegionBeforeTheirBracket() throws {
        let oneLine = "regions: [{id: tr, country: TR, cloud: onprem, residency: strict, environments: [staging]}]  # one line\nservices: []\n"
        #expect(try add(to: oneLine) == "regions: [{id: tr, country: TR, cloud: onprem, residency: strict, environments: [staging]}, "
            + "{id: fr, country: FR, cloud: azure, location: francecentral, residency: strict, environments: [staging, production]}]  # one line\nservices: []\n")

        let multiLine = """
            regions: [
              {id: tr, country: TR, cloud: onprem, residency: strict, environments: [staging]}  # tr
            ]

            """
        #expect(try add(to: multiLine) == """
            regions: [
              {id: tr, country: TR, cloud: onprem, residency: strict, environments: [staging]},  # tr
              {id: fr, country: FR, cloud: azure, location: francecentral, residency: strict, environments: [staging, production]}
            ]

            """)
    }

    @Test func aFileEndingInTheLastRegionWithoutALineBreak() throws {
        let text = "regions:\n  - id: tr\n    country: TR\n    cloud: onprem\n    residency: strict\n    environments: [staging]"
        #expect(try add(to: text) == text + "\n  - id: fr\n    country: FR\n    cloud: azure\n    location: francecentral\n"
            + "    residency: strict\n    environments: [staging, production]")
    }

    @Test func lineEndingsAreKept() throws {
        let text = "regions:\r\n  - id: tr\r\n    country: TR\r\n    cloud: onprem\r\n    residency: strict\r\n    environments: [staging]\r\nservices: []\r\n"
        let edited = try add(to: text)
        #expect(edited.hasPrefix(text.components(separatedBy: "services:")[0]))
        #expect(edited.contains("    environments: [staging]\r\n  - id: fr\r\n    country: FR\r\n"))
        #expect(edited.hasSuffix("environments: [staging, production]\r\nservices: []\r\n"))
        #expect(!edited.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF")
    }

    @Test func valuesYAMLWouldReadOtherwiseAreQuoted() throws {
        let text = "regions:\n  - id: tr\n    country: TR\n    cloud: onprem\n    residency: strict\n    environments: [staging]\n"
        let norway = RegionEditor.NewRegion(id: "no", country: "NO", cloud: "onprem", location: "oslo dc#1", residency: "strict", environments: ["staging"])
        let edited = try add(norway, to: text)
        #expect(edited.hasSuffix("  - id: \"no\"\n    country: \"NO\"\n    cloud: onprem\n    location: \"oslo dc#1\"\n    residency: strict\n    environments: [staging]\n"))
        let root = try SourceNode.parse(edited, file: "b.yaml")
        #expect(root["regions"]?.items.last?["location"]?.string == "oslo dc#1")
    }

    @Test func anExistingIDIsRefusedAtItsPosition() throws {
        let text = "regions:\n  - id: tr\n    country: TR\n    cloud: onprem\n    residency: strict\n    environments: [staging]\n"
        let tr = RegionEditor.NewRegion(id: "tr", country: "TR", cloud: "onprem", location: nil, residency: "strict", environments: ["staging"])
        #expect {
            try add(tr, to: text)
        } throws: { error in
            (error as? DiagnosticsError)?.description == "b.yaml:2:9: error: region `tr` already exists\n  hint: choose another id"
        }
    }

    @Test func keysMissingFromTheLastRegionFollowTheSchemaOrder() {
        #expect(RegionEditor.keyOrder(following: ["id", "country", "cloud", "residency", "environments", "secretStore"])
            == ["id", "country", "cloud", "location", "residency", "environments"])
        #expect(RegionEditor.keyOrder(following: ["environments", "id", "cloud"])
            == ["environments", "id", "country", "cloud", "location", "residency"])
    }
}
