import Foundation
import Manifests
import MigrationRunner
import PlatformAPI
import ScaffoldCore
import Templates
import TestSupport
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

/// The generated Deployment and the service agree: every file the Deployment names is one
/// platform-api reads as a file, and the ConfigMap's settings parse.
@Suite struct GeneratedConfigurationTests {
    @Test func theGeneratedPlatformAPIDeploymentConfiguresTheServiceItRuns() throws {
        let loaded = try Pipeline.load(blueprint: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path)
        var checked = 0
        for context in ClusterContext.all(loaded) {
            let file = try #require(GitOpsTree.files(for: context).first { $0.path.hasSuffix("/platform-api.yaml") && $0.path.contains("/apps/") })
            let objects = try ManifestReader.objects(file.contents, file: file.path)
            let deployment = try #require(objects.first { $0.kind == "Deployment" })
            let container = try #require(deployment.body["spec"]?["template"]?["spec"]?["containers"]?.items.first)
            let files = (container["env"]?.items ?? []).compactMap { $0["name"]?.string }.filter { $0.hasSuffix("_FILE") }
            #expect(!files.isEmpty)
            for name in files {
                #expect(AppConfiguration.fileVariables.contains(String(name.dropLast(5))), "\(context.scope.name): platform-api does not read \(name)")
            }
            // The ConfigMap's settings, with placeholder files for the secrets, make a valid configuration.
            let config = try #require(objects.first { $0.kind == "ConfigMap" }?.body["data"]?.stringMap)
            let directory = try TemporaryDirectory()
            var environment = config
            for name in files {
                let path = directory.url.appendingPathComponent(name).path
                try String(repeating: "x", count: 40).write(toFile: path, atomically: true, encoding: .utf8)
                environment[name] = path
            }
            for (key, value) in config where value.hasPrefix(ServiceCredentials.directory + "/") {
                let path = directory.url.appendingPathComponent(key).path
                try "-----BEGIN CERTIFICATE-----\n".write(toFile: path, atomically: true, encoding: .utf8)
                environment[key] = path
            }
            let configuration = try AppConfiguration.fromEnvironment(environment)
            #expect(configuration.database.sslMode == .verifyFull && configuration.database.sslRootCertificate != nil)
            #expect(configuration.allowedRegions == [context.scope.region])
            if case .redis(let endpoint) = configuration.events {
                #expect(endpoint.password != nil && endpoint.tls != nil, "\(context.scope.name)")
            } else {
                Issue.record("\(context.scope.name): galaxy's platform-api uses Redis")
            }
            checked += 1
        }
        #expect(checked == 5)
    }
}
