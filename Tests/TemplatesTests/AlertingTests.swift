import BlueprintModel
import Foundation
import Renderer
@testable import Templates
import TestSupport
import Testing
import Yams

/// The generated alerting checked with the tools that consume it: every PrometheusRule of
/// the four example blueprints through `promtool check rules`, the burn-rate alerts through
/// `promtool test rules` on synthetic series, every expression against the metrics that
/// exist (the service's declared ones and the exporters' table), and the Alertmanager
/// configuration kube-prometheus-stack renders from the generated values through `amtool`.
@Suite struct AlertingTests {
    static let blueprints = ["galaxy.yaml", "meridian/meridian.yaml", "harbor/harbor.yaml", "atlas/atlas.yaml"]

    static func load(_ path: String) throws -> LoadedBlueprint {
        try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/\(path)").path)
    }

    static func context(_ cluster: String) throws -> ClusterContext {
        try #require(ClusterContext.all(try GitOps.galaxy()).first { $0.scope.name == cluster })
    }

    /// Every PrometheusRule of a cluster's ops tree, read back from the rendered files.
    static func prometheusRules(_ context: ClusterContext) throws -> [YAMLNode] {
        try GitOpsTree.files(for: context).filter { $0.path.hasSuffix(".yaml") && !$0.path.contains("/values/") }
            .flatMap { try GitOps.documents($0.contents) }
            .filter { GitOps.kind($0) == "PrometheusRule" }
    }

    /// `spec.groups` as a Prometheus rules file.
    static func rulesFile(_ rule: YAMLNode) -> String {
        YAMLPrinter.print(.map([("groups", rule["spec"]?["groups"] ?? .sequence([]))]))
    }

    static func expressions(_ rule: YAMLNode) -> [(name: String, expr: String)] {
        (rule["spec"]?["groups"]?.items ?? []).flatMap { $0["rules"]?.items ?? [] }.compactMap { rule in
            guard let expr = rule["expr"]?.scalarText else { return nil }
            return (rule["alert"]?.scalarText ?? rule["record"]?.scalarText ?? "", expr)
        }
    }

    static func promtoolAvailable() throws -> Bool {
        guard try TestTools.require("promtool") else {
            Issue.record("promtool missing (apt-get install prometheus): rules not checked (CI fails here)")
            return false
        }
        return true
    }

    // MARK: promtool

    @Test func everyGeneratedRuleFilePassesPromtool() throws {
        guard try Self.promtoolAvailable() else { return }
        let folder = try TemporaryDirectory(prefix: "prometheus-rules")
        var paths: [String] = []
        for blueprint in Self.blueprints {
            for context in ClusterContext.all(try Self.load(blueprint)) {
                for rule in try Self.prometheusRules(context) {
                    let path = folder.url.appendingPathComponent("\(context.blueprint.platform.name)-\(context.scope.name)-\(GitOps.name(rule)).yaml").path
                    try Self.rulesFile(rule).write(toFile: path, atomically: true, encoding: .utf8)
                    paths.append(path)
                }
            }
        }
        #expect(paths.count > 40)
        let result = try TestTools.run("promtool", ["check", "rules"] + paths)
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }

