/// What one `MigrationRunner.apply` call did.
public struct MigrationReport: Sendable, Equatable {
    /// Versions applied by this call, in order.
    public var applied: [Int]
    /// Versions that were already applied (their checksums matched).
    public var alreadyApplied: [Int]
    /// Versions recorded in the ledger that the given list does not contain and that are newer
    /// than all of it: the database was migrated by a newer build. Reported, not an error.
    public var newerInDatabase: [Int]

    public init(applied: [Int] = [], alreadyApplied: [Int] = [], newerInDatabase: [Int] = []) {
        self.applied = applied
        self.alreadyApplied = alreadyApplied
        self.newerInDatabase = newerInDatabase
    }

    /// True when the call changed nothing.
    public var isNoOp: Bool { applied.isEmpty }
}
