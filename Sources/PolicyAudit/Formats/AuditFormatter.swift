import Foundation

/// Prints an ``AuditReport``: text, Markdown (the evidence bundle's readable half),
/// JSON (the evidence bundle), SARIF 2.1.0 (failed checks), JUnit XML (one test case per
/// piece of evidence) or a self-contained HTML report.
public enum AuditFormatter {
    public enum Format: String, Sendable, CaseIterable {
        case text, markdown, json, sarif, junit, html
    }

    public static func render(_ report: AuditReport, as format: Format) -> String {
        switch format {
        case .text: text(report)
        case .markdown: markdown(report)
        case .json: JSONOutput.encode(report)
        case .sarif: sarif(report).encoded()
        case .junit: MarkupPrinter.print(junit(report), dialect: .xml)
        case .html: HTMLReport.render(report)
        }
    }

    static func source(_ report: AuditReport) -> String {
        var text = report.source.blueprint
        if let revision = report.source.revision {
            text += " at " + (report.source.label == revision ? String(revision.prefix(12)) : "\(report.source.label) (\(revision.prefix(12)))")
        }
        return text
    }

    static func coverage(_ summary: AuditReport.Summary) -> String {
        "\(summary.clusters) clusters: \(summary.connections) connections between \(summary.endpoints) endpoints "
            + "(\(summary.serviceConnections) service to service) from \(summary.networkPolicies) NetworkPolicies; "
            + "\(summary.admissionRules) admission rules in \(summary.admissionPolicies) policies; \(summary.grants) grants; "
            + "\(summary.quotaLimits) quota limits; \(summary.rowLevelSecurityPolicies) row-level security policies on "
            + "\(summary.tenantTables) tenant tables (\(summary.tables) tables); \(summary.images) images"
    }

    // MARK: Text

    public static func text(_ report: AuditReport) -> String {
        var out = "scaffold audit: \(source(report))\n"
        out += "blueprint sha256 \(report.source.contentHash), scaffold \(report.generator.version)\n"
        out += "\(coverage(report.summary))\n\n"
        for check in report.checks {
            let passes = check.evidence.count - check.failures.count
            out += "\(check.result == .pass ? "PASS" : "FAIL")  \(check.title) (\(passes)/\(check.evidence.count))\n"
            for failure in check.failures {
                out += "      \(failure.subject): \(failure.detail)\(failure.location.map { "  [\($0)]" } ?? "")\n"
            }
        }
        out += "\n\(report.summary.checksPassed) passed, \(report.summary.checksFailed) failed\n"
        return out
    }

    // MARK: Markdown

    public static func markdown(_ report: AuditReport) -> String {
        var out = "# Change evidence: \(Markdown.code(report.source.blueprint))\n\n"
        out += "| | |\n| --- | --- |\n"
        out += "| Blueprint | `\(Markdown.code(report.source.blueprint))` |\n"
        out += "| Revision | \(report.source.revision.map { "`\($0)` (\(Markdown.cell(report.source.label)))" } ?? "working files") |\n"
        out += "| Blueprint content hash | `sha256:\(report.source.contentHash)` |\n"
        out += "| Generator | scaffold \(report.generator.version) |\n"
        out += "| Result | **\(report.summary.checksPassed) passed, \(report.summary.checksFailed) failed** |\n\n"
        out += "## Controls\n\n"
        for control in report.controls {
            out += "- **\(control.framework) \(control.id)**, \(control.title). \(control.howThisSupportsIt)\n"
        }
        out += "\n## Coverage\n\n\(coverage(report.summary)).\n\n## Checks\n\n"
        out += "| Check | Result | Evidence |\n| --- | --- | --- |\n"
        for check in report.checks {
            out += "| \(Markdown.cell(check.title)) | \(check.result == .pass ? "✅ pass" : "❌ fail") | \(check.evidence.count - check.failures.count) of \(check.evidence.count) pass |\n"
        }
        for check in report.checks {
            out += "\n### \(check.result == .pass ? "✅" : "❌") \(check.title)\n\n\(check.statement)\n\n"
            out += "| Subject | Result | Detail | Where |\n| --- | --- | --- | --- |\n"
            for item in check.evidence {
                out += "| \(Markdown.cell(item.subject)) | \(item.result.rawValue) | \(Markdown.cell(item.detail)) | \(item.location.map { "`\(Markdown.code($0))`" } ?? "–") |\n"
            }
        }
        out += "\n## Row-level security: role × table × command\n\n"
        let matrix = report.matrix.rowLevelSecurity
        out += "Tenant tables: \(matrix.tenantTables.map { "`\($0)`" }.joined(separator: ", ")).\n\n"
        out += "| Table | Role | " + matrix.commands.joined(separator: " | ") + " |\n"
        out += "| --- | --- | " + matrix.commands.map { _ in "---" }.joined(separator: " | ") + " |\n"
        for table in matrix.tables {
            for role in matrix.roles {
                let cells = matrix.commands.map { command in matrix.cell(role: role, table: table, command: command).map(rowCell) ?? "–" }
                out += "| `\(table)` | `\(role)` | " + cells.map(Markdown.cell).joined(separator: " | ") + " |\n"
            }
        }
        out += "\n## Network: connections per cluster\n"
        for network in report.matrix.network {
            out += "\n### \(network.cluster)\n\n| From | To | Ports | Blueprint |\n| --- | --- | --- | --- |\n"
            for connection in network.connections {
                let intent = switch connection.intent {
                case .intended: "intended"
                case .unintended: "**not intended**"
                case .unchecked: "platform (not compared)"
                }
                out += "| `\(connection.from)` | `\(connection.to)` | \(Markdown.cell(connection.ports)) | \(intent) |\n"
            }
        }
        return out
    }