    /// For each tier of each objective: a synthetic service whose errors burn the budget just
    /// above the tier's rate (×1.05: at exactly the rate the comparison is a float tie) fires
    /// that tier's alert; at half the rate the alert stays silent.
    @Test(arguments: ["platform-api", "backend-api"])
    func burnRateAlertsFireAtTheirRateAndStaySilentAtHalf(_ serviceName: String) throws {
        guard try Self.promtoolAvailable() else { return }
        let context = try Self.context("production-tr")
        let service = try #require(context.services.first { $0.name == serviceName })
        let slo = try #require(service.slo)
        let rule = ServiceMonitoring.rules(service, context)
        let objectives = ServiceLevelObjectives.objectives(service)
        #expect(Set(objectives.map(\.kind)) == [.availability, .latency])
        let alerts = Dictionary(uniqueKeysWithValues: (rule["spec"]?["groups"]?.items ?? []).flatMap { $0["rules"]?.items ?? [] }
            .compactMap { rule in rule["alert"]?.scalarText.map { ($0, rule) } })

        let folder = try TemporaryDirectory(prefix: "burn-rate")
        try Self.rulesFile(rule).write(to: folder.url.appendingPathComponent("rules.yaml"), atomically: true, encoding: .utf8)
        let selector = "namespace=\"apps\",job=\"\(service.name)\""
        let metrics = service.requestMetrics
        // One sample every 5 minutes for a little over three days; evaluated after 73 hours.
        let samples = 880, perStep = 500.0, evalTime = "4380m"
        var tests: [YAMLNode] = []
        for objective in objectives {
            let budget = try #require(Double(objective.budget))
            for tier in ServiceLevelObjectives.tiers {
                let rate = try #require(Double(ServiceLevelObjectives.burnRate(tier, window: slo.window)))
                let name = ServiceLevelObjectives.alertName(service, objective.kind, tier)
                let alert = try #require(alerts[name], "\(name) is generated")
                for (factor, fires) in [(1.05, true), (0.5, false)] {
                    let bad = perStep * rate * factor * budget
                    var series: [(String, String)] = []
                    switch objective.kind {
                    case .availability:
                        let requests = try #require(metrics.requests)
                        series = [
                            ("\(requests){\(selector),\(metrics.statusLabel)=\"200\"}", "0+\(perStep - bad)x\(samples)"),
                            ("\(requests){\(selector),\(metrics.statusLabel)=\"503\"}", "0+\(bad)x\(samples)"),
                        ]
                    case .latency:
                        let duration = try #require(metrics.duration)
                        let bound = try #require(slo.latency?.thresholdSeconds)
                        series = [
                            ("\(duration)_bucket{\(selector),le=\"\(bound)\"}", "0+\(perStep - bad)x\(samples)"),
                            ("\(duration)_bucket{\(selector),le=\"+Inf\"}", "0+\(perStep)x\(samples)"),
                            ("\(duration)_count{\(selector)}", "0+\(perStep)x\(samples)"),
                        ]
                    }
                    let expected: [YAMLNode] = fires ? [.map([
                        ("exp_labels", alert["labels"] ?? .map([])),
                        ("exp_annotations", alert["annotations"] ?? .map([])),
                    ])] : []
                    tests.append(.map([
                        ("name", .string("\(name) at \(factor)x its rate")),
                        ("interval", "5m"),
                        ("input_series", .sequence(series.map { .map([("series", .string($0.0)), ("values", .string($0.1))]) })),
                        ("alert_rule_test", [.map([("eval_time", .string(evalTime)), ("alertname", .string(name)),
                                                   ("exp_alerts", .sequence(expected))])]),
                    ]))
                }
            }
        }
        #expect(tests.count == 16)
        let testFile = YAMLPrinter.print(.map([
            ("rule_files", ["rules.yaml"]),
            ("evaluation_interval", "10m"),
            ("tests", .sequence(tests)),
        ]))
        try testFile.write(to: folder.url.appendingPathComponent("test.yaml"), atomically: true, encoding: .utf8)
        let result = try TestTools.run("promtool", ["test", "rules", "test.yaml"], cwd: folder.url)
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }

    @Test func burnRatesFollowTheWorkbookForThirtyDays() {
        #expect(ServiceLevelObjectives.tiers.map { ServiceLevelObjectives.burnRate($0, window: "30d") } == ["14.4", "6", "3", "1"])
        #expect(ServiceLevelObjectives.tiers.map { ServiceLevelObjectives.burnRate($0, window: "28d") } == ["13.44", "5.6", "2.8", "0.93"])
        #expect(ServiceLevelObjective.errorBudget("99.9") == "0.001")
        #expect(ServiceLevelObjective.errorBudget("99") == "0.01")
        #expect(ServiceLevelObjective.errorBudget("100") == nil)
        #expect(ServiceLevelObjectives.bucketBound("0.2") == "0[.]20*")
        #expect(ServiceLevelObjectives.bucketBound("1") == "1([.]0*)?")
    }

    // MARK: Metric names

