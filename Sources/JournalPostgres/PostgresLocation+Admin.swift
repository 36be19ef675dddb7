import Journal
import PostgresNIO

extension PostgresLocation {
    /// This location with its session's `search_path` set to `schema` (a schema of the same
    /// database: what benchmarks and tests give each journal of theirs).
    package func inSchema(_ schema: String) -> PostgresLocation {
        var location = self
        location.sessionOptions = "-csearch_path=\(schema)"
        return location
    }

    /// Runs one statement on a connection of its own (creating or dropping a scratch schema,
    /// tampering in tests), outside any journal.
    package func execute(_ sql: String) async throws(JournalError) {
        let source = try ConnectionSource(self, limit: 1)
        defer { source.close() }
        try await source.withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: source.logger)
        }
    }
}
