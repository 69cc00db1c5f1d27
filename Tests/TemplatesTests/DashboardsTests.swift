import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing

/// The Grafana dashboards: valid dashboard JSON the sidecar picks up, every query valid
/// PromQL (`promtool check rules` on each wrapped as a recording rule) reading only metrics
/// that exist in the rendered platform.
@Suite struct DashboardsTests {
    struct Loaded {
        var cluster: String
        var json: [String: Any]
    }

    static func dashboards(_ context: ClusterContext) throws -> [Loaded] {
        let maps = try GitOpsTree.files(for: context).filter { $0.path.hasSuffix("/dashboards.yaml") }
            .flatMap { try GitOps.documents($0.contents) }
        return try maps.map { map in
            #expect(GitOps.kind(map) == "ConfigMap" && GitOps.namespace(map) == ClusterNamespaces.monitoring)
            #expect(GitOps.labels(map["metadata"]?["labels"])[Dashboards.label] == "1", "the Grafana sidecar loads it")
            let entries = map["data"]?.pairs ?? []
            try #require(entries.count == 1 && entries[0].key.hasSuffix(".json"))
            let text = try #require(entries[0].value.scalarText)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return Loaded(cluster: context.scope.name, json: json)
        }
    }

    @Test func dashboardsAreGrafanaJSONWhoseQueriesReadMetricsThatExist() throws {
        guard try TestTools.require("promtool") else {
            Issue.record("promtool missing (apt-get install prometheus): queries not checked (CI fails here)")
            return
        }
        var expressions: [String] = []
        for blueprint in AlertingTests.blueprints {
            for context in ClusterContext.all(try AlertingTests.load(blueprint)) {
                let dashboards = try Self.dashboards(context)
                #expect(dashboards.count == context.services.count + 1, "\(context.scope.name): a dashboard per service and the overview")
                let uids = dashboards.compactMap { $0.json["uid"] as? String }
                #expect(uids.count == dashboards.count && Set(uids).count == uids.count && uids.allSatisfy { $0.count <= 40 })
                let rules = try AlertingTests.prometheusRules(context)
                let recorded = Set(rules.flatMap { ($0["spec"]?["groups"]?.items ?? []).flatMap { $0["rules"]?.items ?? [] } }
                    .compactMap { $0["record"]?.scalarText })
                let declared = Set(context.services.flatMap(\.requestMetrics.seriesNames))
                for dashboard in dashboards {
                    let title = dashboard.json["title"] as? String ?? ""
                    #expect(!title.isEmpty && dashboard.json["schemaVersion"] as? Int == 39)
                    let panels = try #require(dashboard.json["panels"] as? [[String: Any]], "\(title)")
                    #expect(!panels.isEmpty)
                    #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count, "\(title): panel ids unique")
                    var cells: Set<[Int]> = []
                    for panel in panels {
                        let type = panel["type"] as? String ?? ""
                        #expect(["row", "timeseries", "stat", "table", "text"].contains(type), "\(title): \(type)")
                        let grid = try #require(panel["gridPos"] as? [String: Int], "\(title)")
                        let (x, y, w, h) = (grid["x"] ?? -1, grid["y"] ?? -1, grid["w"] ?? 0, grid["h"] ?? 0)
                        #expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, "\(title): \(grid)")
                        for column in x..<(x + w) { for line in y..<(y + h) {
                            #expect(cells.insert([column, line]).inserted, "\(title): panels overlap at \(column),\(line)")
                        } }
                        guard type != "row", type != "text" else { continue }
                        let targets = try #require(panel["targets"] as? [[String: Any]], "\(title) \(panel["title"] ?? "")")
                        #expect(!targets.isEmpty)
                        for target in targets {
                            #expect((target["datasource"] as? [String: String])?["uid"] == "prometheus")
                            let expr = try #require(target["expr"] as? String)
                            expressions.append(expr)
                            for metric in PromQLMetricNames.of(expr) {
                                #expect(ExporterMetrics.names.contains(metric) || declared.contains(metric) || recorded.contains(metric),
                                        "\(context.scope.name) \(title): `\(metric)` is exported by nothing")
                            }
                        }
                    }
                }
            }
        }
        // Every query is PromQL Prometheus accepts.
        let unique = Array(Set(expressions)).sorted()
        #expect(unique.count > 20)
        let file = YAMLPrinter.print(.map([("groups", [.map([
            ("name", "dashboards"),
            ("rules", .sequence(unique.enumerated().map { index, expr in
                .map([("record", .string("dashboard:query:\(index)")), ("expr", .string(expr))])
            })),
        ])])]))
        let folder = try TemporaryDirectory(prefix: "dashboards")
        let path = folder.url.appendingPathComponent("queries.yaml").path
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try TestTools.run("promtool", ["check", "rules", path])
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }

    @Test func serviceDashboardsShowWhatTheServiceHas() throws {
        let context = try AlertingTests.context("production-tr")
        let byTitle = Dictionary(uniqueKeysWithValues: try Self.dashboards(context).map { ($0.json["title"] as? String ?? "", $0.json) })
        func queries(_ title: String) throws -> [String] {
            let panels = try #require(byTitle[title]?["panels"] as? [[String: Any]], "\(title) in \(byTitle.keys.sorted())")
            return panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        }
        let platformAPI = try queries("platform-api (production-tr)")
        #expect(platformAPI.contains { $0.contains("platform_api_http_requests_total") })
        #expect(platformAPI.contains { $0.contains("histogram_quantile(0.99, sum by (le) (rate(platform_api_http_request_duration_seconds_bucket") })
        #expect(platformAPI.contains { $0.contains("nginx_ingress_controller_requests{ingress=\"platform-api\"}") })
        // frontend declares no metrics: ingress and saturation only.
        let frontend = try queries("frontend (production-tr)")
        #expect(!frontend.isEmpty && !frontend.contains { $0.contains("job=\"frontend\"") })
        #expect(frontend.contains { $0.contains("nginx_ingress_controller_requests") })
        // backend-ai is not exposed: no ingress panels.
        #expect(!(try queries("backend-ai (production-tr)")).contains { $0.contains("nginx_ingress") })
        let overview = try queries("galaxy platform (production-tr)")
        #expect(overview.contains { $0.contains("kube_resourcequota") } && overview.contains { $0.contains("ALERTS") })
    }
}
