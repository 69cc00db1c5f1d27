@testable import PlatformAPI
import Testing

/// The event listeners' reconnection delays: doubling from 50 ms, capped at 1 s, each
/// drawn from the upper half of its step, back to 50 ms after a connection that worked.
@Suite struct ReconnectBackoffTests {
    @Test func delaysDoubleWithJitterUpToTheCapAndReset() {
        var backoff = ReconnectBackoff()
        let steps: [Duration] = [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)]
        var delays: [Duration] = []
        for step in steps {
            let delay = backoff.next()
            delays.append(delay)
            #expect(delay >= step / 2 && delay <= step, "\(delay) outside [\(step / 2), \(step)]")
        }
        backoff.reset()
        let afterReset = backoff.next()
        #expect(afterReset >= .milliseconds(25) && afterReset <= .milliseconds(50))
        // Jittered: many draws of one step are not all the same.
        var draws = Set<Duration>()
        for _ in 0..<20 {
            var fresh = ReconnectBackoff()
            draws.insert(fresh.next())
        }
        #expect(draws.count > 1)
    }
}