    @Test func metricNameExtractorFindsSelectorsOnly() {
        #expect(PromQLMetricNames.of(#"sum(rate(http_requests_total{job="a",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="a"}[5m]))"#)
            == ["http_requests_total"])
        #expect(PromQLMetricNames.of(#"max by (name) (argocd_app_info{health_status="Degraded"}) == 1"#) == ["argocd_app_info"])
        #expect(PromQLMetricNames.of(#"time() - max(x_timestamp{ns="a b(c)"}) > 129600 and on(job) group_left(le) y:z:rate5m > (14.4 * 0.001)"#)
            == ["x_timestamp", "y:z:rate5m"])
        #expect(PromQLMetricNames.of(#"sum without (pod, instance) (a) or absent(b{c="d"}) unless c offset 5m"#) == ["a", "b", "c"])
        #expect(PromQLMetricNames.of(#"{__name__="up"} + 1e3"#) == [])
    }

    /// No rule reads a metric that does not exist: a service's rules read what its blueprint
    /// `metrics:` declares, the exporters' table (``ExporterMetrics``) and recorded series;
    /// the platform's rules the table only. A service without `metrics` gets no
    /// metric-based alert of its own.
    @Test func rulesReadOnlyMetricsThatExist() throws {
        var checked = 0
        for blueprint in Self.blueprints {
            for context in ClusterContext.all(try Self.load(blueprint)) {
                let rules = try Self.prometheusRules(context)
                let recorded = Set(rules.flatMap { ($0["spec"]?["groups"]?.items ?? []).flatMap { $0["rules"]?.items ?? [] } }
                    .compactMap { $0["record"]?.scalarText })
                for rule in rules {
                    let service = context.services.first { $0.name == GitOps.name(rule) && GitOps.namespace(rule) == ClusterNamespaces.apps }
                    let own = Set(service?.requestMetrics.seriesNames ?? [])
                    for (name, expr) in Self.expressions(rule) {
                        for metric in PromQLMetricNames.of(expr) {
                            checked += 1
                            #expect(ExporterMetrics.names.contains(metric) || own.contains(metric) || recorded.contains(metric),
                                    "\(context.scope.name) \(GitOps.name(rule)) \(name): `\(metric)` is exported by nothing")
                        }
                    }
                    if let service, !service.declaresMetrics {
                        let names = Self.expressions(rule).map(\.name)
                        #expect(!names.contains { $0.hasSuffix("Down") || $0.contains("BudgetBurn") }, "\(service.name) has no metrics")
                    }
                }
            }
        }
        #expect(checked > 500)
    }

    @Test func exporterTableNamesAreInTheChartsTheyCite() throws {
        for entry in ExporterMetrics.table {
            guard case .chart(let file) = entry.source else { continue }
            let url = TestTools.sharedRoot.appendingPathComponent("charts/\(file)")
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text.contains(entry.metric), "\(entry.metric) is not in \(file)")
        }
        #expect(ExporterMetrics.table.filter { if case .chart = $0.source { true } else { false } }.count >= 10)
    }

    @Test func platformAlertsFollowTheCluster() throws {
        let staging = try Self.context("staging-tr")
        let names = Set(try Self.prometheusRules(staging).filter { GitOps.name($0) == PlatformAlerts.name }.flatMap(Self.expressions).map(\.name))
        for alert in ["PostgresReplicasMissing", "PostgresWALArchiveFailing", "PostgresBackupTooOld", "RedisDown", "RedisInstanceDown",
                      "MinioNodesOffline", "VeleroBackupFailed", "VeleroBackupTooOld", "CertificateExpiresSoon", "ArgoCDAppDegraded",
                      "ArgoCDAppOutOfSync", "KyvernoPolicyFailures"] {
            #expect(names.contains(alert), "\(alert)")
        }
        // One instance of each store on a local cluster: nothing to replicate to.
        let local = try Self.context("dev-local-tr")
        let localNames = Set(try Self.prometheusRules(local).filter { GitOps.name($0) == PlatformAlerts.name }.flatMap(Self.expressions).map(\.name))
        #expect(!localNames.contains("PostgresReplicasMissing") && !localNames.contains("RedisInstanceDown"))
        // atlas has no object store, so no backups to alert on.
        let atlas = try #require(ClusterContext.all(try Self.load("atlas/atlas.yaml")).first)
        let atlasNames = Set(try Self.prometheusRules(atlas).flatMap(Self.expressions).map(\.name))
        #expect(!atlasNames.contains("VeleroBackupFailed") && !atlasNames.contains("PostgresBackupTooOld"))
    }

    // MARK: Alertmanager

    /// kube-prometheus-stack rendered with the generated values: the configuration Secret it
    /// renders passes `amtool check-config`, routes a critical production alert to PagerDuty
    /// and every credential is a file of the mounted Secret the ExternalSecret fills.
    @Test func alertmanagerConfigurationTheChartRendersRoutesBySeverityAndEnvironment() throws {
        let renderChart = TestTools.sharedRoot.appendingPathComponent("tools/render-chart").path
        guard FileManager.default.fileExists(atPath: renderChart), try TestTools.require("python3"), try TestTools.require("amtool") else {
            Issue.record("render-chart, python3 or amtool missing (apt-get install prometheus-alertmanager): not checked (CI fails here)")
            return
        }
        let loaded = try GitOps.galaxy()
        let folder = try TemporaryDirectory(prefix: "alertmanager")
        try GitOps.writeOps(Generator.plan(for: loaded), to: folder.url)
        let chart = PlatformComponent.kubePrometheusStack.chart
        let cases: [(cluster: String, routes: [([String], String)])] = [
            ("production-tr", [(["severity=critical", "environment=production"], "oncall"),
                               (["severity=warning", "environment=production"], "platform-mail"),
                               (["alertname=Watchdog", "severity=none", "environment=production"], "null")]),
            ("staging-es", [(["severity=critical", "environment=staging"], "platform-chat"),
                            (["severity=warning", "environment=staging"], "incident-log")]),
            ("dev-local-tr", [(["severity=critical", "environment=dev-local"], "null")]),
        ]
        for (cluster, routes) in cases {
            let context = try #require(ClusterContext.all(loaded).first { $0.scope.name == cluster })
            let values = folder.url.appendingPathComponent("\(ClusterArea.ops.directory(context.scope))/values/kube-prometheus-stack.yaml").path
            let result = try TestTools.run("python3", [renderChart, TestTools.sharedRoot.appendingPathComponent("charts/\(chart.chart)-\(chart.version)").path,
                                                      "--values", values, "--release", "kube-prometheus-stack", "--namespace", ClusterNamespaces.monitoring,
                                                      "--skip-tests", "--api-versions", "monitoring.coreos.com/v1"])
            try #require(result.succeeded, "\(cluster): \(result.stderr)")
            let objects = try GitOps.documents(result.stdout)
            let secret = try #require(objects.first { GitOps.kind($0) == "Secret" && GitOps.name($0) == "alertmanager-kube-prometheus-stack-alertmanager" })
            let encoded = try #require(secret["data"]?["alertmanager.yaml"]?.scalarText)
            let text = try #require(Data(base64Encoded: encoded).flatMap { String(data: $0, encoding: .utf8) })
            let manager = try #require(objects.first { GitOps.kind($0) == "Alertmanager" })
            let mounted = manager["spec"]?["secrets"]?.items.compactMap(\.scalarText) ?? []

            // Every credential is a file of the mounted Secret, one of the ExternalSecret's entries.
            let external = AlertRouting.objects(context).first
            let entries = Set(external?["spec"]?["data"]?.items.compactMap { $0["secretKey"]?.scalarText } ?? [])
            let config = try GitOps.documents(text).first
            let receivers = config?["receivers"]?.items ?? []
            var files: [String] = []
            for receiver in receivers {
                for list in receiver.pairs.map(\.value) {
                    for item in list.items {
                        for pair in item.pairs where pair.key.hasSuffix("_file") { files.append(pair.value.scalarText ?? "") }
                        #expect(!item.pairs.contains { ["api_url", "routing_key", "url", "auth_password", "service_key"].contains($0.key) },
                                "\(cluster): a credential written into the configuration")
                    }
                }
            }
            if cluster.hasPrefix("dev-local") {
                #expect(receivers.count == 1 && files.isEmpty && mounted.isEmpty && external == nil, "\(cluster) sends nothing out")
            } else {
                #expect(mounted == [AlertRouting.secretName])
                #expect(!files.isEmpty)
                for file in files {
                    #expect(file.hasPrefix(AlertRouting.mountDirectory + "/") && entries.contains(String(file.dropFirst(AlertRouting.mountDirectory.count + 1))),
                            "\(cluster): \(file) is no entry of Secret \(AlertRouting.secretName)")
                }
            }

            // Debian's amtool 0.25 predates webhook `url_file` (Alertmanager 0.26; the chart runs
            // 0.28): only for that checker, the one field is spelled as a URL.
            #expect(try #require(manager["spec"]?["version"]?.scalarText) >= "v0.26")
            let checked = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                let body = line.drop { $0 == " " || $0 == "-" }
                return body.hasPrefix("url_file: ") ? line.replacingOccurrences(of: "url_file: ", with: "url: http://checked.invalid/#") : String(line)
            }.joined(separator: "\n")
            let path = folder.url.appendingPathComponent("\(cluster)-alertmanager.yaml").path
            try checked.write(toFile: path, atomically: true, encoding: .utf8)
            let check = try TestTools.run("amtool", ["check-config", path])
            #expect(check.succeeded, "\(cluster): \(check.stdout)\(check.stderr)")
            for (labels, receiver) in routes {
                let routed = try TestTools.run("amtool", ["config", "routes", "test", "--config.file=\(path)"] + labels)
                #expect(routed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == receiver, "\(cluster) \(labels): \(routed.stdout)\(routed.stderr)")
            }
        }
    }
}
