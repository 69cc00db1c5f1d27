import Foundation
@testable import PlatformAPI
import Testing

@Suite struct RevocationListTests {
    /// A reload reads a snapshot that may predate an event: the event's entry must survive it.
    @Test func reloadMergesAndKeepsEventEntries() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let list = RevocationList()
        list.insert("from-event", expiresAt: nil, now: now)
        list.insert("expiring", expiresAt: now.addingTimeInterval(10))
        list.reload(["from-sql": now.addingTimeInterval(60)], now: now)
        #expect(list.contains("from-event") && list.contains("from-sql") && list.contains("expiring"))
        // An event entry lasts as long as any token can, then goes.
        list.reload([:], now: now.addingTimeInterval(GuestClaims.maximumLifetime - 1))
        #expect(list.contains("from-event") && !list.contains("expiring") && !list.contains("from-sql"))
        list.reload([:], now: now.addingTimeInterval(GuestClaims.maximumLifetime + 1))
        #expect(list.count == 0)
    }
}
