import Foundation
import Logging
import MigrationRunner

/// `platform-api migrate`: what the generated migration Job runs before the Deployment
/// rolls out. It applies the migration files shipped in the image (`db/migrations`, the
/// same files `scaffold generate` writes) as the migrator role, each exactly once.
public enum MigrationJob {
    /// What the job did, for its log.
    public struct Outcome: Sendable {
        /// Versions applied now.
        public var applied: [Int]
        /// Versions found already applied.
        public var alreadyApplied: [Int]
    }

    /// Reads `MIGRATION_DATABASE_URL` (the migrator's URL; its password comes from
    /// `PGPASSWORD` or, as the generated Job does it, the file `PGPASSWORD_FILE` names, and
    /// is never logged) and `PLATFORM_API_MIGRATIONS_DIR` (default `db/migrations`).
    public static func run(environment given: [String: String], logger: Logger) async throws -> Outcome {
        let (environment, problems) = EnvironmentFiles.resolve(given, names: ["MIGRATION_DATABASE_URL", "PGPASSWORD"])
        if !problems.isEmpty { throw ConfigurationErrors(problems: problems.map(\.description)) }
        guard let url = environment["MIGRATION_DATABASE_URL"], !url.isEmpty else {
            throw ConfigurationErrors(problems: ["MIGRATION_DATABASE_URL must be set to the migrator role's database URL"])
        }
        let directory = URL(fileURLWithPath: environment["PLATFORM_API_MIGRATIONS_DIR"] ?? "db/migrations")
        let scripts = try MigrationScript.load(from: directory)
        guard !scripts.isEmpty else {
            throw ConfigurationErrors(problems: ["no migration files in \(directory.path)"])
        }
        let databaseURL = try DatabaseURL(url, environment: environment)
        var logger = logger
        logger[metadataKey: "database"] = "\(databaseURL)"
        let report = try await MigrationRunner().apply(scripts, configuration: databaseURL.configuration(), logger: logger)
        return Outcome(applied: report.applied, alreadyApplied: report.alreadyApplied)
    }
}
