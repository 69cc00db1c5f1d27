import Foundation
import HTTPTypes
import PlatformAPI
import PostgresNIO
import Testing

/// Two instances on one database, talking through one event transport (NOTIFY or Redis):
/// configuration hot reload, warm load, reconcile of missed events, revocation within one
/// second, and chat actions fanned out to WebSocket clients of the other instance.
enum CrossInstanceScenario {
    static func run(database: DatabaseSettings, events: AppConfiguration.Events) async throws {
        let a = try await LiveInstance.start(LiveInstance.configuration(database: database, events: events, name: "a"))
        let b: LiveInstance
        do {
            b = try await LiveInstance.start(LiveInstance.configuration(database: database, events: events, name: "b"))
        } catch {
            await a.stop()
            throw error
        }
        do {
            try await scenario(a: a, b: b, database: database, events: events)
        } catch {
            await a.stop()
            await b.stop()
            throw error
        }
        await a.stop()
        await b.stop()
    }

    /// Waits until `condition` holds, polling every millisecond; returns the time it took.
    static func waitUntil(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if try await condition() { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }

    static func scenario(a: LiveInstance, b: LiveInstance, database: DatabaseSettings, events: AppConfiguration.Events) async throws {
        let label = events == .postgres ? "LISTEN/NOTIFY" : "Redis"
        try await a.withClient { apiA in
            try await b.withClient { apiB in
                // Configuration: written on A, swapped into B's memory.
                let admin = try await apiA.signInAdmin(key: LiveInstance.adminKey)
                let created = try await apiA.call(
                    .put, "/configs/chat.banner", token: admin.token, json: #"{"value":"hello"}"#, headers: [.ifNoneMatch: "*"])
                #expect(created.status == .created)
                var delays: [Duration] = []
                for version in 2...6 {
                    let start = ContinuousClock.now
                    let put = try await apiA.call(
                        .put, "/configs/chat.banner", token: admin.token, json: #"{"value":"v\#(version)"}"#,
                        headers: [.ifMatch: "\"\(version - 1)\""])
                    #expect(put.status == .ok)
                    let waited = try await waitUntil(timeout: .seconds(2)) { b.runtime.configCache.version(of: "chat.banner") == Int64(version) }
                    #expect(waited != nil, "\(label): B did not reload version \(version)")
                    delays.append(ContinuousClock.now - start)
                }
                let onB = try await apiB.call(.get, "/configs/chat.banner", token: admin.token)
                #expect(onB.json["value"] == .string("v6"))
                #expect(onB.headers[.eTag] == "\"6\"")
                // A stale version is refused on the other instance too: it checks SQL, not its copy.
                let stale = try await apiB.call(
                    .put, "/configs/chat.banner", token: admin.token, json: #"{"value":"late"}"#, headers: [.ifMatch: "\"5\""])
                #expect(stale.status == .preconditionFailed)
                print("\(label): config propagation A→B (PUT to swap) max \(delays.max()!)")

                // A change the transport never announced (written straight into SQL) is healed by the reconcile.
                if events != .postgres {
                    _ = try await TestServers.asSuperuser(database.database) { connection in
                        try await connection.query(
                            "UPDATE app.service_configs SET value = '\"healed\"', version = version + 1 WHERE key = 'chat.banner'",
                            logger: TestServers.logger)
                    }
                    #expect(b.runtime.configCache.version(of: "chat.banner") == 6)
                    #expect(try await b.runtime.configReloader.reconcile() == 1)
                    #expect(b.runtime.configCache.entry("chat.banner")?.value == .string("healed"))
                }

                // Revocation: revoked on A, refused by B within one second.
                let guest = try await apiA.signIn()
                #expect(try await apiB.call(.get, "/me", token: guest.token).status == .ok)
                let (org, project) = try await apiA.createOrganization(guest, slug: "fanout")
                let chat = try await apiA.openChat(guest, org: org, project: project)

                // Fan-out: a client of B sees an action sent through A.
                let path = "/orgs/\(org)/projects/\(project)/live"
                guard let (watcher, snapshot) = try await LiveWatcher.connect(port: b.port, path: path, token: guest.token, subprotocol: true) else {
                    Issue.record("\(label): the live connection was refused")
                    return
                }
                #expect(snapshot.contains(#""type":"counters""#))
                #expect(try await apiA.sendAction(guest, org: org, project: project, chat: chat, "deployed").status == .ok)
                let update = await watcher.next(timeout: .seconds(3))
                #expect(update == #"{"action":"deployed","count":1,"project_id":"\#(project)","type":"action"}"#, "\(label)")

                let revoked = ContinuousClock.now
                #expect(try await apiA.call(.post, "/auth/revoke", token: guest.token).status == .noContent)
                let refusedAfter = try await waitUntil(timeout: .seconds(1)) {
                    try await apiB.call(.get, "/me", token: guest.token).status == .unauthorized
                }
                #expect(refusedAfter != nil, "\(label): B still accepted a token revoked on A after 1 s")
                print("\(label): revocation refused on B after \(ContinuousClock.now - revoked)")
                // B also closes the live connection of the revoked token.
                #expect(await watcher.ended(within: .seconds(2)), "\(label): the revoked token's WebSocket stayed open")
                await watcher.close()

                // A revocation whose event never came (written straight into SQL): the reload
                // that heals it refuses the token and closes its WebSockets, as the event would.
                let missed = try await apiA.signIn()
                let (missedOrg, missedProject) = try await apiA.createOrganization(missed, slug: "missed-event")
                guard let (missedWatcher, _) = try await LiveWatcher.connect(
                    port: b.port, path: "/orgs/\(missedOrg)/projects/\(missedProject)/live", token: missed.token, subprotocol: true)
                else {
                    Issue.record("\(label): the live connection was refused")
                    return
                }
                _ = try await TestServers.asSuperuser(database.database) { connection in
                    try await connection.query(
                        "INSERT INTO app.token_denylist (jti, expires_at) VALUES (\(missed.jti), now() + interval '15 minutes')",
                        logger: TestServers.logger)
                }
                #expect(try await apiB.call(.get, "/me", token: missed.token).status == .ok)
                try await b.runtime.reloadDenylist()
                #expect(try await apiB.call(.get, "/me", token: missed.token).status == .unauthorized)
                #expect(await missedWatcher.ended(within: .seconds(2)), "\(label): a revocation learned by reload left the WebSocket open")
                await missedWatcher.close()

                if case .redis(let endpoint) = events {
                    // The publishers' connections dropped (a Redis restart or proxy timeout does
                    // this): a revocation still returns at once and still reaches B.
                    let admin = try await RedisConnection.connect(to: endpoint)
                    _ = try await admin.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])
                    admin.close()
                    let second = try await apiA.signIn()
                    #expect(try await apiB.call(.get, "/me", token: second.token).status == .ok)
                    let start = ContinuousClock.now
                    #expect(try await apiA.call(.post, "/auth/revoke", token: second.token).status == .noContent)
                    let took = ContinuousClock.now - start
                    #expect(took < .seconds(2), "\(label): revoke after the publisher was killed took \(took)")
                    let refused = try await waitUntil(timeout: .seconds(1)) {
                        try await apiB.call(.get, "/me", token: second.token).status == .unauthorized
                    }
                    #expect(refused != nil, "\(label): B accepted a token revoked on A after the publisher reconnected")
                    print("\(label): revoke with a killed publisher took \(took); refused on B after \(ContinuousClock.now - start)")
                }
            }
        }
        // Warm load: a new instance holds the current configuration before it reports ready.
        let c = try await LiveInstance.start(LiveInstance.configuration(database: database, events: events, name: "c"))
        let expected: Int64 = events == .postgres ? 6 : 7
        #expect(c.runtime.configCache.version(of: "chat.banner") == expected)
        await c.stop()
    }
}