    static func rowCell(_ cell: AccessMatrix.RowAccess.Cell) -> String {
        switch cell.access {
        case .none: "–"
        case .noRows: "no rows"
        case .all: "all rows (\(cell.note))"
        case .filtered: cell.policies.joined(separator: ", ")
        }
    }

    // MARK: SARIF

    /// One rule per check; one result per failed piece of evidence.
    public static func sarif(_ report: AuditReport) -> SARIFLog {
        let rules = report.checks.map { check in
            SARIFLog.Rule(id: check.id, name: DiffFormatter.ruleName(check.id), shortDescription: .init(check.title),
                          fullDescription: .init(check.statement), defaultConfiguration: .init(level: "error"),
                          properties: .init(tags: ["audit", "invariant"]))
        }
        var results: [SARIFLog.Result] = []
        for (index, check) in report.checks.enumerated() {
            for failure in check.failures {
                let rendered = failure.location.map { $0.hasPrefix("ops/") || $0.hasPrefix("infra/") } ?? false
                let location = SARIFLog.location(failure.location, base: rendered ? "OUTPUT" : "%SRCROOT%")
                results.append(SARIFLog.Result(
                    ruleId: check.id, ruleIndex: index, kind: "fail", level: "error",
                    message: .init("\(failure.subject): \(failure.detail)"), locations: location.map { [$0] }, relatedLocations: nil,
                    partialFingerprints: ["scaffoldEvidence/v1": Fingerprint.of(check.id, failure.subject, failure.detail)],
                    properties: .init(classification: nil, category: check.id, clusters: nil, subject: failure.subject)))
            }
        }
        return SARIFLog(runs: [SARIFLog.Run(
            tool: .init(driver: .init(name: "scaffold", version: report.generator.version, semanticVersion: report.generator.version,
                                      informationUri: "https://scaffold.dev/docs/audit", rules: rules)),
            automationDetails: .init(id: "scaffold-audit/\(report.source.revision ?? report.source.contentHash)"),
            results: results,
            properties: ["blueprint": report.source.blueprint, "contentHash": report.source.contentHash,
                         "summary": "\(report.summary.checksPassed) passed, \(report.summary.checksFailed) failed"])])
    }

    // MARK: JUnit

    /// One suite per check, one test case per piece of evidence.
    public static func junit(_ report: AuditReport) -> Markup {
        let suites = report.checks.map { check -> Markup in
            let cases = check.evidence.map { item -> Markup in
                let children: [Markup] = item.result == .fail
                    ? [.el("failure", [("message", item.detail), ("type", check.id)], text: "\(item.subject): \(item.detail)\(item.location.map { "\nat \($0)" } ?? "")")]
                    : []
                return .el("testcase", [("classname", "scaffold.audit.\(check.id)"), ("name", item.subject)], children)
            }
            return .el("testsuite", [("name", check.title), ("tests", String(check.evidence.count)),
                                     ("failures", String(check.failures.count)), ("errors", "0")], cases)
        }
        let tests = report.checks.reduce(0) { $0 + $1.evidence.count }
        let failures = report.checks.reduce(0) { $0 + $1.failures.count }
        return .el("testsuites", [("name", "scaffold audit \(source(report))"), ("tests", String(tests)), ("failures", String(failures)), ("errors", "0")], suites)
    }
}
