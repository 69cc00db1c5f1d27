import MigrationRunner
import Testing

@Suite("SQL statement splitter")
struct SQLStatementSplitterTests {
    @Test("splits at semicolons outside quotes, identifiers, dollar quotes and comments")
    func splitsAtTopLevelSemicolons() throws {
        let script = """
            -- header; not a statement
            CREATE TABLE "a;b" (x text DEFAULT 'it''s; fine');
            /* block; /* nested; */ still comment; */
            SELECT E'back\\'slash;', $1;

            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
            BEGIN
                RETURN 1; -- inner;
            END
            $body$;
            DO $$ BEGIN PERFORM 1; END $$;
            SELECT a$b FROM t -- no final semicolon
            """
        let statements = try SQLStatementSplitter.split(script)
        #expect(statements.map(\.line) == [2, 4, 6, 11, 12])
        #expect(statements[0].text == "CREATE TABLE \"a;b\" (x text DEFAULT 'it''s; fine')")
        #expect(statements[1].text == "SELECT E'back\\'slash;', $1")
        #expect(statements[2].text.hasPrefix("CREATE FUNCTION f()"))
        #expect(statements[2].text.hasSuffix("END\n$body$"))
        #expect(statements[3].text == "DO $$ BEGIN PERFORM 1; END $$")
        #expect(statements[4].text == "SELECT a$b FROM t -- no final semicolon")
    }

    @Test("empty statements and trailing comments produce nothing")
    func dropsEmptyStatements() throws {
        #expect(try SQLStatementSplitter.split(";;\n  ;\n-- only a comment\n").isEmpty)
        #expect(try SQLStatementSplitter.split("SELECT 1;\n-- trailing\n").map(\.text) == ["SELECT 1"])
    }

    @Test("form feed and vertical tab are PostgreSQL whitespace; other Unicode spaces are not")
    func postgresWhitespace() throws {
        // Found by fuzzing (Fuzz/Regressions/sql): "\u{0C};" gave an empty statement.
        #expect(try SQLStatementSplitter.split("\u{0C};\u{0B} ;").isEmpty)
        #expect(try SQLStatementSplitter.split("SELECT 1\u{0C}\u{0B};").map(\.text) == ["SELECT 1"])
        // A no-break space is an identifier character to PostgreSQL: sent on, so the server reports it.
        #expect(try SQLStatementSplitter.split("\u{A0};").map(\.text) == ["\u{A0}"])
    }

    @Test("unterminated quoting is reported with its line")
    func unterminated() {
        #expect(throws: SQLStatementSplitter.UnterminatedError(construct: "string literal", line: 2)) {
            try SQLStatementSplitter.split("SELECT 1;\nSELECT 'open;\n")
        }
        #expect(throws: SQLStatementSplitter.UnterminatedError(construct: "dollar-quoted string", line: 1)) {
            try SQLStatementSplitter.split("DO $x$ BEGIN END $y$;")
        }
        #expect(throws: SQLStatementSplitter.UnterminatedError(construct: "comment", line: 1)) {
            try SQLStatementSplitter.split("/* /* */ SELECT 1;")
        }
    }
}
