import Foundation
import Renderer
import Testing

/// ``JSONPrinter`` prints what Foundation's `JSONSerialization` prints with
/// `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]` (the dashboards' format before
/// the printer replaced it): the same bytes for the same document. (Foundation sorts keys
/// ignoring case, the printer by code point: the same order for keys such as Grafana's.)
@Suite struct JSONPrinterTests {
    static func foundation(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func matchesFoundationByteForByte() throws {
        let text = "quotes \" back\\slash /path\nline\ttab \u{01} control, Türkiye, 東京, emoji 🚀"
        let ours: JSONValue = [
            "zeta": 1, "alpha": [["b": true, "a": false], [], [:], "x"], "text": .string(text),
            "nested": ["list": [], "empty": [:], "n": -42, "deep": [[[1, 2], []]]], "upper": "u",
        ]
        let theirs: [String: Any] = [
            "zeta": 1, "alpha": [["b": true, "a": false], [] as [Any], [:] as [String: Any], "x"] as [Any], "text": text,
            "nested": ["list": [] as [Any], "empty": [:] as [String: Any], "n": -42, "deep": [[[1, 2], [] as [Any]]]] as [String: Any],
            "upper": "u",
        ]
        #expect(JSONPrinter.print(ours) == (try Self.foundation(theirs)))
    }

    @Test func printsEmptyContainersAsFoundationDoes() {
        #expect(JSONPrinter.print(["list": []]) == "{\n  \"list\" : [\n\n  ]\n}")
        #expect(JSONPrinter.print(.array([])) == "[\n\n]")
    }
}
