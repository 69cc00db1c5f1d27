import Foundation
import PlatformAPI
import Testing

extension DatabaseBackedTests {
    /// platform-api's RESP client and the Redis event transport against a real
    /// `redis-server` on loopback.
    @Suite(.redisServer) struct RedisTests {
        @Test func clientSpeaksToARealRedis() async throws {
            guard let redis = TestServers.redis else { return }
            let publisher = try await RedisConnection.connect(to: redis.endpoint)
            let subscriber = try await RedisConnection.connect(to: redis.endpoint)
            defer {
                publisher.close()
                subscriber.close()
            }
            #expect(try await publisher.send(["PING"]) == .simpleString("PONG"))
            #expect(try await publisher.send(["SET", "k", "v"]) == .simpleString("OK"))
            #expect(try await publisher.send(["GET", "k"]).string == "v")
            await #expect(throws: RedisError.self) { try await publisher.send(["NOSUCHCOMMAND"]) }
            // Pipelined commands get their own replies, in order.
            let replies = try await withThrowingTaskGroup(of: (Int, RESPValue).self) { group in
                for index in 0..<50 { group.addTask { (index, try await publisher.send(["ECHO", "m\(index)"])) } }
                var all: [Int: RESPValue] = [:]
                for try await (index, reply) in group { all[index] = reply }
                return all
            }
            for index in 0..<50 { #expect(replies[index]?.string == "m\(index)") }

            var pushes = try await subscriber.subscribe(["platform:test"])
            #expect(try await publisher.publish("hello", to: "platform:test") == 1)
            let message = await pushes.next()
            #expect(message == .array([.bulkString(Array("message".utf8)), .bulkString(Array("platform:test".utf8)), .bulkString(Array("hello".utf8))]))
        }

        @Test func transportDeliversEventsAndResynchronisesAfterReconnecting() async throws {
            guard let redis = TestServers.redis else { return }
            let transport = RedisEventTransport(endpoint: redis.endpoint, logger: TestServers.logger)
            let events = transport.received.subscribe()
            let runner = Task { try await transport.run() }
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == .resynchronise)
            try await transport.publish(.configChanged(key: "chat.banner", version: 7))
            #expect(await iterator.next() == .configChanged(key: "chat.banner", version: 7))
            // Drop every client connection: the transport reconnects and asks receivers to reconcile.
            let admin = try await RedisConnection.connect(to: redis.endpoint)
            _ = try await admin.send(["CLIENT", "KILL", "TYPE", "pubsub"])
            admin.close()
            #expect(await iterator.next() == .resynchronise)
            try await transport.publish(.tokenRevoked(jti: "abc"))
            #expect(await iterator.next() == .tokenRevoked(jti: "abc"))
            runner.cancel()
            _ = await runner.result
        }

        /// The publisher's connection dropped (`CLIENT KILL TYPE normal`: a Redis restart,
        /// failover or proxy idle timeout does the same): the next publish reconnects
        /// instead of waiting on a reply nobody will send.
        @Test func publisherReconnectsAfterItsConnectionIsKilled() async throws {
            guard let redis = TestServers.redis else { return }
            let transport = RedisEventTransport(endpoint: redis.endpoint, logger: TestServers.logger)
            let events = transport.received.subscribe()
            let runner = Task { try await transport.run() }
            defer { runner.cancel() }
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next() == .resynchronise)
            try await transport.publish(.tokenRevoked(jti: "before"))
            #expect(await iterator.next() == .tokenRevoked(jti: "before"))

            let admin = try await RedisConnection.connect(to: redis.endpoint)
            let killed = try await admin.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])
            admin.close()
            // At least the publisher's; a connection an earlier test closed may not be gone yet.
            guard case .integer(let count) = killed else {
                Issue.record("CLIENT KILL answered \(killed)")
                return
            }
            #expect(count >= 1, "the publisher's connection was among the normal clients killed")
            var slowest = Duration.zero
            for round in 0..<3 {
                let start = ContinuousClock.now
                try await transport.publish(.tokenRevoked(jti: "after-\(round)"))
                slowest = max(slowest, ContinuousClock.now - start)
                #expect(await iterator.next() == .tokenRevoked(jti: "after-\(round)"))
            }
            print("Redis: publish after the publisher's connection was killed, slowest \(slowest)")
            #expect(slowest < .seconds(2))
            runner.cancel()
            _ = await runner.result
        }

        /// A server that stops answering (`CLIENT PAUSE`): every command fails after the
        /// command timeout and the connection is closed, not left with a lost reply.
        @Test func commandsTimeOutOnASilentServer() async throws {
            guard let redis = TestServers.redis else { return }
            let admin = try await RedisConnection.connect(to: redis.endpoint)
            defer { admin.close() }
            let client = try await RedisConnection.connect(to: redis.endpoint, commandTimeout: .milliseconds(300))
            #expect(try await client.send(["PING"]) == .simpleString("PONG"))
            #expect(try await admin.send(["CLIENT", "PAUSE", "1500", "ALL"]) == .simpleString("OK"))
            let start = ContinuousClock.now
            await #expect(throws: RedisError.timeout) { try await client.send(["PING"]) }
            let waited = ContinuousClock.now - start
            #expect(waited >= .milliseconds(250) && waited < .milliseconds(1200), "\(waited)")
            await client.closed()
            #expect(!client.isActive)
            await #expect(throws: RedisError.connectionClosed) { try await client.send(["PING"]) }
            // After the pause a new connection works.
            try await Task.sleep(for: .milliseconds(1300))
            let fresh = try await RedisConnection.connect(to: redis.endpoint)
            #expect(try await fresh.send(["PING"]) == .simpleString("PONG"))
            fresh.close()
        }

        @Test func hotReloadRevocationAndFanOutAcrossInstancesWithRedis() async throws {
            guard TestServers.postgres != nil, let redis = TestServers.redis else { return }
            let database = try await TestServers.freshDatabase()
            try await CrossInstanceScenario.run(database: database, events: .redis(redis.endpoint))
        }
    }

    @Suite(.redisServer(password: "redis-test-password")) struct RedisAuthTests {
        @Test func clientAuthenticatesWithThePassword() async throws {
            guard let redis = TestServers.redis else { return }
            let connection = try await RedisConnection.connect(to: redis.endpoint)
            #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
            connection.close()
            var wrong = redis.endpoint
            wrong.password = "not-the-password"
            await #expect(throws: RedisError.server("authentication failed")) { try await RedisConnection.connect(to: wrong) }
            var none = redis.endpoint
            none.password = nil
            let anonymous = try await RedisConnection.connect(to: none)
            await #expect(throws: RedisError.self) { try await anonymous.send(["PING"]) }
            anonymous.close()
        }
    }
}
