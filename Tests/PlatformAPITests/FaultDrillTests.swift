import Foundation
@testable import platform_api_bench
import TestSupport
import Testing

/// `platform-api-bench --faults`, shortened: two real `platform-api` processes on their own
/// PostgreSQL (and redis-server) under load while the instances' connections are killed,
/// Redis and PostgreSQL are restarted and one instance is killed with SIGKILL. After it:
/// no request waited 2 s, every revoked token was refused on every running instance
/// within 1 s of its revoke returning, no acknowledged chat action is missing from the
/// counters, no idempotency key made two organizations, and both instances reported ready
/// (database and event transport connected) again after every fault.
@Suite(.serialized) struct FaultDrillTests {
    @Test(arguments: ["postgres", "redis"])
    func platformAPISurvivesFaults(events: String) async throws {
        guard try TestTools.require("initdb"), try TestTools.require("pg_ctl"), try TestTools.require("redis-server") else { return }
        let executable = DatabaseBackedTests.DevSessionTests.platformAPI
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            Issue.record("build the platform-api product first (swift build --product platform-api): \(executable)")
            return
        }
        var options = FaultDrill.Options(platformAPI: executable)
        options.events = events
        options.chatClients = 4
        options.settle = .seconds(2)
        let report = try await FaultDrill(options: options, logger: TestServers.logger).run()
        for line in FaultDrill.lines(report) { print(line) }

        #expect(report.phases.count == (events == "redis" ? 5 : 4))
        #expect(report.maxWait < .seconds(2), "a request waited \(report.maxWait)")
        for phase in report.phases.dropFirst() {
            #expect(phase.readyAgain.map { $0 < .seconds(5) } == true, "\(phase.name): not ready again within 5 s")
            #expect(phase.requests > 0, "\(phase.name): no load")
        }
        #expect(report.revocations >= 5)
        #expect(report.refusalsMissed == 0)
        for instance in ["a", "b"] {
            let latency = report.refusalLatency[instance]
            #expect(latency.map { $0 < .seconds(1) } == true, "instance \(instance) refused a revoked token after \(String(describing: latency))")
        }
        #expect(report.actionsAcknowledged > 100)
        #expect(report.actionsLost == 0)
        #expect(report.actionsDuplicated == 0)
        #expect(report.actionsCounted >= report.actionsAcknowledged)
        #expect(report.organizationsRequested >= 5)
        #expect(report.organizationDuplicates == 0)
        #expect(report.organizationsAnswered == report.organizationsRequested)
        #expect(report.organizationReplays == report.organizationsAnswered)
    }
}
