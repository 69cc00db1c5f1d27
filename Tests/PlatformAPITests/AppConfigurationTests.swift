import MigrationRunner
import PlatformAPI
import Testing

/// Configuration from environment variables, as the generated Deployment sets them.
@Suite struct AppConfigurationTests {
    @Test func readsTheBlueprintsNames() throws {
        let configuration = try AppConfiguration.fromEnvironment([
            "JWT_SECRET": String(repeating: "s", count: 40),
            "CONFIG_TRANSPORT": "redis",
            "REDIS_HOST": "cache.platform.svc", "REDIS_PORT": "6380", "REDIS_PASSWORD": "redis-pass",
            "DATABASE_HOST": "postgres.platform.svc", "DATABASE_PORT": "5433", "DATABASE_NAME": "scaffold",
            "DATABASE_PASSWORD": "db-pass", "LOG_LEVEL": "debug", "PLATFORM_API_REGIONS": "tr, es",
        ])
        #expect(configuration.events == .redis(RedisEndpoint(host: "cache.platform.svc", port: 6380, password: "redis-pass")))
        #expect(configuration.database.host == "postgres.platform.svc")
        #expect(configuration.database.port == 5433)
        #expect(configuration.database.username == "scaffold_app")
        #expect(configuration.database.password == "db-pass")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.allowedRegions == ["es", "tr"])
        #expect(configuration.port == 8080)
    }

    @Test func aClusterAcceptsOrganizationsHomedInItsRegion() throws {
        let secret = String(repeating: "s", count: 40)
        #expect(try AppConfiguration.fromEnvironment(["JWT_SECRET": secret, "SCAFFOLD_REGION": "tr"]).allowedRegions == ["tr"])
        #expect(try AppConfiguration.fromEnvironment(["JWT_SECRET": secret, "SCAFFOLD_REGION": "tr", "PLATFORM_API_REGIONS": "es,tr"]).allowedRegions == ["es", "tr"])
        #expect(try AppConfiguration.fromEnvironment(["JWT_SECRET": secret]).allowedRegions == [])
    }

    @Test func databaseURLAndOverrides() throws {
        let configuration = try AppConfiguration.fromEnvironment([
            "JWT_SECRET": String(repeating: "s", count: 40),
            "DATABASE_URL": "postgres://scaffold_app:pw@db.example:6543/platform?sslmode=require",
            "DATABASE_NAME": "other",
        ])
        #expect(configuration.events == .postgres)
        #expect(configuration.database.host == "db.example")
        #expect(configuration.database.port == 6543)
        #expect(configuration.database.password == "pw")
        #expect(configuration.database.database == "other")
        #expect(configuration.database.sslMode == .require)
    }

    @Test func reportsEveryProblemAtOnceWithoutEchoingSecrets() {
        do {
            _ = try AppConfiguration.fromEnvironment([
                "JWT_SECRET": "too-short-secret", "CONFIG_TRANSPORT": "kafka", "PORT": "99999", "LOG_LEVEL": "loud",
            ])
            Issue.record("an invalid environment was accepted")
        } catch {
            #expect(error.problems.count == 4, "\(error.problems)")
            #expect(!error.description.contains("too-short-secret"))
        }
    }
}
