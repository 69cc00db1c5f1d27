import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PlatformAPI
import Synchronization
import Testing

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex(Duration.zero)

    /// The current instant.
    func now() -> ContinuousClock.Instant { start + offset.withLock { $0 } }
    /// Moves time forward.
    func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
}

/// The token bucket on its own: refill over time, independence of keys, bounded memory.
@Suite struct RateLimiterTests {
    @Test func bucketEmptiesThenRefillsOverTime() {
        let clock = ManualClock()
        let limiter = RateLimiter(RateLimit(burst: 3, perMinute: 6), now: clock.now)  // one token per 10 s
        for _ in 0..<3 { #expect(limiter.acquire("a") == .allowed) }
        #expect(limiter.acquire("a") == .limited(retryAfter: .seconds(10)))
        clock.advance(.seconds(4))
        #expect(limiter.acquire("a") == .limited(retryAfter: .seconds(6)))
        clock.advance(.seconds(6))
        #expect(limiter.acquire("a") == .allowed)
        #expect(limiter.acquire("a") == .limited(retryAfter: .seconds(10)))
        // A long pause refills up to the burst, never beyond it.
        clock.advance(.seconds(3_600))
        for _ in 0..<3 { #expect(limiter.acquire("a") == .allowed) }
        #expect(limiter.acquire("a") != .allowed)
    }

    @Test func keysHaveTheirOwnBuckets() {
        let clock = ManualClock()
        let limiter = RateLimiter(RateLimit(burst: 1, perMinute: 1), now: clock.now)
        #expect(limiter.acquire("alice") == .allowed)
        #expect(limiter.acquire("alice") != .allowed)
        #expect(limiter.acquire("bob") == .allowed)
        #expect(limiter.acquire("bob") != .allowed)
    }

    @Test func memoryStaysBounded() {
        let clock = ManualClock()
        let limiter = RateLimiter(RateLimit(burst: 2, perMinute: 60), maximumKeys: 100, now: clock.now)
        for index in 0..<10_000 { _ = limiter.acquire("client-\(index)") }
        #expect(limiter.keyCount <= 100)
        // Once every bucket has refilled, it is the same as no bucket: the next sweep drops it.
        clock.advance(.seconds(3))
        #expect(limiter.acquire("late") == .allowed)
        #expect(limiter.keyCount == 1)
        // An active client keeps its (partly empty) bucket through an eviction.
        #expect(limiter.acquire("late") == .allowed)
        #expect(limiter.acquire("late") != .allowed)
    }
}

/// Who the client is: the TCP peer, or, behind a trusted proxy, `X-Forwarded-For` read
/// from the right.
@Suite struct ClientAddressTests {
    @Test func forwardedForIsIgnoredUnlessThePeerIsATrustedProxy() {
        let untrusting = ClientAddressResolver()
        #expect(untrusting.resolve(peer: "10.0.0.7", forwardedFor: ["203.0.113.9"]) == "10.0.0.7")
        #expect(untrusting.resolve(peer: nil, forwardedFor: ["203.0.113.9"]) == "unknown")

        let resolver = ClientAddressResolver(trustedProxies: [IPNetwork("10.0.0.0/8")!, IPNetwork("fd00::/8")!])
        #expect(resolver.resolve(peer: "10.0.0.7", forwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        // A client prepending addresses only adds entries left of the one the proxy appended.
        #expect(resolver.resolve(peer: "10.0.0.7", forwardedFor: ["1.2.3.4, 5.6.7.8", "203.0.113.9"]) == "203.0.113.9")
        // Chained trusted proxies are skipped; the first untrusted hop from the right is the client.
        #expect(resolver.resolve(peer: "fd12::1", forwardedFor: ["198.51.100.4, 10.1.1.1"]) == "198.51.100.4")
        // A peer outside the trusted networks is the client, whatever it claims.
        #expect(resolver.resolve(peer: "198.51.100.4", forwardedFor: ["10.9.9.9"]) == "198.51.100.4")
        // No header, or garbage: the right-most trusted address is all that is known.
        #expect(resolver.resolve(peer: "10.0.0.7", forwardedFor: []) == "10.0.0.7")
        #expect(resolver.resolve(peer: "10.0.0.7", forwardedFor: ["not-an-ip, 10.2.2.2"]) == "10.2.2.2")
    }

    @Test func networksParseAndMatch() {
        let network = IPNetwork("10.0.0.0/8")!
        #expect(network.contains("10.255.0.1"))
        #expect(network.contains("::ffff:10.0.0.1"))
        #expect(!network.contains("11.0.0.1"))
        #expect(!network.contains("fd00::1"))
        #expect(IPNetwork("192.168.1.1")!.contains("192.168.1.1"))
        #expect(!IPNetwork("192.168.1.1")!.contains("192.168.1.2"))
        #expect(IPNetwork("fd00::/8")!.contains("fdab::1"))
        #expect(IPNetwork("172.16.0.0/12")!.description == "172.16.0.0/12")
        for invalid in ["", "10.0.0.0/33", "ten", "10.0.0.0/x", "fd00::/129"] { #expect(IPNetwork(invalid) == nil, "\(invalid)") }
    }

    @Test func environmentConfiguresLimitsAndRejectsBadValues() throws {
        let secret = String(repeating: "s", count: 40)
        let configuration = try AppConfiguration.fromEnvironment([
            "JWT_SECRET": secret, "PLATFORM_API_SIGNIN_BURST": "3", "PLATFORM_API_SIGNIN_PER_MINUTE": "4",
            "PLATFORM_API_WS_MAX_PER_USER": "2", "PLATFORM_API_TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8",
            "PLATFORM_API_IDLE_TIMEOUT_SECONDS": "15", "PLATFORM_API_REQUEST_TIMEOUT_SECONDS": "5",
            "PLATFORM_API_CHAT_RETENTION_DAYS": "90",
        ])
        let limits = configuration.limits
        #expect(limits.signIn == RateLimit(burst: 3, perMinute: 4))
        #expect(limits.organizationCreation == LimitSettings().organizationCreation)
        #expect(limits.webSocketsPerUser == 2)
        #expect(limits.trustedProxies.map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        #expect(limits.idleTimeout == .seconds(15))
        #expect(limits.requestTimeout == .seconds(5))
        #expect(limits.closedChatRetention == .seconds(90 * 86_400))
        #expect(try AppConfiguration.fromEnvironment(["JWT_SECRET": secret]).limits.closedChatRetention == .seconds(30 * 86_400))
        do {
            _ = try AppConfiguration.fromEnvironment([
                "JWT_SECRET": secret, "PLATFORM_API_CHAT_RETENTION_DAYS": "0", "PLATFORM_API_ORGS_PER_MINUTE": "0",
                "PLATFORM_API_TRUSTED_PROXIES": "10.0.0.0/8,ingress", "PLATFORM_API_REQUEST_TIMEOUT_SECONDS": "1h",
            ])
            Issue.record("invalid limits were accepted")
        } catch {
            #expect(error.problems.count == 4, "\(error.problems)")
            #expect(error.description.contains("PLATFORM_API_CHAT_RETENTION_DAYS must be an integer in 1...3650"))
        }
    }
}

/// Every limited route answers 429 with `Retry-After` in the APIError shape, per client
/// address (sign-in) or per user (the rest), and lets requests through again as time passes.
@Suite struct LimitRouterTests {
    static func withApp(
        _ adjust: (inout LimitSettings) -> Void, _ body: @escaping @Sendable (APIClient, PlatformRuntime, ManualClock) async throws -> Void
    ) async throws {
        var configuration = AppConfiguration(
            jwtSecret: LiveInstance.jwtSecret, adminKey: LiveInstance.adminKey, reconcileInterval: .seconds(3600),
            recoveryInterval: .seconds(3600))
        var limits = LimitSettings.generous
        adjust(&limits)
        configuration.limits = limits
        let clock = ManualClock()
        let runtime = await PlatformRuntime(
            configuration: configuration, dependencies: .inMemory(), logger: Logger(label: "limit-tests"), clock: clock.now)
        try await buildApplication(runtime: runtime).test(.router) { client in
            try await body(APIClient(client), runtime, clock)
        }
    }

    /// 429, `Retry-After` in whole seconds, `{"error":{"code":"rate_limited",…}}`.
    static func expectLimited(_ response: APIResponse, retryAfter: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .tooManyRequests, "\(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.retryAfter] == retryAfter, sourceLocation: sourceLocation)
        #expect(response.object("error")["code"] == .string("rate_limited"), sourceLocation: sourceLocation)
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    }

    @Test func signInIsLimitedPerClientAddress() async throws {
        try await Self.withApp({ $0.signIn = RateLimit(burst: 2, perMinute: 1) }) { api, runtime, clock in
            _ = try await api.signIn()
            _ = try await api.signInAdmin(key: LiveInstance.adminKey)
            // Guest and admin sign-in share the address's bucket; one token per 60 s.
            Self.expectLimited(try await api.call(.post, "/auth/guest"), retryAfter: "60")
            Self.expectLimited(try await api.call(.post, "/auth/admin", json: #"{"key":"guess"}"#), retryAfter: "60")
            clock.advance(.seconds(59.5))
            Self.expectLimited(try await api.call(.post, "/auth/guest"), retryAfter: "1")  // 0.5 s, rounded up
            clock.advance(.seconds(0.5))
            #expect(try await api.call(.post, "/auth/guest").status == .created)
            #expect(runtime.metrics.exposition().contains(#"platform_api_rate_limited_total{action="sign_in"} 3"#))
        }
    }

    @Test func organizationCreationIsLimitedPerUser() async throws {
        try await Self.withApp({ $0.organizationCreation = RateLimit(burst: 1, perMinute: 2) }) { api, _, clock in
            let alice = try await api.signIn()
            let bob = try await api.signIn()
            _ = try await api.createOrganization(alice, slug: "alice-1")
            let body = #"{"operation_id":"again","slug":"alice-2","display_name":"A","home_region":"eu-west"}"#
            Self.expectLimited(try await api.call(.post, "/orgs", token: alice.token, json: body), retryAfter: "30")
            // Bob's bucket is his own; reading is not limited.
            _ = try await api.createOrganization(bob, slug: "bob-1")
            #expect(try await api.call(.get, "/me", token: alice.token).status == .ok)
            clock.advance(.seconds(30))
            #expect(try await api.call(.post, "/orgs", token: alice.token, json: body).status == .created)
        }
    }

    @Test func chatWritesAreLimitedPerUser() async throws {
        try await Self.withApp({ $0.chatActions = RateLimit(burst: 3, perMinute: 120) }) { api, _, clock in
            let alice = try await api.signIn()
            let (org, project) = try await api.createOrganization(alice, slug: "chatty")
            let base = "/orgs/\(org)/projects/\(project)"
            let chat = try await api.openChat(alice, org: org, project: project)
            #expect(try await api.sendAction(alice, org: org, project: project, chat: chat, "ready").status == .ok)
            #expect(try await api.sendAction(alice, org: org, project: project, chat: chat, "ready").status == .ok)
            Self.expectLimited(try await api.sendAction(alice, org: org, project: project, chat: chat, "ready"), retryAfter: "1")
            Self.expectLimited(try await api.call(.post, "\(base)/chats", token: alice.token), retryAfter: "1")
            Self.expectLimited(try await api.call(.delete, "\(base)/chats/\(chat)", token: alice.token), retryAfter: "1")
            // Reads are not limited.
            #expect(try await api.call(.get, "\(base)/chats", token: alice.token).status == .ok)
            #expect(try await api.call(.get, "\(base)/counters", token: alice.token).status == .ok)
            clock.advance(.milliseconds(500))
            #expect(try await api.call(.delete, "\(base)/chats/\(chat)", token: alice.token).status == .noContent)
        }
    }
}

/// Over real sockets: the WebSocket cap per user, the idle timeout, the request timeout.
@Suite struct ConnectionLimitTests {
    static func withLiveApp(
        _ adjust: (inout LimitSettings) -> Void, _ body: @escaping @Sendable (Int, APIClient) async throws -> Void
    ) async throws {
        var configuration = AppConfiguration(
            jwtSecret: LiveInstance.jwtSecret, reconcileInterval: .seconds(3600), recoveryInterval: .seconds(3600))
        var limits = LimitSettings.generous
        adjust(&limits)
        configuration.limits = limits
        var logger = Logger(label: "connection-limit-tests")
        logger.logLevel = .critical
        let runtime = await PlatformRuntime(configuration: configuration, dependencies: .inMemory(), logger: logger)
        try await buildApplication(runtime: runtime).test(.live) { client in
            let port = try #require(client.port)
            try await body(port, APIClient(client))
        }
    }

    /// Opens the live WebSocket as a browser would (over a bare socket, to see every byte)
    /// and expects the server to switch protocols, then close at once: the close frame's
    /// code and reason, or nil when none arrived within 30 s (a generous bound: it comes
    /// in milliseconds unless the machine is starved).
    static func refusal(port: Int, path: String, token: String) async throws -> (code: Int, reason: String)? {
        let connection = try await RawConnection.connect(port: port)
        defer { Task { await connection.close() } }
        try await connection.send(
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Authorization: Bearer \(token)\r\n\r\n")
        guard let head = await connection.read(until: "\r\n\r\n", timeout: .seconds(30)), head.hasPrefix("HTTP/1.1 101") else {
            return nil
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let bytes = connection.receivedBytes
            if let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, bytes.count >= end + 2 {
                let frame = Array(bytes[end...])
                let length = Int(frame[1] & 0x7F)
                if frame[0] == 0x88, length >= 2, frame.count >= 2 + length {  // FIN + close, unmasked
                    let code = Int(frame[2]) << 8 | Int(frame[3])
                    return (code, String(decoding: frame[4..<(2 + length)], as: UTF8.self))
                }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    @Test func webSocketOpensAndConnectionsAreLimitedPerUser() async throws {
        try await Self.withLiveApp({
            $0.webSocketsPerUser = 2
            $0.webSocketOpens = RateLimit(burst: 3, perMinute: 6)
        }) { port, api in
            let alice = try await api.signIn()
            let bob = try await api.signIn()
            let (org, project) = try await api.createOrganization(alice, slug: "capped")
            #expect(try await api.call(
                .put, "/orgs/\(org)/projects/\(project)/members/\(bob.userID)", token: alice.token, json: #"{"role":"member"}"#
            ).status == .ok)
            let path = "/orgs/\(org)/projects/\(project)/live"
            let first = try #require(try await LiveWatcher.connect(port: port, path: path, token: alice.token)).0
            let second = try #require(try await LiveWatcher.connect(port: port, path: path, token: alice.token)).0

            // A third connection of Alice's is closed at once: 1013 Try Again Later.
            let capped = try #require(try await Self.refusal(port: port, path: path, token: alice.token), "capped")
            #expect(capped.code == 1013)
            #expect(capped.reason == "too_many_connections: retry after 5 s")

            // Bob is not affected; closing one of Alice's frees a slot.
            let bobs = try #require(try await LiveWatcher.connect(port: port, path: path, token: bob.token)).0
            await first.close()
            var again: LiveWatcher?
            for _ in 0..<100 where again == nil {
                again = try await LiveWatcher.connect(port: port, path: path, token: alice.token)?.0
                if again == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let reopened = try #require(again, "a freed slot was not given back")
            // Alice has now opened three (the capped attempt took no token): the next open,
            // with a slot free, is over the rate (burst 3, one more per 10 s).
            await reopened.close()
            await second.close()
            let limited = try #require(try await Self.refusal(port: port, path: path, token: alice.token), "limited")
            #expect(limited.code == 1013)
            #expect(limited.reason.hasPrefix("rate_limited: retry after "), "\(limited.reason)")
            await bobs.close()
        }
    }

    // Upper bounds in these tests are generous (30 s): the events come within about a second
    // of the configured timeouts, but a starved machine must not make them fail.

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        try await Self.withLiveApp({ $0.idleTimeout = .seconds(2) }) { port, _ in
            // A starved host may take longer than the timeout between connecting and sending, and
            // the server then rightly closes first: such an attempt proves nothing, so try again.
            for _ in 0..<5 {
                let connection = try await RawConnection.connect(port: port)
                guard (try? await connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) != nil,
                      let answered = await connection.read(until: "\r\n\r\n", timeout: .seconds(30))
                else {
                    await connection.close()
                    continue
                }
                #expect(answered.hasPrefix("HTTP/1.1 200"))
                let closedAfter = try #require(await connection.closed(within: .seconds(30)), "the idle connection stayed open")
                #expect(closedAfter > .milliseconds(1_500))
                await connection.close()
                return
            }
            Issue.record("no attempt got its request answered before the connection closed")
        }
    }

    @Test func aConnectionThatNeverCompletesARequestIsClosed() async throws {
        try await Self.withLiveApp({ $0.idleTimeout = .seconds(1) }) { port, _ in
            let silent = try await RawConnection.connect(port: port)
            let trickling = try await RawConnection.connect(port: port)
            // The blank line never comes (on a starved machine the deadline may already have closed it).
            try? await trickling.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            #expect(await silent.closed(within: .seconds(30)) != nil, "a silent connection stayed open")
            #expect(await trickling.closed(within: .seconds(30)) != nil, "a connection with half a request head stayed open")
            await silent.close()
            await trickling.close()
        }
    }

    @Test func aRequestStillUnansweredAtTheTimeoutGets503() async throws {
        try await Self.withLiveApp({ $0.requestTimeout = .seconds(1) }) { port, api in
            // A client announcing 10 bytes of body and sending one: the handler waits for the rest.
            let connection = try await RawConnection.connect(port: port)
            let started = ContinuousClock.now
            try await connection.send(
                "POST /auth/guest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{")
            let answer = try #require(await connection.read(until: "request_timeout", timeout: .seconds(30)))
            let elapsed = ContinuousClock.now - started
            #expect(answer.hasPrefix("HTTP/1.1 503"), "\(answer)")
            #expect(answer.lowercased().contains("retry-after: 1"))
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(30), "\(elapsed)")
            await connection.close()
            // Requests that finish in time are untouched.
            #expect(try await api.call(.post, "/auth/guest").status == .created)
        }
    }
}
