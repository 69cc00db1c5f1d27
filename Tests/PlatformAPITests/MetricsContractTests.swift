import BlueprintModel
import Foundation
import PlatformAPI
import TestSupport
import Testing

/// The metrics galaxy's blueprint says platform-api exports (its SLO alerts read them) are
/// the ones platform-api registers: read from the exposition of its own metrics owner after
/// one request, not from a copy of the names.
@Suite struct MetricsContractTests {
    @Test func blueprintDeclaresWhatPlatformAPIExports() throws {
        let loaded = try BlueprintLoader.load(path: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path)
        let service = try #require(loaded.base.service("platform-api"))
        let metrics = APIMetrics()
        metrics.recordRequest(method: "GET", route: "/healthz", status: 200, duration: .milliseconds(3))
        let exposition = metrics.exposition()
        let series = Set(exposition.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            String($0.prefix { $0 != "{" && $0 != " " })
        })
        #expect(service.declaresMetrics && service.metricsPort == service.port && service.metricsPath == "/metrics")
        #expect(!service.requestMetrics.seriesNames.isEmpty)
        for name in service.requestMetrics.seriesNames {
            #expect(series.contains(name), "platform-api exports no `\(name)`: \(series.sorted())")
        }
        // The status label the availability objective splits on, and the latency threshold a bucket bound.
        let requests = try #require(service.requestMetrics.requests)
        #expect(exposition.contains("\(requests){") && exposition.contains("\(service.requestMetrics.statusLabel)=\"200\""))
        let bound = try #require(service.slo?.latency?.thresholdSeconds)
        #expect(exposition.contains("le=\"\(bound)\""), "no bucket bound \(bound)s in \(exposition)")
    }
}
