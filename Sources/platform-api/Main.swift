import Foundation
import Logging
import PlatformAPI
import ServiceLifecycle

/// `platform-api [serve]` runs the service; `platform-api migrate` applies the database
/// migrations (the migration Job). Configuration comes from environment variables only
/// (see `AppConfiguration`, and `TraceExport` for traces); SIGTERM/SIGINT stop the service
/// gracefully, the trace exporter last. Log lines carry the request id and the trace id of
/// the request they were written for.
@main
enum Main {
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        let command = CommandLine.arguments.dropFirst().first ?? "serve"
        let level = Logger.Level(rawValue: (environment["LOG_LEVEL"] ?? environment["PLATFORM_API_LOG_LEVEL"])?.lowercased() ?? "info") ?? .info
        LoggingSystem.bootstrap(
            { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
            metadataProvider: .multiplex([RequestIdentity.metadataProvider, TraceExport.metadataProvider]))
        let logger = Logger(label: "platform-api")
        switch command {
        case "serve":
            await serve(environment: environment, logger: logger)
        case "migrate":
            do {
                let outcome = try await MigrationJob.run(environment: environment, logger: logger)
                logger.info(
                    "migrations applied",
                    metadata: ["applied": "\(outcome.applied)", "already_applied": "\(outcome.alreadyApplied)"])
            } catch {
                logger.critical("migration failed", metadata: ["error": "\(error)"])
                exit(1)
            }
        case "help", "--help", "-h":
            print("usage: platform-api [serve | migrate]\nConfiguration is read from environment variables (see README).")
        default:
            FileHandle.standardError.write(Data("error: unknown command `\(command)`; use `serve` or `migrate`\n".utf8))
            exit(64)
        }
    }

    static func serve(environment: [String: String], logger: Logger) async {
        let configuration: AppConfiguration
        do {
            configuration = try AppConfiguration.fromEnvironment(environment)
        } catch {
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            exit(78)
        }
        let telemetry: (any Service)?
        do {
            let traces = try TraceExport.plan(environment: environment)
            telemetry = try traces.bootstrap(environment: environment, logger: Logger(label: "otel"))
            logger.info("traces", metadata: ["otel.exporter": "\(traces.summary)"])
        } catch let error as TraceExport.Problem {
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            exit(78)
        } catch {
            FileHandle.standardError.write(Data("error: traces: \(error)\n".utf8))
            exit(78)
        }
        let app = await buildApplication(configuration: configuration, telemetry: telemetry.map { [$0] } ?? [], logger: logger)
        do {
            try await app.runService()
        } catch {
            logger.critical("platform-api stopped", metadata: ["error.type": "\(type(of: error))"])
            exit(1)
        }
    }
}
