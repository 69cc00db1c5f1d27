import Foundation
import Renderer

/// Prints a ``DiffReport`` as text (people), Markdown (a PR comment), JSON, SARIF 2.1.0
/// (code scanning) or JUnit XML (CI test reports).
public enum DiffFormatter {
    public enum Format: String, Sendable, CaseIterable {
        case text, markdown, json, sarif, junit
    }

    public static func render(_ report: DiffReport, as format: Format) -> String {
        switch format {
        case .text: text(report)
        case .markdown: markdown(report)
        case .json: JSONOutput.encode(report)
        case .sarif: sarif(report).encoded()
        case .junit: MarkupPrinter.print(junit(report), dialect: .xml)
        }
    }

    static func side(_ side: DiffReport.Side) -> String {
        if let revision = side.revision, side.label != revision { return "\(side.label) (\(revision.prefix(12)))" }
        return side.label
    }

    static func counts(_ report: DiffReport) -> String {
        "\(report.summary.widening) widening, \(report.summary.narrowing) narrowing, \(report.summary.neutral) neutral"
    }

    // MARK: Text

    public static func text(_ report: DiffReport) -> String {
        var out = "scaffold diff: \(side(report.from)) → \(side(report.to))\n\(counts(report))\n"
        for classification in Finding.Classification.allCases {
            let findings = report.findings.filter { $0.classification == classification }
            guard !findings.isEmpty else { continue }
            out += "\n\(classification.rawValue.uppercased())\n"
            for finding in findings {
                out += "  [\(finding.category.rawValue)] \(finding.subject): \(finding.detail)\n"
                if !finding.clusters.isEmpty { out += "      clusters: \(finding.clusters.joined(separator: ", "))\n" }
                if let cause = finding.cause { out += "      cause: \(cause)\n" }
                if let rendered = finding.rendered { out += "      rendered: \(rendered)\n" }
            }
        }
        if report.findings.isEmpty { out += "\nno change of access\n" }
        return out
    }

    // MARK: Markdown

