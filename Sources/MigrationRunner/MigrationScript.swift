import Crypto
import Foundation

/// A migration as the runner sees it: a version, a name and the SQL text.
///
/// The generator's `Templates.Migration` maps one-to-one onto this
/// (`MigrationScript(version: m.version, name: m.name, sql: m.sql)`); the service's migration
/// Job loads the same files from disk with `load(from:)`. Both give the same checksum, because
/// the checksum covers the exact file text.
public struct MigrationScript: Sendable, Equatable {
    /// Applies in ascending order; each version is applied at most once per database.
    public var version: Int
    /// Short name (`roles_and_schema`), recorded in the ledger.
    public var name: String
    /// The complete SQL text; several statements, run in one transaction.
    public var sql: String

    /// Creates a script.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Lower-case hexadecimal SHA-256 of the UTF-8 SQL text: any change, even whitespace, changes it.
    public var checksum: String {
        SHA256.hash(data: Data(sql.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// `0001_roles_and_schema`.
    public var label: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }

    /// A folder of migration files that cannot be loaded.
    public struct LoadError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Loads every `NNNN_name.sql` file of `directory`, sorted by version. Other `.sql` file
    /// names, and two files with the same version, are errors (a typo must not silently skip a
    /// migration); files with other extensions are ignored.
    public static func load(from directory: URL) throws -> [MigrationScript] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw LoadError(description: "cannot list migrations in \(directory.path): \(error.localizedDescription)")
        }
        var scripts: [MigrationScript] = []
        for fileName in names.sorted() where fileName.hasSuffix(".sql") {
            let stem = fileName.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                let version = Int(stem[..<underscore]), version > 0,
                stem[..<underscore].allSatisfy(\.isASCII),
                isValidName(String(stem[stem.index(after: underscore)...]))
            else {
                throw LoadError(
                    description: "\(directory.path)/\(fileName): a migration file must be named NNNN_name.sql (digits, underscore, lower-case name)")
            }
            let url = directory.appendingPathComponent(fileName)
            guard let data = FileManager.default.contents(atPath: url.path),
                let sql = String(data: data, encoding: .utf8)
            else {
                throw LoadError(description: "\(url.path): cannot read the file as UTF-8")
            }
            scripts.append(MigrationScript(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        scripts.sort { $0.version < $1.version }
        for (previous, next) in zip(scripts, scripts.dropFirst()) where previous.version == next.version {
            throw LoadError(
                description: "\(directory.path): two migrations have version \(next.version) (\(previous.label), \(next.label))")
        }
        return scripts
    }

    /// Names are lower-case snake_case: `[a-z0-9_]+`.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
