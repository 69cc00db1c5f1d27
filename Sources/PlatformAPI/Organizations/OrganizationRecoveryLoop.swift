import Foundation
import Logging

/// Finishes or fails organizations left PENDING by a crashed request, periodically.
///
/// Several instances may run it at once: finishing is conditional on the row still
/// being PENDING, and every step is idempotent, so a race changes nothing.
public struct OrganizationRecoveryLoop: Sendable {
    let saga: OrganizationSaga
    let organizations: any OrganizationRepository
    let interval: Duration
    let grace: Duration
    let metrics: APIMetrics
    let logger: Logger

    /// Creates the loop: every `interval`, PENDING organizations unchanged for `grace` are recovered.
    public init(
        saga: OrganizationSaga, organizations: any OrganizationRepository, interval: Duration, grace: Duration,
        metrics: APIMetrics, logger: Logger
    ) {
        self.saga = saga
        self.organizations = organizations
        self.interval = interval
        self.grace = grace
        self.metrics = metrics
        self.logger = logger
    }

    /// One pass; returns the organizations it finished or failed.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> [Organization] {
        let cutoff = now.addingTimeInterval(-TimeInterval(grace.components.seconds))
        var recovered: [Organization] = []
        for id in try await organizations.abandonedPending(olderThan: cutoff, limit: 100) {
            if let organization = try await saga.recover(id: id) {
                metrics.sagaRecoveries.increment()
                logger.info(
                    "recovered PENDING organization",
                    metadata: ["org_id": "\(id.lowercased)", "status": "\(organization.status.rawValue)"])
                recovered.append(organization)
            }
        }
        return recovered
    }

    /// Runs passes until cancelled; a failing pass is logged and retried next period.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                logger.warning("organization recovery pass failed", metadata: ["error.type": "\(type(of: error))"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
