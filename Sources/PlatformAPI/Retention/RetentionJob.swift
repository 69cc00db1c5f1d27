import Foundation
import Logging

/// Deletes what the platform no longer needs: denylist rows whose tokens have expired, and
/// chats closed longer than the retention (`PLATFORM_API_CHAT_RETENTION_DAYS`, default 30).
///
/// Every instance runs it every `purgeInterval`; the deletions are idempotent, so several
/// instances purging at once only share the work. Each statement deletes at most
/// `purgeBatchSize` rows (short transactions, short locks); a pass repeats until a batch
/// comes back short.
public struct RetentionJob: Sendable {
    /// What one pass deleted.
    public struct Outcome: Sendable, Equatable {
        /// Expired denylist rows.
        public var denylistRows: Int
        /// Closed chat sessions past the retention.
        public var closedChats: Int

        /// Creates an outcome.
        public init(denylistRows: Int, closedChats: Int) {
            self.denylistRows = denylistRows
            self.closedChats = closedChats
        }
    }

    let repositories: Repositories
    let settings: LimitSettings
    let metrics: APIMetrics
    let logger: Logger

    /// One pass at time `now`.
    public func purge(now: Date = Date()) async throws -> Outcome {
        let batch = max(1, settings.purgeBatchSize)
        let retention = settings.closedChatRetention.components.seconds
        var outcome = Outcome(denylistRows: 0, closedChats: 0)
        while true {
            let deleted = try await repositories.guests.purgeDenylist(expiredBefore: now, limit: batch)
            outcome.denylistRows += deleted
            if deleted < batch || Task.isCancelled { break }
        }
        let closedBefore = now.addingTimeInterval(-TimeInterval(retention))
        while true {
            let deleted = try await repositories.chats.purgeClosed(closedBefore: closedBefore, limit: batch)
            outcome.closedChats += deleted
            if deleted < batch || Task.isCancelled { break }
        }
        metrics.recordPurged("token_denylist", rows: outcome.denylistRows)
        metrics.recordPurged("chat_sessions", rows: outcome.closedChats)
        return outcome
    }

    /// Purges once shortly after start, then every `purgeInterval`, until cancelled.
    func run() async {
        var delay = min(settings.purgeInterval, .seconds(60))
        while !Task.isCancelled {
            try? await Task.sleep(for: delay)
            if Task.isCancelled { return }
            delay = settings.purgeInterval
            do {
                let outcome = try await purge()
                if outcome.denylistRows + outcome.closedChats > 0 {
                    logger.info(
                        "retention purge",
                        metadata: ["purged.denylist": "\(outcome.denylistRows)", "purged.chats": "\(outcome.closedChats)"])
                }
            } catch {
                logger.warning("retention purge failed", metadata: ["error.type": "\(type(of: error))"])
            }
        }
    }
}
