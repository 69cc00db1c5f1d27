import Foundation
import PlatformAPI
import TestSupport
import Testing

/// platform-api's Redis client over TLS, as the generated platform sets it up for a store
/// with `tls: true` (HAProxy terminates TLS with a certificate for the store's host; the CA
/// comes with the client's Secret). Against a real `redis-server` serving TLS only.
@Suite(.serialized) struct RedisTLSTests {
    @Test func theClientVerifiesTheServerAndAuthenticatesOverTLS() async throws {
        guard try TestTools.require("redis-server"), try TestTools.require("openssl") else { return }
        let directory = try TemporaryDirectory(prefix: "redis-tls")
        let certificates = try PostgresTLSTests.Certificates.make(in: directory.url)
        let server = try await RedisServer.start(password: "tls-test-password", tls: certificates)
        defer { server.stop() }

        // As the generated ConfigMap and Secret give it to platform-api.
        let password = directory.url.appendingPathComponent("REDIS_PASSWORD")
        try "tls-test-password\n".write(to: password, atomically: true, encoding: .utf8)
        let configuration = try AppConfiguration.fromEnvironment([
            "JWT_SECRET": LiveInstance.jwtSecret, "CONFIG_TRANSPORT": "redis",
            "REDIS_HOST": "localhost", "REDIS_PORT": "\(server.port)", "REDIS_PASSWORD_FILE": password.path,
            "REDIS_TLS": "true", "REDIS_CACERT": certificates.authority,
        ])
        guard case .redis(let endpoint) = configuration.events else {
            Issue.record("the transport is not Redis")
            return
        }
        #expect(endpoint == server.endpoint)
        let connection = try await RedisConnection.connect(to: endpoint)
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        #expect(try await connection.send(["PUBLISH", "platform:probe", "x"]) == .integer(0))
        connection.close()

        // Plain TCP, another CA, a host the certificate does not name: refused.
        var plain = endpoint
        plain.tls = nil
        await #expect(throws: (any Error).self) { try await RedisConnection.connect(to: plain).send(["PING"]) }
        var otherAuthority = endpoint
        otherAuthority.tls = RedisTLS(rootCertificate: certificates.otherAuthority)
        await #expect(throws: (any Error).self) { try await RedisConnection.connect(to: otherAuthority).send(["PING"]) }
        var byAddress = endpoint
        byAddress.host = "127.0.0.1"
        await #expect(throws: (any Error).self) { try await RedisConnection.connect(to: byAddress).send(["PING"]) }

        #expect(throws: ConfigurationErrors.self) {
            try AppConfiguration.fromEnvironment([
                "JWT_SECRET": LiveInstance.jwtSecret, "CONFIG_TRANSPORT": "redis", "REDIS_TLS": "yes",
            ])
        }
    }
}
