import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PlatformAPI
import Synchronization
import Testing

/// Routes against in-memory repositories (`app.test(.router)`): auth, validation, the
/// canned-action rule, the chat cap, optimistic concurrency, metrics, logs.
@Suite struct RouterTests {
    static func makeRuntime(logSink: JSONLogSink? = nil) async -> PlatformRuntime {
        var logger = Logger(label: "router-tests") { label in JSONLogHandler(label: label, level: .debug, sink: logSink ?? .capturing()) }
        logger.logLevel = .debug
        var configuration = AppConfiguration(
            jwtSecret: LiveInstance.jwtSecret, adminKey: LiveInstance.adminKey, allowedRegions: ["eu-west", "us-east"],
            reconcileInterval: .seconds(3600), recoveryInterval: .seconds(3600))
        configuration.limits = .generous  // LimitTests covers the limits
        return await PlatformRuntime(configuration: configuration, dependencies: .inMemory(), logger: logger)
    }

    static func withApp(logSink: JSONLogSink? = nil, _ body: @escaping @Sendable (APIClient, PlatformRuntime) async throws -> Void) async throws {
        let runtime = await makeRuntime(logSink: logSink)
        let app = buildApplication(runtime: runtime)
        try await app.test(.router) { client in
            try await body(APIClient(client), runtime)
        }
    }

