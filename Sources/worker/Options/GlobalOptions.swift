import ArgumentParser
import Journal

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The journal database (default: $RUNLOG_DB, else ./runlog.sqlite).")
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

    /// Opens the journal ``path`` names, in `role`.
    func journal(_ role: JournalOptions.Role) throws(JournalError) -> any JournalStore {
        try Self.openJournal(path, role: role)
    }

    /// Opens the store `location` names, in `role`: the one place the command line picks a
    /// store. A path is the embedded SQLite journal (created if missing).
    static func openJournal(_ location: String, role: JournalOptions.Role = .owner) throws(JournalError) -> any JournalStore {
        try SQLiteJournal.open(path: location, options: JournalOptions(role: role))
    }
}
