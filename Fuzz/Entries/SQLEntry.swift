public import Foundation
import MigrationRunner

extension FuzzEntry {
    /// The migration runner's statement splitter: statements come in script order,
    /// each non-empty, trimmed, and starting on a line of the script.
    public static func sql(_ input: Data) {
        let script = String(decoding: input, as: UTF8.self)
        guard let statements = try? SQLStatementSplitter.split(script) else { return }
        let lineCount = script.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        var previous = 1
        for statement in statements {
            check(!statement.text.isEmpty, "an empty statement")
            check(statement.line >= previous && statement.line <= lineCount, "statement line \(statement.line) out of order")
            check(statement.text.utf8.last.map { !SQLStatementSplitter.isSQLWhitespace($0) } ?? false, "untrimmed statement")
            previous = statement.line
        }
    }
}
