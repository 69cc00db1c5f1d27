/// The delays between reconnection attempts of an event listener: doubling from
/// `initial` up to `maximum`, each drawn at random from the upper half of the current
/// step ("equal jitter"), so that the instances that lost the same server at the same
/// moment do not all knock on it again in lockstep when it comes back.
struct ReconnectBackoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private var step: Duration

    /// A backoff starting at `initial` (50 ms) and capped at `maximum` (1 s): a restarted
    /// Redis or PostgreSQL is listened to again at most about a second after it is back.
    init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(1)) {
        self.initial = initial
        self.maximum = maximum
        self.step = initial
    }

    /// The next delay; each call doubles the step until the cap.
    mutating func next() -> Duration {
        let current = step
        step = min(step * 2, maximum)
        let half = current / 2
        let nanoseconds = Int64(half.components.seconds) * 1_000_000_000 + half.components.attoseconds / 1_000_000_000
        return half + .nanoseconds(Int64.random(in: 0...max(0, nanoseconds)))
    }

    /// Back to `initial`, after a connection that worked.
    mutating func reset() {
        step = initial
    }
}
