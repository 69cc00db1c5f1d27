public import BlueprintModel
public import Logging
public import MigrationRunner
import Templates

/// `scaffold migrate`: applies the generated migrations to one region's database.
/// The same migrations are what the ops tree ships (`db/migrations/`) and what the
/// runtime service and `scaffold dev` apply.
public enum DatabaseMigrate {
    /// The generated migrations as the runner takes them.
    public static func scripts() -> [MigrationScript] {
        DatabaseMigrations.migrations().map { MigrationScript(version: $0.version, name: $0.name, sql: $0.sql) }
    }

    /// Checks the region against the blueprint, then applies the migrations.
    public static func run(blueprint: String, overlays: String?, region: String, databaseURL: String, logger: Logger) async throws -> MigrationReport {
        let loaded = try Pipeline.load(blueprint: blueprint, overlays: overlays)
        guard loaded.base.region(region) != nil else {
            let ids = loaded.base.regions.map(\.id)
            throw DiagnosticsError([.error("unknown region `\(region)`", at: SourceLocation(file: blueprint, line: 1, column: 1),
                                           hint: Suggestion.hint(for: region, in: ids, noun: "region"))])
        }
        var logger = logger
        logger[metadataKey: "region"] = "\(region)"
        // As the migrator, whoever connects: a superuser on a fresh server sets it up first.
        return try await MigrationRunner(owner: DatabaseMigrations.migratorRole).apply(scripts(), databaseURL: databaseURL, logger: logger)
    }
}
