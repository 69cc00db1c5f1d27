import MigrationRunner
import Testing

@Suite("Database URL")
struct DatabaseURLTests {
    @Test("parses user, password, host, port, database and sslmode")
    func parsesTCP() throws {
        let url = try DatabaseURL("postgres://scaffold_migrator:s%40cret@db.internal:6432/scaffold_eu?sslmode=disable", environment: [:])
        #expect(url.username == "scaffold_migrator")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.internal")
        #expect(url.port == 6432)
        #expect(url.database == "scaffold_eu")
        #expect(url.sslMode == .disable)
        let configuration = try url.configuration()
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6432)
        #expect(configuration.tls.isAllowed == false)
    }

    @Test("defaults: port 5432, sslmode prefer, password from PGPASSWORD")
    func defaults() throws {
        let url = try DatabaseURL("postgresql://app@[::1]/scaffold", environment: ["PGPASSWORD": "from-env"])
        #expect(url.host == "::1")
        #expect(url.port == 5432)
        #expect(url.sslMode == .prefer)
        #expect(url.password == "from-env")
        #expect(try url.configuration().tls.isAllowed)
        #expect(!(try url.configuration().tls.isEnforced))
        #expect(try DatabaseURL("postgres://a@h/d?sslmode=verify-full", environment: [:]).configuration().tls.isEnforced)
    }

    @Test("a unix-socket directory in the host parameter")
    func unixSocket() throws {
        let url = try DatabaseURL("postgres://scaffold_migrator@/scaffold?host=/tmp/pg/socket&port=5433", environment: [:])
        #expect(url.host == nil)
        #expect(url.socketDirectory == "/tmp/pg/socket")
        #expect(try url.configuration().unixSocketPath == "/tmp/pg/socket/.s.PGSQL.5433")
    }

    @Test("the description never shows the password")
    func redaction() throws {
        let url = try DatabaseURL("postgres://migrator:hunter2@db:5432/scaffold?sslmode=require", environment: [:])
        #expect(url.description == "postgres://migrator:***@db:5432/scaffold?sslmode=require")
        #expect(!url.description.contains("hunter2"))
    }

    @Test("bad URLs are refused without echoing them", arguments: [
        "mysql://u:hunter2@h/d", "postgres://u:hunter2@h/d?sslmod=require", "postgres://u:hunter2@h:99999/d",
        "postgres://u:hunter2@h/", "postgres://:hunter2@h/d", "postgres://u:hunter2@h/d?sslmode=sometimes",
        "postgres://u:hunter2@a,b/d",
    ])
    func refusesBadURLs(_ text: String) {
        do {
            _ = try DatabaseURL(text, environment: [:])
            Issue.record("accepted \(text)")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
            #expect("\(error)".hasPrefix("invalid database URL"))
        }
    }
}
