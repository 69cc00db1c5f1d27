import ArgumentParser
import Foundation
import Logging
import MigrationRunner
import ScaffoldCore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the generated PostgreSQL migrations to one region's database.",
        discussion: "Each migration applies in one transaction with its ledger row; re-running is a no-op; an applied migration whose text changed is refused (exit 2). Prefer DATABASE_URL in the environment to keep the password out of shell history.")

    @OptionGroup var options: BlueprintOptions
    @Option(help: "The region whose database this is.") var region: String
    @Option(help: "postgres://user:password@host:port/database (default: $DATABASE_URL).") var databaseURL: String?

    func run() async throws {
        guard let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ValidationError("give --database-url or set DATABASE_URL")
        }
        var logger = Logger(label: "scaffold.migrate")
        logger.logLevel = .warning
        do {
            let report = try await DatabaseMigrate.run(blueprint: options.blueprint, overlays: options.overlays, region: region, databaseURL: url, logger: logger)
            if report.isNoOp {
                print("region \(region): database is up to date (\(report.alreadyApplied.count) migrations already applied)")
            } else {
                print("region \(region): applied migrations \(report.applied.map(String.init).joined(separator: ", ")); \(report.alreadyApplied.count) were already applied")
            }
        } catch let error as MigrationError {
            if case .checksumMismatch = error { throw CommandFailure(code: 2, message: error.description) }
            throw CommandFailure(code: 1, message: error.description)
        }
    }
}