    @Test func guestSignInIssuesShortLivedTokenWithoutPersonalData() async throws {
        try await Self.withApp { api, runtime in
            let response = try await api.call(.post, "/auth/guest")
            #expect(response.status == .created)
            #expect(response.json["expires_in"] == .number(900))
            let key = response.object("user")["guest_key"]
            guard case .string(let guestKey)? = key else { Issue.record("no guest key"); return }
            #expect(guestKey.range(of: "^guest-[0-9]{4,}$", options: .regularExpression) != nil)
            // Nothing personal is accepted, not even voluntarily.
            let withName = try await api.call(.post, "/auth/guest", json: #"{"email":"a@b.c"}"#)
            #expect(withName.status == .unprocessableContent)
            let token = try #require(response.string("access_token"))
            let guest = try await runtime.tokens.verify(token)
            #expect(guest.expiresAt.timeIntervalSinceNow <= 15 * 60 + 1)
            #expect(guest.jti.count == 32)
            let me = try await api.call(.get, "/me", token: token)
            #expect(me.status == .ok)
            #expect(me.object("user")["guest_key"] == key)
        }
    }

    @Test func tokenLifetimeIsCappedAtFifteenMinutes() async throws {
        let tokens = await TokenService(secret: LiveInstance.jwtSecret, lifetime: 3600)
        #expect(tokens.lifetime == 900)
        let issued = try await tokens.issue(userID: UUID(), guestKey: "guest-0001")
        #expect(issued.claims.exp.value.timeIntervalSince(issued.claims.iat.value) == 900)
    }

    @Test func protectedRoutesNeedAValidToken() async throws {
        try await Self.withApp { api, _ in
            #expect(try await api.call(.get, "/me").status == .unauthorized)
            #expect(try await api.call(.get, "/me", token: "not-a-token").status == .unauthorized)
            let forged = await TokenService(secret: "another-secret-0123456789abcdef0123456789")
            let foreign = try await forged.issue(userID: UUID(), guestKey: "guest-0001")
            #expect(try await api.call(.get, "/me", token: foreign.token).status == .unauthorized)
            #expect(try await api.call(.post, "/orgs", json: "{}").status == .unauthorized)
        }
    }

    @Test func revokedTokenIsRefusedImmediately() async throws {
        try await Self.withApp { api, _ in
            let guest = try await api.signIn()
            #expect(try await api.call(.get, "/me", token: guest.token).status == .ok)
            #expect(try await api.call(.post, "/auth/revoke", token: guest.token).status == .noContent)
            let refused = try await api.call(.get, "/me", token: guest.token)
            #expect(refused.status == .unauthorized)
            #expect(refused.text.contains("revoked"))
            // Only an admin may revoke someone else's token.
            let other = try await api.signIn()
            let third = try await api.signIn()
            #expect(try await api.call(.post, "/auth/revoke", token: other.token, json: #"{"jti":"\#(third.jti)"}"#).status == .forbidden)
            let admin = try await api.signInAdmin(key: LiveInstance.adminKey)
            #expect(try await api.call(.post, "/auth/revoke", token: admin.token, json: #"{"jti":"\#(third.jti)"}"#).status == .noContent)
            #expect(try await api.call(.get, "/me", token: third.token).status == .unauthorized)
        }
    }

    @Test func adminSignInNeedsTheKey() async throws {
        try await Self.withApp { api, _ in
            #expect(try await api.call(.post, "/auth/admin", json: #"{"key":"wrong"}"#).status == .unauthorized)
            let admin = try await api.signInAdmin(key: LiveInstance.adminKey)
            let me = try await api.call(.get, "/me", token: admin.token)
            #expect(me.json["admin"] == .bool(true))
        }
    }

    @Test func organizationCreationIsIdempotentPerKey() async throws {
        try await Self.withApp { api, _ in
            let guest = try await api.signIn()
            let body = #"{"slug":"acme","display_name":"Acme","home_region":"eu-west"}"#
            let first = try await api.call(.post, "/orgs", token: guest.token, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            #expect(first.status == .created)
            #expect(first.string("status") == "COMMITTED")
            let again = try await api.call(.post, "/orgs", token: guest.token, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            #expect(again.status == .created)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(again.string("id") == first.string("id"))
            #expect(again.string("created_at") == first.string("created_at"))
            // The same key for a different request is refused; a new key for the same slug conflicts.
            let changed = try await api.call(
                .post, "/orgs", token: guest.token, json: #"{"operation_id":"k-1","slug":"acme","display_name":"Other","home_region":"eu-west"}"#)
            #expect(changed.status == .unprocessableContent)
            let taken = try await api.call(.post, "/orgs", token: guest.token, json: #"{"operation_id":"k-2","slug":"acme","display_name":"Acme","home_region":"eu-west"}"#)
            #expect(taken.status == .conflict)
            // Another user's identical key addresses their own operation, never this one.
            let other = try await api.signIn()
            let theirs = try await api.call(.post, "/orgs", token: other.token, json: #"{"operation_id":"k-1","slug":"acme-2","display_name":"Acme","home_region":"eu-west"}"#)
            #expect(theirs.status == .created)
            #expect(theirs.string("id") != first.string("id"))
        }
    }

    @Test func organizationInputIsValidated() async throws {
        try await Self.withApp { api, _ in
            let guest = try await api.signIn()
            let cases: [(String, String)] = [
                (#"{"slug":"acme","display_name":"Acme","home_region":"eu-west"}"#, "missing_operation_id"),
                (#"{"operation_id":"a","slug":"Acme!","display_name":"Acme","home_region":"eu-west"}"#, "invalid_slug"),
                (#"{"operation_id":"a","slug":"acme","display_name":"","home_region":"eu-west"}"#, "invalid_display_name"),
                (#"{"operation_id":"a","slug":"acme","display_name":"Acme","home_region":"mars"}"#, "unknown_region"),
                (#"{"operation_id":"a b","slug":"acme","display_name":"Acme","home_region":"eu-west"}"#, "invalid_operation_id"),
                (#"{"operation_id":"a","slug":"acme","display_name":"Acme","home_region":"eu-west","owner_email":"x@y.z"}"#, "unknown_field"),
            ]
            for (body, code) in cases {
                let response = try await api.call(.post, "/orgs", token: guest.token, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.object("error")["code"] == .string(code), "\(body): \(response.text)")
            }
        }
    }

    @Test func onlyCannedActionsAreAccepted() async throws {
        try await Self.withApp { api, _ in
            let guest = try await api.signIn()
            let (org, project) = try await api.createOrganization(guest, slug: "canned")
            let chat = try await api.openChat(guest, org: org, project: project)
            for action in CannedAction.allCases {
                #expect(try await api.sendAction(guest, org: org, project: project, chat: chat, action.rawValue).status == .ok)
            }
            let refused = [
                #"{"action":"hello world"}"#, #"{"action":"👍"}"#, #"{"action":"thumbs_up","text":"hi"}"#,
                #"{"message":"free text"}"#, #"{"action":42}"#, #"{"action":"THUMBS_UP"}"#, "{}",
            ]
            for body in refused {
                let response = try await api.call(.post, "/orgs/\(org)/projects/\(project)/chats/\(chat)/actions", token: guest.token, json: body)
                #expect(response.status == .unprocessableContent, "\(body) -> \(response.status)")
            }
            let counters = try await api.call(.get, "/orgs/\(org)/projects/\(project)/counters", token: guest.token)
            for action in CannedAction.allCases {
                #expect(counters.object("counters")[action.rawValue] == .number(1))
            }
        }
    }

    /// Every POST takes a JSON object or nothing: free text is a 422 everywhere, and a
    /// field a route does not know is a 422 too (including `POST …/chats`, which takes none).
    @Test func everyPostRefusesFreeText() async throws {
        try await Self.withApp { api, _ in
            let guest = try await api.signIn()
            let (org, project) = try await api.createOrganization(guest, slug: "freetext")
            let chat = try await api.openChat(guest, org: org, project: project)
            let routes = [
                "/auth/guest", "/auth/admin", "/auth/revoke", "/orgs", "/orgs/\(org)/projects",
                "/orgs/\(org)/projects/\(project)/chats", "/orgs/\(org)/projects/\(project)/chats/\(chat)/actions",
            ]
            for route in routes {
                for body in ["hello, is anyone there?", #""just a string""#, "[1,2]", #"{"message":"hi"}"#] {
                    let response = try await api.call(.post, route, token: guest.token, json: body)
                    #expect(response.status == .unprocessableContent, "POST \(route) \(body) -> \(response.status)")
                }
            }
            let chats = try await api.call(.get, "/orgs/\(org)/projects/\(project)/chats", token: guest.token)
            guard case .array(let open)? = chats.json["chats"] else { Issue.record("no chats"); return }
            #expect(open.count == 1, "no chat was opened by a refused body")
        }
    }

    @Test func openingAFourthChatClosesTheOldest() async throws {
        try await Self.withApp { api, _ in
            let guest = try await api.signIn()
            let (org, project) = try await api.createOrganization(guest, slug: "chats")
            var opened: [String] = []
            for _ in 0..<3 { opened.append(try await api.openChat(guest, org: org, project: project)) }
            let fourth = try await api.call(.post, "/orgs/\(org)/projects/\(project)/chats", token: guest.token)
            #expect(fourth.status == .created)
            #expect(fourth.object("closed")["id"] == .string(opened[0]))
            let list = try await api.call(.get, "/orgs/\(org)/projects/\(project)/chats", token: guest.token)
            guard case .array(let chats)? = list.json["chats"] else { Issue.record("no chats"); return }
            #expect(chats.count == 3)
            // The closed chat no longer takes actions.
            #expect(try await api.sendAction(guest, org: org, project: project, chat: opened[0], "ready").status == .notFound)
            #expect(try await api.sendAction(guest, org: org, project: project, chat: opened[1], "ready").status == .ok)
        }
    }

    @Test func configurationUsesOptimisticConcurrency() async throws {
        try await Self.withApp { api, runtime in
            let admin = try await api.signInAdmin(key: LiveInstance.adminKey)
            let guest = try await api.signIn()
            #expect(try await api.call(.get, "/configs/chat.theme", token: guest.token).status == .forbidden)
            #expect(try await api.call(.put, "/configs/chat.theme", token: admin.token, json: #"{"value":"dark"}"#).status == .preconditionRequired)
            let created = try await api.call(
                .put, "/configs/chat.theme", token: admin.token, json: #"{"value":"dark"}"#, headers: [.ifNoneMatch: "*"])
            #expect(created.status == .created)
            #expect(created.headers[.eTag] == "\"1\"")
            let updated = try await api.call(
                .put, "/configs/chat.theme", token: admin.token, json: #"{"value":{"mode":"light"}}"#, headers: [.ifMatch: "\"1\""])
            #expect(updated.status == .ok)
            #expect(updated.headers[.eTag] == "\"2\"")
            let stale = try await api.call(
                .put, "/configs/chat.theme", token: admin.token, json: #"{"value":"stale"}"#, headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.headers[.eTag] == "\"2\"")
            let read = try await api.call(.get, "/configs/chat.theme", token: admin.token)
            #expect(read.json["value"] == .object(["mode": .string("light")]))
            #expect(runtime.configCache.version(of: "chat.theme") == 2)
            let history = try await api.call(.get, "/configs/chat.theme/history", token: admin.token)
            guard case .array(let lines)? = history.json["history"] else { Issue.record("no history"); return }
            #expect(lines.count == 2)
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        try await Self.withApp { api, _ in
            _ = try await api.call(.get, "/healthz")
            let guest = try await api.signIn()
            let (org, project) = try await api.createOrganization(guest, slug: "metrics")
            let chat = try await api.openChat(guest, org: org, project: project)
            try await api.sendAction(guest, org: org, project: project, chat: chat, "deployed")
            let response = try await api.call(.get, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("# TYPE platform_api_http_requests_total counter"))
            #expect(text.contains(#"platform_api_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
            #expect(text.contains("# TYPE platform_api_http_request_duration_seconds histogram"))
            #expect(text.contains(#"platform_api_chat_actions_total{action="deployed"} 1"#))
            // Every sample line is `name{labels} value` or `name value`.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.range(of: #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|[+-]Inf|NaN)$"#, options: .regularExpression) != nil, "\(line)")
            }
            // Labels carry route patterns, never ids.
            #expect(!text.contains(org))
        }
    }

    @Test func logsAreJSONAndCarryNoSecrets() async throws {
        let sink = JSONLogSink.capturing()
        try await Self.withApp(logSink: sink) { api, _ in
            let guest = try await api.signIn()
            _ = try await api.createOrganization(guest, slug: "logs")
            _ = try await api.signInAdmin(key: LiveInstance.adminKey)
            let lines = sink.captured
            #expect(!lines.isEmpty)
            for line in lines {
                #expect((try? JSONValue(jsonText: line)) != nil, "\(line)")
                #expect(!line.contains(guest.token))
                #expect(!line.contains(LiveInstance.jwtSecret))
                #expect(!line.contains(LiveInstance.adminKey))
            }
            #expect(lines.contains { $0.contains("\"http.route\":\"/orgs\"") })
        }
    }

    @Test func healthAndReadiness() async throws {
        try await Self.withApp { api, _ in
            #expect(try await api.call(.get, "/healthz").status == .ok)
            // Ready once the warm load has run (in-memory: immediately).
            var ready = try await api.call(.get, "/readyz")
            for _ in 0..<100 where ready.status != .ok {
                try await Task.sleep(for: .milliseconds(20))
                ready = try await api.call(.get, "/readyz")
            }
            #expect(ready.status == .ok)
        }
    }

    /// A guest repository whose denylist cannot be read until `release()`.
    final class UnreadableDenylist: GuestRepository {
        let wrapped: any GuestRepository
        let readable = Mutex(false)
        init(_ wrapped: any GuestRepository) { self.wrapped = wrapped }
        func release() { readable.withLock { $0 = true } }
        func createGuest() async throws -> GuestUser { try await wrapped.createGuest() }
        func revoke(jti: String, expiresAt: Date) async throws { try await wrapped.revoke(jti: jti, expiresAt: expiresAt) }
        func denylist(now: Date) async throws -> [String: Date] {
            guard readable.withLock({ $0 }) else { throw ScenarioError("the database is not reachable yet") }
            return try await wrapped.denylist(now: now)
        }
        func purgeDenylist(expiredBefore: Date, limit: Int) async throws -> Int {
            try await wrapped.purgeDenylist(expiredBefore: expiredBefore, limit: limit)
        }
    }

    @Test func guardedRoutesAnswer503UntilTheDenylistIsRead() async throws {
        var dependencies = AppDependencies.inMemory()
        let guests = UnreadableDenylist(dependencies.repositories.guests)
        dependencies.repositories.guests = guests
        var configuration = AppConfiguration(jwtSecret: LiveInstance.jwtSecret, reconcileInterval: .seconds(3600))
        configuration.denylistWait = .milliseconds(50)
        let runtime = await PlatformRuntime(
            configuration: configuration, dependencies: dependencies, logger: Logger(label: "router-tests"))
        try await buildApplication(runtime: runtime).test(.router) { client in
            let api = APIClient(client)
            // Signing in needs no denylist; every guarded route waits, then refuses.
            // (The denylist stays unreadable until `release()` below, so a 503 shows the
            // request gave up after its wait instead of waiting for the gate.)
            let guest = try await api.signIn()
            let refused = try await api.call(.get, "/me", token: guest.token)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "1")
            #expect(refused.object("error")["code"] == .string("denylist_not_loaded"))
            #expect(try await api.call(.get, "/configs", token: guest.token).status == .serviceUnavailable)
            let notReady = try await api.call(.get, "/readyz")
            #expect(notReady.status == .serviceUnavailable)
            #expect(notReady.object("checks")["denylist_loaded"] == .string("failing"))
            #expect(try await api.call(.get, "/healthz").status == .ok)

            // The warm load retries; once it reads the denylist the same request passes.
            guests.release()
            let served = try await CrossInstanceScenario.waitUntil(timeout: .seconds(5)) {
                try await api.call(.get, "/me", token: guest.token).status == .ok
            }
            #expect(served != nil, "the instance kept refusing after the denylist became readable")
            #expect(runtime.denylistLoaded.isOpen)
        }
    }

    @Test func aWaitingRequestPassesWhenTheDenylistArrives() async throws {
        // Woken by `open()`, long before its timeout (the bound is loose: a loaded test host
        // can starve the cooperative pool for seconds).
        let gate = ReadinessGate()
        let started = ContinuousClock.now
        async let waited = gate.wait(upTo: .seconds(600))
        try await Task.sleep(for: .milliseconds(20))
        gate.open()
        #expect(await waited)
        #expect(ContinuousClock.now - started < .seconds(300))
        #expect(await ReadinessGate().wait(upTo: .milliseconds(10)) == false)
        #expect(await gate.wait(upTo: .zero))
    }
}