    public static func markdown(_ report: DiffReport) -> String {
        var out = "### scaffold diff: access changes\n\n"
        out += "`\(Markdown.code(side(report.from)))` → `\(Markdown.code(side(report.to)))`: **\(counts(report))**\n"
        if report.findings.isEmpty { return out + "\nNo change of access.\n" }
        for classification in Finding.Classification.allCases {
            let findings = report.findings.filter { $0.classification == classification }
            guard !findings.isEmpty else { continue }
            out += "\n#### \(Markdown.icon(classification)) \(classification.rawValue.capitalized) (\(findings.count))\n\n"
            out += "| Category | Subject | Change | Clusters | Cause |\n| --- | --- | --- | --- | --- |\n"
            for finding in findings {
                let cause = finding.cause.map { "`\(Markdown.code($0.description))`" }
                    ?? finding.rendered.map { "rendered `\(Markdown.code($0.description))`" } ?? "–"
                let cells = [
                    finding.category.title, "`\(Markdown.code(finding.subject))`", finding.detail,
                    finding.clusters.isEmpty ? "–" : finding.clusters.joined(separator: ", "), cause,
                ]
                out += "| " + cells.map(Markdown.cell).joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    // MARK: SARIF

    public static func sarif(_ report: DiffReport) -> SARIFLog {
        let ruleIDs = Array(Set(report.findings.map(\.rule))).sorted()
        let rules = ruleIDs.map { id -> SARIFLog.Rule in
            let sample = report.findings.first { $0.rule == id }!
            let what = (id.split(separator: "/").last.map(String.init) ?? id).replacingOccurrences(of: "-", with: " ")
            return SARIFLog.Rule(
                id: id, name: ruleName(id), shortDescription: .init("\(sample.category.title): \(what)"),
                fullDescription: .init("A change of \(sample.category.title.lowercased()) classed \(sample.classification.rawValue) by scaffold's semantic policy diff."),
                defaultConfiguration: .init(level: level(sample.classification)),
                properties: .init(tags: [sample.category.rawValue, sample.classification.rawValue]))
        }
        let results = report.findings.map { finding -> SARIFLog.Result in
            var message = "\(finding.subject): \(finding.detail)"
            if !finding.clusters.isEmpty { message += " (clusters: \(finding.clusters.joined(separator: ", ")))" }
            let cause = SARIFLog.location(finding.cause?.description, base: "%SRCROOT%")
            let rendered = SARIFLog.location(finding.rendered?.description, base: "OUTPUT", id: 1, message: "rendered output")
            return SARIFLog.Result(
                ruleId: finding.rule, ruleIndex: ruleIDs.firstIndex(of: finding.rule)!, kind: "fail", level: level(finding.classification),
                message: .init(message), locations: cause.map { [$0] } ?? rendered.map { [$0] },
                relatedLocations: cause != nil ? rendered.map { [$0] } : nil,
                partialFingerprints: ["scaffoldFinding/v1": Fingerprint.of(finding.rule, finding.subject, finding.detail)],
                properties: .init(classification: finding.classification.rawValue, category: finding.category.rawValue,
                                  clusters: finding.clusters.isEmpty ? nil : finding.clusters, subject: finding.subject))
        }
        return SARIFLog(runs: [SARIFLog.Run(
            tool: .init(driver: .init(name: "scaffold", version: report.generator.version, semanticVersion: report.generator.version,
                                      informationUri: "https://scaffold.dev/docs/audit", rules: rules)),
            automationDetails: .init(id: "scaffold-diff/\(report.to.revision ?? report.to.contentHash)"),
            results: results,
            properties: ["from": side(report.from), "to": side(report.to), "summary": counts(report)])])
    }

    static func level(_ classification: Finding.Classification) -> String {
        switch classification {
        case .widening: "warning"
        case .narrowing, .neutral: "note"
        }
    }

    /// `network/connection-added` → `NetworkConnectionAdded`.
    static func ruleName(_ id: String) -> String {
        id.split(whereSeparator: { $0 == "/" || $0 == "-" }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    // MARK: JUnit

    /// One suite per category, one test case per finding; widening findings fail.
    public static func junit(_ report: DiffReport) -> Markup {
        var suites: [Markup] = []
        var total = 0
        for category in Finding.Category.allCases {
            let findings = report.findings.filter { $0.category == category }
            var cases: [Markup] = findings.map { finding -> Markup in
                let child: Markup = finding.classification == .widening
                    ? .el("failure", [("message", "\(finding.subject): \(finding.detail)"), ("type", "widening")], text: failureText(finding))
                    : .el("system-out", text: "\(finding.classification.rawValue): \(failureText(finding))")
                return .el("testcase", [("classname", "scaffold.diff.\(category.rawValue)"), ("name", "\(finding.subject): \(finding.detail)")], [child])
            }
            if cases.isEmpty {
                cases = [.el("testcase", [("classname", "scaffold.diff.\(category.rawValue)"), ("name", "no \(category.title.lowercased()) change")])]
            }
            total += cases.count
            let failures = findings.filter { $0.classification == .widening }.count
            suites.append(.el("testsuite", [("name", category.title), ("tests", String(cases.count)), ("failures", String(failures)), ("errors", "0")], cases))
        }
        return .el("testsuites", [("name", "scaffold diff \(side(report.from)) → \(side(report.to))"), ("tests", String(total)),
                                  ("failures", String(report.summary.widening)), ("errors", "0")], suites)
    }

    static func failureText(_ finding: Finding) -> String {
        var lines = ["\(finding.category.title): \(finding.subject): \(finding.detail)"]
        if !finding.clusters.isEmpty { lines.append("clusters: \(finding.clusters.joined(separator: ", "))") }
        if let cause = finding.cause { lines.append("cause: \(cause)") }
        if let rendered = finding.rendered { lines.append("rendered: \(rendered)") }
        return lines.joined(separator: "\n")
    }
}

/// Markdown escaping for table cells and code spans.
enum Markdown {
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    static func code(_ text: String) -> String { text.replacingOccurrences(of: "`", with: "'") }

    static func icon(_ classification: Finding.Classification) -> String {
        switch classification {
        case .widening: "🔓"
        case .narrowing: "🔒"
        case .neutral: "•"
        }
    }
}

/// A short stable fingerprint of text parts (SHA-256, first 16 hex digits).
enum Fingerprint {
    static func of(_ parts: String...) -> String {
        String(ContentHash.sha256(parts.joined(separator: "\u{1F}")).prefix(16))
    }
}
