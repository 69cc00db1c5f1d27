import Foundation
import Testing
@testable import ScaffoldCore

@Suite("Pins editor: one-line edits of the machine-owned pins file")
struct GitPinsEditorTests {
    let file = """
        # Machine-owned: `scaffold bump` and `scaffold promote` rewrite this file.
        apiVersion: scaffold.dev/v1
        kind: Pins
        pins:
          frontend:
            staging: sha256:\(String(repeating: "a", count: 64))
            production: sha256:\(String(repeating: "a", count: 64))   # keep this comment
          backend-api:
            staging: sha256:\(String(repeating: "b", count: 64))
            "production/es": sha256:\(String(repeating: "c", count: 64))

        """

    private func changedLines(_ before: String, _ after: String) -> [String] {
        let old = Set(before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        return after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !old.contains($0) }
    }

    @Test func replacesOneValueKeepingCommentsAndOrder() throws {
        let digest = testDigest(1)
        let edited = try PinsEditor.setting(digest, service: "frontend", entry: "production", in: file)
        #expect(changedLines(file, edited) == ["    production: \(digest)   # keep this comment"])
        #expect(edited.split(separator: "\n").count == file.split(separator: "\n").count)
        #expect(edited.hasPrefix("# Machine-owned"))
        #expect(edited.hasSuffix("\n") && !edited.hasSuffix("\n\n"))
    }

    @Test func quotedRegionKeys() throws {
        let digest = testDigest(2)
        let edited = try PinsEditor.setting(digest, service: "backend-api", entry: "production/es", in: file)
        #expect(changedLines(file, edited) == ["    \"production/es\": \(digest)"])
    }

    @Test func addsAnEntryAndAService() throws {
        let entry = try PinsEditor.setting(testDigest(3), service: "frontend", entry: "dev-local", in: file)
        #expect(changedLines(file, entry) == ["    dev-local: \(testDigest(3))"])
        let lines = entry.split(separator: "\n").map(String.init)
        #expect(lines.firstIndex(of: "    dev-local: \(testDigest(3))")! < lines.firstIndex(of: "  backend-api:")!)

        let service = try PinsEditor.setting(testDigest(4), service: "worker", entry: "staging", in: file)
        #expect(changedLines(file, service) == ["  worker:", "    staging: \(testDigest(4))"])
        #expect(try PinsEditor.parse(service).services.last?.name == "worker")
    }

    @Test func crlfFilesKeepTheirLineEndings() throws {
        let crlf = file.replacingOccurrences(of: "\n", with: "\r\n")
        let replaced = try PinsEditor.setting(testDigest(1), service: "frontend", entry: "production", in: crlf)
        #expect(replaced == crlf.replacingOccurrences(
            of: "production: sha256:\(String(repeating: "a", count: 64))", with: "production: \(testDigest(1))"))
        let added = try PinsEditor.setting(testDigest(2), service: "worker", entry: "staging", in: crlf)
        #expect(added == crlf + "  worker:\r\n    staging: \(testDigest(2))\r\n")
        #expect(!added.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        // A bare CR before the block's end, then the same edit twice: a fixed point.
        let bare = "apiVersion: scaffold.dev/v1\nkind: Pins\npins:\n  web:\n    staging: \(testDigest(3))\r\r"
        let once = try PinsEditor.setting(testDigest(4), service: "api", entry: "staging", in: bare)
        #expect(try PinsEditor.setting(testDigest(4), service: "api", entry: "staging", in: once) == once)
        #expect(once.hasPrefix(bare.prefix(60)))
    }

    @Test func flowStyleFallsBackToCanonicalText() throws {
        let flow = "# pins\napiVersion: scaffold.dev/v1\nkind: Pins\npins: {api: {staging: \"sha256:\(String(repeating: "d", count: 64))\"}}\n"
        let edited = try PinsEditor.setting(testDigest(5), service: "api", entry: "production", in: flow)
        #expect(edited == """
            # pins
            apiVersion: scaffold.dev/v1
            kind: Pins
            pins:
              api:
                staging: sha256:\(String(repeating: "d", count: 64))
                production: \(testDigest(5))

            """)
    }

    @Test func digestsAreCheckedAndTagsNamed() throws {
        #expect(try ImageDigest.validate(testDigest(9)) == testDigest(9))
        for tag in ["v1.2.3", "latest", "ghcr.io/org/app:1.0", "1.0"] {
            #expect(throws: DeliveryError.tagInsteadOfDigest(tag)) { try ImageDigest.validate(tag) }
        }
        for bad in ["sha256:abc", "sha256:" + String(repeating: "A", count: 64), "sha512:" + String(repeating: "a", count: 128),
                    "sha256:" + String(repeating: "a", count: 65), "", "ghcr.io/org/app@sha256:abc"] {
            #expect(throws: DeliveryError.malformedDigest(bad)) { try ImageDigest.validate(bad) }
        }
    }
}
