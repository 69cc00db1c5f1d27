import BlueprintModel
import Foundation
import HummingbirdTesting
import Logging
import PlatformAPI
import ScaffoldCore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension DatabaseBackedTests {
    /// `scaffold dev`'s orchestration: the plan read from the example blueprint, then a real
    /// session (PostgreSQL, Redis, migrations, the built platform-api executable) that
    /// serves requests and leaves nothing behind when stopped.
    @Suite struct DevSessionTests {
        static var galaxy: String { TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.yaml").path }

        @Test func planFollowsTheBlueprint() throws {
            let loaded = try Pipeline.load(blueprint: Self.galaxy)
            let plan = try DevPlan.make(from: loaded)
            #expect(plan.environment == "dev-local")
            #expect(plan.regions == ["tr"])
            #expect(plan.transport == .redis)
            #expect(plan.servicePort == 8080)
            #expect(plan.serviceConfig["LOG_LEVEL"] == "info")
            #expect(throws: DevPlan.Problem.self) { try DevPlan.make(from: loaded, environment: "nowhere") }

            // Without CONFIG_TRANSPORT: redis, PostgreSQL LISTEN/NOTIFY and no Redis.
            let folder = try TemporaryDirectory(prefix: "dev-plan")
            let text = try String(contentsOfFile: Self.galaxy, encoding: .utf8).replacingOccurrences(of: "CONFIG_TRANSPORT: redis", with: "CONFIG_TRANSPORT: postgres")
            try text.write(to: folder.url.appendingPathComponent("galaxy.yaml"), atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(
                at: TestTools.packageRoot.appendingPathComponent("blueprints/galaxy.pins.yaml"),
                to: folder.url.appendingPathComponent("galaxy.pins.yaml"))
            let postgresOnly = try DevPlan.make(from: Pipeline.load(blueprint: folder.url.appendingPathComponent("galaxy.yaml").path))
            #expect(postgresOnly.transport == .postgres)
        }

        /// The built `platform-api` beside the test bundle.
        static var platformAPI: String {
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("platform-api").path
        }

        @Test func sessionRunsPlatformAPIAndCleansUp() async throws {
            guard try TestTools.require("initdb"), try TestTools.require("redis-server") else { return }
            guard FileManager.default.isExecutableFile(atPath: Self.platformAPI) else {
                Issue.record("build the platform-api product first (swift build --product platform-api): \(Self.platformAPI)")
                return
            }
            let plan = try DevPlan.make(from: Pipeline.load(blueprint: Self.galaxy))
            let lines = LinesCollector()
            let session = try await DevSession.start(
                plan: plan, options: .init(platformAPI: Self.platformAPI, logLevel: "warning"), logger: TestServers.logger
            ) { lines.append($0) }
            let folders = session.temporaryFolders
            do {
                #expect(lines.all.contains { $0.contains("starting redis-server") })
                #expect(lines.all.contains { $0.contains("migrations") })
                let port = try #require(URLComponents(string: session.endpoints.url)?.port)
                try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                    let api = APIClient(live: client)
                    #expect(try await api.call(.get, "/readyz").status == .ok)
                    #expect(try await api.call(.get, "/regions").text == #"{"regions":["tr"],"restricted":true}"#)
                    let guest = try await api.signIn()
                    let (org, project) = try await api.createOrganization(guest, slug: "dev-org", key: "dev-1", region: "tr")
                    let chat = try await api.openChat(guest, org: org, project: project)
                    #expect(try await api.sendAction(guest, org: org, project: project, chat: chat, "ready").status == .ok)
                    // The admin key file is private to the owner.
                    let attributes = try FileManager.default.attributesOfItem(atPath: session.endpoints.adminKeyFile)
                    #expect((attributes[.posixPermissions] as? Int) == 0o600)
                    let key = try String(contentsOfFile: session.endpoints.adminKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                    _ = try await api.signInAdmin(key: key)
                }
            } catch {
                await session.stop()
                throw error
            }
            await session.stop()
            #expect(!session.isRunning)
            // SIGTERM drained platform-api gracefully: it exited by itself, with status 0.
            #expect(session.serviceExitStatus == 0)
            for folder in folders {
                #expect(!FileManager.default.fileExists(atPath: folder), "\(folder) was left behind")
            }
        }
    }
}

/// Progress lines, collected from any thread.
final class LinesCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
