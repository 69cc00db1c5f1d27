/// The audit as one self-contained HTML page (styles and the small cluster switcher
/// inline, no external asset): the checks with their evidence, the network matrix per
/// cluster, the row-level security matrix, admission rules and grants.
public enum HTMLReport {
    public static func render(_ report: AuditReport) -> String {
        MarkupPrinter.print(page(report), dialect: .html)
    }

    static func page(_ report: AuditReport) -> Markup {
        let title = "Access audit: \(report.source.blueprint)"
        let head: Markup = .el("head", [], [
            .el("meta", [("charset", "utf-8")]),
            .el("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
            .el("title", text: title),
            .el("style", [], [.rawText(style)]),
        ])
        let header: Markup = .el("header", [], [
            .el("h1", text: title),
            .el("p", [("class", "meta")], text: metaLine(report)),
            cards(report),
        ])
        let main: Markup = .el("main", [], [
            checks(report), network(report), rowLevelSecurity(report), admission(report), grants(report), controls(report),
        ])
        return .el("html", [("lang", "en")], [head, .el("body", [], [header, main, .el("script", [], [.rawText(script)])])])
    }

    static func metaLine(_ report: AuditReport) -> String {
        var parts = ["blueprint sha256:\(report.source.contentHash.prefix(16))…", "scaffold \(report.generator.version)"]
        if let revision = report.source.revision { parts.insert("revision \(report.source.label) (\(revision.prefix(12)))", at: 0) }
        return parts.joined(separator: " · ")
    }

    static func cards(_ report: AuditReport) -> Markup {
        let summary = report.summary
        let items: [(label: String, value: String, state: String)] = [
            ("checks passed", "\(summary.checksPassed)/\(summary.checksPassed + summary.checksFailed)", summary.checksFailed == 0 ? "ok" : "bad"),
            ("connections", "\(summary.connections)", ""),
            ("network policies", "\(summary.networkPolicies)", ""),
            ("admission rules", "\(summary.admissionRules)", ""),
            ("grants", "\(summary.grants)", ""),
            ("RLS policies", "\(summary.rowLevelSecurityPolicies)", ""),
        ]
        return .el("div", [("class", "cards")], items.map { item -> Markup in
            .el("div", [("class", "card \(item.state)")], [
                .el("div", [("class", "value")], text: item.value), .el("div", [("class", "label")], text: item.label),
            ])
        })
    }

    // MARK: Checks

    static func checks(_ report: AuditReport) -> Markup {
        var children: [Markup] = [.el("h2", text: "Invariant checks")]
        for check in report.checks {
            let passes = check.evidence.count - check.failures.count
            var attributes = [("class", "check \(check.result.rawValue)")]
            if check.result == .fail { attributes.append(("open", "open")) }
            let rows: [[Markup]] = check.evidence.map { item -> [Markup] in
                [.text(item.subject), .el("span", [("class", "badge \(item.result.rawValue)")], text: item.result.rawValue),
                 .text(item.detail), item.location.map { .el("code", text: $0) } ?? .text("–")]
            }
            children.append(.el("details", attributes, [
                .el("summary", [], [
                    .el("span", [("class", "badge \(check.result.rawValue)")], text: check.result.rawValue.uppercased()),
                    .text(" \(check.title) "),
                    .el("span", [("class", "count")], text: "\(passes) of \(check.evidence.count)"),
                ]),
                .el("p", text: check.statement),
                table(["Subject", "Result", "Detail", "Where"], rows, rowClass: check.evidence.map(\.result.rawValue)),
            ]))
        }
        return .el("section", [("id", "checks")], children)
    }

    // MARK: Network

    static func network(_ report: AuditReport) -> Markup {
        var children: [Markup] = [
            .el("h2", text: "Network reachability"),
            .el("p", text: "Computed from the rendered NetworkPolicies alone. Rows open connections to columns; a cell lists the ports. Green: intended by the blueprint; red: touches a workload namespace and is not intended; grey: between platform namespaces, open by design and not compared."),
        ]
        let options = report.matrix.network.map { network -> Markup in .el("option", [("value", network.cluster)], text: network.cluster) }
        children.append(.el("label", [("for", "cluster")], [.text("Cluster "), .el("select", [("id", "cluster")], options)]))
        for (index, network) in report.matrix.network.enumerated() {
            let involved = Set(network.connections.flatMap { [$0.from, $0.to] })
            let endpoints = network.endpoints.map(\.id).filter(involved.contains)
            let cells = Dictionary(network.connections.map { ("\($0.from)|\($0.to)", $0) }) { first, _ in first }
            var header: [Markup] = [.el("th", [("class", "corner")], text: "from \\ to")]
            header += endpoints.map { id -> Markup in .el("th", [("class", "to")], [.el("span", text: id)]) }
            var rows: [Markup] = []
            for from in endpoints {
                var row: [Markup] = [.el("th", [("class", "from")], text: from)]
                for to in endpoints {
                    if let connection = cells["\(from)|\(to)"] {
                        let by = (connection.ingressPolicies + connection.egressPolicies).joined(separator: ", ")
                        row.append(.el("td", [("class", connection.intent.rawValue),
                                              ("title", "\(from) → \(to): \(connection.ports)" + (by.isEmpty ? "" : "\nallowed by \(by)"))],
                                       text: connection.ports))
                    } else {
                        row.append(.el("td", [("class", "none")]))
                    }
                }
                rows.append(.el("tr", [], row))
            }
            var attributes = [("class", "cluster"), ("data-cluster", network.cluster)]
            if index > 0 { attributes.append(("hidden", "hidden")) }
            children.append(.el("div", attributes, [
                .el("p", [("class", "meta")], text: "\(network.cluster): \(network.connections.count) connections, \(network.endpoints.count) endpoints"),
                .el("div", [("class", "scroll")], [
                    .el("table", [("class", "matrix")], [.el("thead", [], [.el("tr", [], header)]), .el("tbody", [], rows)]),
                ]),
            ]))
        }
        return .el("section", [("id", "network")], children)
    }

    // MARK: Row-level security

    static func rowLevelSecurity(_ report: AuditReport) -> Markup {
        let matrix = report.matrix.rowLevelSecurity
        var rows: [[Markup]] = []
        var classes: [String] = []
        for table in matrix.tables {
            for role in matrix.roles {
                let tenant = matrix.tenantTables.contains(table)
                var row: [Markup] = [.el("code", text: table), .el("code", text: role)]
                var widest = "none"
                for command in matrix.commands {
                    guard let cell = matrix.cell(role: role, table: table, command: command) else {
                        row.append(.text("–"))
                        continue
                    }
                    row.append(.el("span", [("class", "access \(cell.access.rawValue)\(tenant ? " tenant" : "")"), ("title", "\(cell.privilege ?? "no privilege"): \(cell.note)")],
                                   text: AuditFormatter.rowCell(cell)))
                    if cell.access == .all { widest = "all" } else if cell.access == .filtered && widest != "all" { widest = "filtered" }
                }
                rows.append(row)
                classes.append(widest)
            }
        }
        return .el("section", [("id", "rls")], [
            .el("h2", text: "Row-level security: role × table × command"),
            .el("p", text: "Read from the migration SQL. Filtered cells name the policies that decide which rows; 'all rows' means the role sees every row (red on a tenant table). Tenant tables: \(matrix.tenantTables.joined(separator: ", "))."),
            table(["Table", "Role"] + matrix.commands, rows, rowClass: classes),
        ])
    }

    // MARK: Admission and grants

    static func admission(_ report: AuditReport) -> Markup {
        let rows = report.matrix.admission.map { rule -> [Markup] in
            [.text(rule.cluster), .el("code", text: rule.rule), .text(rule.type),
             .el("span", [("class", "badge \(rule.action == "Enforce" ? "pass" : "warn")")], text: rule.action),
             .text(rule.excludedNamespaces.isEmpty ? "–" : rule.excludedNamespaces.joined(separator: ", "))]
        }
        return .el("section", [("id", "admission")], [
            .el("h2", text: "Admission rules"),
            table(["Cluster", "Rule", "Type", "Action", "Excluded namespaces"], rows),
        ])
    }

    static func grants(_ report: AuditReport) -> Markup {
        let groups = Dictionary(grouping: report.matrix.grants) { "\($0.cluster)|\($0.subject)|\($0.via)" }
        let rows = groups.keys.sorted().map { key -> [Markup] in
            let list = groups[key]!
            let first = list[0]
            return [.text(first.cluster), .text(first.subject), .text(first.via), .text("\(list.count)"),
                    .el("details", [], [.el("summary", text: "permissions"), .el("ul", [], list.map { grant -> Markup in .el("li", text: grant.permission) })])]
        }
        return .el("section", [("id", "grants")], [
            .el("h2", text: "RBAC and Argo CD project grants"),
            table(["Cluster", "Subject", "Through", "Count", "Permissions"], rows),
        ])
    }

    static func controls(_ report: AuditReport) -> Markup {
        .el("section", [("id", "controls")], [
            .el("h2", text: "Controls this evidence supports"),
            .el("ul", [], report.controls.map { control -> Markup in
                .el("li", [], [.el("strong", text: "\(control.framework) \(control.id)"), .text(": \(control.title). \(control.howThisSupportsIt)")])
            }),
        ])
    }

    static func table(_ headers: [String], _ rows: [[Markup]], rowClass: [String] = []) -> Markup {
        let head: Markup = .el("thead", [], [.el("tr", [], headers.map { header -> Markup in .el("th", text: header) })])
        var body: [Markup] = []
        for (index, cells) in rows.enumerated() {
            let attributes = index < rowClass.count ? [("class", rowClass[index])] : []
            body.append(.el("tr", attributes, cells.map { cell -> Markup in .el("td", [], [cell]) }))
        }
        return .el("table", [], [head, .el("tbody", [], body)])
    }

    static let style = """
        :root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --line: #d0d7de; --muted: #57606a; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f8fa; }
        header { background: #0d1117; color: #f0f6fc; padding: 24px 32px; }
        header h1 { margin: 0 0 4px; font-size: 22px; }
        header .meta { color: #9198a1; margin: 0 0 16px; }
        main { padding: 16px 32px 48px; }
        section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
        h2 { font-size: 17px; margin: 0 0 12px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; }
        .card { background: #161b22; border: 1px solid #30363d; border-radius: 8px; padding: 10px 16px; min-width: 130px; }
        .card .value { font-size: 22px; font-weight: 600; }
        .card .label { color: #9198a1; }
        .card.ok .value { color: #3fb950; }
        .card.bad .value { color: #f85149; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; }
        th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; }
        tr.fail td { background: #ffebe9; }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
        .badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
        .badge.pass { background: var(--ok); }
        .badge.fail { background: var(--bad); }
        .badge.warn { background: var(--warn); }
        details.check { border-top: 1px solid var(--line); padding: 6px 0; }
        details.check summary { cursor: pointer; font-weight: 600; }
        .count { color: var(--muted); font-weight: 400; }
        .scroll { overflow: auto; max-height: 640px; }
        table.matrix { width: auto; font-size: 11px; }
        table.matrix th.to { white-space: nowrap; vertical-align: bottom; padding: 6px 2px; }
        table.matrix th.to span { writing-mode: vertical-rl; transform: rotate(180deg); }
        table.matrix th.from { white-space: nowrap; position: sticky; left: 0; z-index: 1; }
        table.matrix td { min-width: 18px; text-align: center; white-space: nowrap; }
        table.matrix td.intended { background: #dafbe1; }
        table.matrix td.unchecked { background: #eaeef2; color: var(--muted); }
        table.matrix td.unintended { background: #ffcecb; font-weight: 600; }
        .access.all.tenant { color: var(--bad); font-weight: 600; }
        .access.filtered { color: var(--ok); }
        .access.no-rows { color: var(--muted); }
        label select { margin: 8px 0; font: inherit; }
        """

    static let script = """
        (function () {
          var select = document.getElementById("cluster");
          if (!select) { return; }
          function show() {
            var blocks = document.querySelectorAll("div.cluster");
            for (var i = 0; i < blocks.length; i++) {
              blocks[i].hidden = blocks[i].getAttribute("data-cluster") !== select.value;
            }
          }
          select.addEventListener("change", show);
          show();
          document.body.setAttribute("data-ready", "true");
        })();
        """
}
