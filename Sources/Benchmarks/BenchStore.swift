import Journal
import JournalPostgres

/// Where a benchmark keeps its scratch journals: SQLite files in a directory, or schemas of a
/// PostgreSQL database, each created for one phase and removed after it.
public struct BenchStore: Sendable {
    /// What the figures are about: the directory, or the database's URL without its password.
    public let description: String
    private let openJournal: @Sendable (String) async throws -> any JournalStore
    private let removeJournal: @Sendable (String) async -> Void

    /// Scratch SQLite journals in `directory` (which must exist).
    public static func sqlite(directory: String) -> BenchStore {
        BenchStore(
            description: directory,
            openJournal: { name in
                SQLiteJournal.removeFiles(at: "\(directory)/\(name).sqlite")
                return try SQLiteJournal.open(path: "\(directory)/\(name).sqlite")
            },
            removeJournal: { name in SQLiteJournal.removeFiles(at: "\(directory)/\(name).sqlite") }
        )
    }

    /// Scratch journals in schemas of the database `location` names (`runlog_bench_<pid>_<name>`).
    public static func postgres(_ location: PostgresLocation, process: Int32) -> BenchStore {
        let schema: @Sendable (String) -> String = { name in "runlog_bench_\(process)_\(name.replacingHyphens())" }
        return BenchStore(
            description: location.redacted,
            openJournal: { name in
                try await location.execute("DROP SCHEMA IF EXISTS \(schema(name)) CASCADE")
                try await location.execute("CREATE SCHEMA \(schema(name))")
                return try await PostgresJournal.open(location.inSchema(schema(name)))
            },
            removeJournal: { name in try? await location.execute("DROP SCHEMA IF EXISTS \(schema(name)) CASCADE") }
        )
    }

    /// A new, empty journal named `name` (an earlier one of that name is removed first).
    func open(_ name: String) async throws -> any JournalStore {
        try await openJournal(name)
    }

    /// Removes the journal named `name`.
    func remove(_ name: String) async {
        await removeJournal(name)
    }
}

extension String {
    /// The name with `-` as `_`, for a schema's name.
    fileprivate func replacingHyphens() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}
