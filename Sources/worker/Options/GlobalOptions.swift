import ArgumentParser
import Effects
import Journal
import JournalPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The journal: an SQLite file, or a PostgreSQL URL (postgres://user@host:5432/db) that many workers share (default: $RUNLOG_DB, else ./runlog.sqlite)."
    )
    var db: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text for people.")
    var json = false

    /// The database path to use.
    var path: String {
        if let db { return db }
        if let fromEnvironment = getenv("RUNLOG_DB").map({ String(cString: $0) }), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "./runlog.sqlite"
    }

    /// The secret that holds the PostgreSQL password, as libpq names it.
    static let passwordSecret = "PGPASSWORD"

    /// Opens the journal ``path`` names, in `role`; a PostgreSQL password the URL does not give
    /// is looked up as `PGPASSWORD` in `secrets` (a worker's `--secrets-file`, then its
    /// environment).
    func journal(_ role: JournalOptions.Role, secrets: SecretStore = .environment) async throws(JournalError) -> any JournalStore {
        try await Self.openJournal(path, role: role, secrets: secrets)
    }

    /// Opens the store `location` names, in `role`: the one place the command line picks a
    /// store. A `postgres://` URL is the shared PostgreSQL journal (its schema is created or
    /// migrated when a worker opens it); a path is the embedded SQLite journal (created if
    /// missing).
    static func openJournal(_ location: String, role: JournalOptions.Role = .owner, secrets: SecretStore = .environment) async throws(JournalError) -> any JournalStore {
        if PostgresLocation.isURL(location) {
            var environment = PostgresLocation.processEnvironment()
            environment[Self.passwordSecret] = try? secrets.resolve([Self.passwordSecret]).get()[Self.passwordSecret]
            return try await PostgresJournal.open(try PostgresLocation(url: location, environment: environment), options: JournalOptions(role: role))
        }
        return try SQLiteJournal.open(path: location, options: JournalOptions(role: role))
    }

    /// What names the journal where its name must not carry a secret and must be the same on
    /// every host (the sandboxes' scope): the path, or the URL without its password.
    var identity: String {
        PostgresLocation.isURL(path) ? ((try? PostgresLocation(url: path).redacted) ?? "postgres") : path
    }
}
