import Foundation
import Logging
import PlatformAPI

/// `platform-api [serve]` runs the service; `platform-api migrate` applies the database
/// migrations (the migration Job). Configuration comes from environment variables only
/// (see `AppConfiguration`); SIGTERM/SIGINT stop the service gracefully.
@main
enum Main {
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        let command = CommandLine.arguments.dropFirst().first ?? "serve"
        let level = Logger.Level(rawValue: (environment["LOG_LEVEL"] ?? environment["PLATFORM_API_LOG_LEVEL"])?.lowercased() ?? "info") ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
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
        let app = await buildApplication(configuration: configuration, logger: logger)
        do {
            try await app.runService()
        } catch {
            logger.critical("platform-api stopped", metadata: ["error.type": "\(type(of: error))"])
            exit(1)
        }
    }
}
