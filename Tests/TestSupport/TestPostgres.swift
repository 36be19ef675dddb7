import Journal
import JournalPostgres

/// The PostgreSQL the tests use: the throwaway cluster `scripts/test` starts (with
/// `scripts/test-postgres`), named by `RUNLOG_TEST_POSTGRES`. Each test takes a fresh schema of
/// its database, so tests running at once never see each other's journals.
///
/// Without `RUNLOG_TEST_POSTGRES`, every PostgreSQL test fails saying so: nothing is skipped.
public enum TestPostgres {
    /// Why a PostgreSQL test cannot run.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String

        /// Says why.
        public init(description: String) {
            self.description = description
        }
    }

    /// The test database's URL.
    public static var url: String? {
        PostgresLocation.processEnvironment()["RUNLOG_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The location of a new, empty schema of the test database.
    public static func freshLocation() async throws -> PostgresLocation {
        guard let url else {
            throw Unavailable(description: "RUNLOG_TEST_POSTGRES is not set: run the tests with scripts/test, which starts a PostgreSQL cluster for them")
        }
        let location = try PostgresLocation(url: url)
        let schema = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try await location.execute("CREATE SCHEMA \(schema)")
        return location.inSchema(schema)
    }

    /// The URL of a new, empty schema (for a worker process's `--db`).
    public static func freshURL() async throws -> String {
        let location = try await freshLocation()
        let options = location.sessionOptions.map { "&options=" + $0.replacingEquals() } ?? ""
        return "postgres://\(location.user)@\(location.host):\(location.port)/\(location.database)?sslmode=\(location.tls.rawValue)\(options)"
    }

    /// A new journal in a new, empty schema.
    public static func freshJournal(options: JournalOptions = JournalOptions()) async throws -> PostgresJournal {
        try await PostgresJournal.open(try await freshLocation(), options: options)
    }

    /// Runs `sql` on its own connection to `location` (for setting up and tampering in tests).
    public static func execute(_ sql: String, at location: PostgresLocation) async throws {
        try await location.execute(sql)
    }
}

extension String {
    /// The text with `=` percent-encoded, for a URL's query.
    fileprivate func replacingEquals() -> String {
        split(separator: "=", omittingEmptySubsequences: false).joined(separator: "%3D")
    }
}
