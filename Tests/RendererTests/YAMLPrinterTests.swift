import Foundation
import Renderer
import Testing
import Yams

@Suite struct YAMLPrinterTests {
    @Test func printsKubernetesStyleBlockYAML() {
        let node: YAMLNode = [
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": ["name": "demo", "labels": .sortedStrings(["b": "2", "a": "1"])],
            "data": ["LEVEL": "info", "PORT": "8080", "FLAG": "true", "EMPTY": ""],
            "list": [["name": "x", "ports": [80, 443]], "plain"],
            "empty": [:],
            "none": [],
        ]
        #expect(YAMLPrinter.print(node) == """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: demo
              labels:
                a: "1"
                b: "2"
            data:
              LEVEL: info
              PORT: "8080"
              FLAG: "true"
              EMPTY: ""
            list:
            - name: x
              ports:
              - 80
              - 443
            - plain
            empty: {}
            none: []

            """)
    }

    @Test func quotesEverythingAYAMLReaderWouldNotReadBackAsTheSameString() {
        let plain = ["info", "500m", "10Gi", "ghcr.io/a/b", "/healthz", "app.kubernetes.io/name", "a b", "https://x.example/*", "2d"]
        let quoted = ["true", "no", "on", "Y", "null", "~", "8080", "1.5", "1e3", "0x1F", "2024-01-01", "12:30", "-1", "-", "a: b",
                      "a #b", "*star", "&a", "!tag", "@at", "`tick`", "[x]", "{x}", "", " lead", "trail ", "x:", "é", "👍", ".inf", "+1"]
        for text in plain { #expect(YAMLPrinter.scalar(text) == text, "\(text)") }
        for text in quoted { #expect(YAMLPrinter.scalar(text).hasPrefix("\""), "\(text)") }
    }

    @Test func everyScalarReadsBackIdenticallyWithYams() throws {
        let samples = ["true", "no", "8080", "1.5", "1e3", "0x1F", "2024-01-01", "12:30", "-1", "a: b", "a #b", "*star", "",
                       " lead", "x:", "é", "👍", ".inf", "quote\"d", "back\\slash", "tab\there", "line\nbreak", "two\nlines\n",
                       "null", "~", "0o17", "1_000", "+1", "info", "500m", "https://x.example/*", "=", "a,b", "(x)", "%p",
                       // YAML's other line breaks and non-printable characters, alone and in
                       // multi-line text (a fuzzed pins file once broke a literal block with U+2029).
                       "para\u{2029}graph", "line\u{2028}sep", "next\u{85}line", "c1\u{9F}", "del\u{7F}", "bom\u{FEFF}",
                       "two\nlines\u{2029}and more\n", "a\nb\u{85}c", "bell\u{07}\nx"]
        let node = YAMLNode.mapping(samples.enumerated().map { .init("k\($0.offset)", .string($0.element)) })
        let text = YAMLPrinter.print(node)
        let parsed = try #require(try Yams.load(yaml: text) as? [String: Any])
        for (index, sample) in samples.enumerated() {
            #expect(parsed["k\(index)"] as? String == sample, "\(sample.debugDescription) printed as \(text.split(separator: "\n")[index])")
        }
    }

    @Test func textWithOtherLineBreaksIsNeverALiteralBlock() {
        for text in ["a\nb\u{2029}c", "a\nb\u{2028}c", "a\nb\u{85}c", "a\nb\u{1B}c"] {
            #expect(YAMLPrinter.print(["key": .string(text)]).hasPrefix("key: \""), "\(text.debugDescription)")
        }
    }

    @Test func multiLineStringsBecomeLiteralBlocks() {
        let node: YAMLNode = ["key": "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n"]
        #expect(YAMLPrinter.print(node) == "key: |\n  -----BEGIN PUBLIC KEY-----\n  abc\n  -----END PUBLIC KEY-----\n")
    }

    @Test func documentsHaveHeaderAndSeparators() {
        let text = YAMLPrinter.print(documents: [["a": 1], ["b": 2]], header: ["Generated."])
        #expect(text == "# Generated.\n---\na: 1\n---\nb: 2\n")
    }

    @Test func objectIndexFindsKindsAndNames() {
        let text = YAMLPrinter.print(documents: [
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "tenant-a", "labels": ["name": "x"]]],
            ["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": ["name": "apps", "namespace": "argocd"]],
        ], header: ["h"])
        let objects = ObjectIndex.objects(in: text)
        #expect(objects.map(\.kind) == ["Namespace", "Application"])
        #expect(objects.map(\.name) == ["tenant-a", "apps"])
    }
}
