import ArgumentParser
import BlueprintModel
import Dispatch
import Foundation
import Logging
import ScaffoldCore

/// `scaffold dev BLUEPRINT`: the dev-local environment without a cluster. Starts a
/// throwaway PostgreSQL (and Redis when the blueprint chooses it) on loopback, applies
/// the generated migrations, runs platform-api and prints its URL. Ctrl-C stops
/// everything and removes the temporary data.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run platform-api locally on a throwaway PostgreSQL (no cluster needed)."
    )

    @Argument(help: "The blueprint file.")
    var blueprint: String

    @Option(help: "Folder of environment overlays.")
    var overlays: String?

    @Option(help: "The local environment (default: the one with a local cluster, or dev-local).")
    var environment: String?

    @Option(help: "Port for platform-api on 127.0.0.1 (default: the blueprint's, or a free one).")
    var port: Int = 0

    @Option(help: "The platform-api executable (default: beside this scaffold).")
    var platformAPI: String?

    @Option(help: "platform-api's log level.")
    var logLevel: String = "info"

    func run() async throws {
        let loaded: LoadedBlueprint
        do {
            loaded = try Pipeline.load(blueprint: blueprint, overlays: overlays)
        } catch {
            Console.print(diagnostics: error.diagnostics)
            throw ExitCode(1)
        }
        let plan: DevPlan
        do {
            plan = try DevPlan.make(from: loaded, environment: environment)
        } catch {
            Console.error(error.description)
            throw ExitCode(1)
        }
        // Ctrl-C and SIGTERM are handled here, so the children are stopped in order.
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (signals, received) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { received.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        var logger = Logger(label: "scaffold.dev")
        logger.logLevel = .warning
        let options = DevSession.Options(
            platformAPI: platformAPI ?? DevSession.Options.besideExecutable(), port: port, logLevel: logLevel)
        let session: DevSession
        do {
            session = try await DevSession.start(plan: plan, options: options, logger: logger) { line in
                FileHandle.standardError.write(Data("· \(line)\n".utf8))
            }
        } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
        let endpoints = session.endpoints
        var summary = """

            platform-api is running (\(plan.environment), events over \(plan.transport.rawValue)):

              \(Console.green(endpoints.url))

              database   \(endpoints.databaseURL)
            """
        if let redis = endpoints.redis { summary += "\n  redis      \(redis)" }
        summary += "\n  regions    \(plan.regions.joined(separator: ", "))"
        summary += "\n  admin key  in \(endpoints.adminKeyFile) (for POST /auth/admin)"
        summary += "\n\nPress Ctrl-C to stop everything and remove the temporary data.\n"
        print(summary)

        // Wait for a signal, or for platform-api to end on its own.
        let watcher = Task {
            while session.isRunning { try? await Task.sleep(for: .milliseconds(250)) }
            received.yield(0)
        }
        var iterator = signals.makeAsyncIterator()
        let reason = await iterator.next() ?? 0
        watcher.cancel()
        FileHandle.standardError.write(Data("· stopping platform-api, \(endpoints.redis == nil ? "" : "Redis, ")PostgreSQL\n".utf8))
        let exited = session.serviceExitStatus
        await session.stop()
        FileHandle.standardError.write(Data("· stopped; temporary data removed\n".utf8))
        if reason == 0, let exited, exited != 0 {
            Console.error("platform-api exited with status \(exited)")
            throw ExitCode(1)
        }
    }
}
