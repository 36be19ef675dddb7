import Journal

/// A fresh embedded journal in its own temporary directory: what most tests start with.
///
/// Close it when done (`defer { store.close() }`); the directory goes when the test process
/// exits.
public final class TemporaryJournal: Sendable {
    /// The directory holding the database.
    public let directory: TemporaryDirectory
    /// The database's path.
    public let path: String
    /// The journal, open as its owner.
    public let journal: SQLiteJournal

    /// Opens a new journal `name` in a new temporary directory (under `base`, if given).
    public init(_ name: String = "j.sqlite", base: String? = nil) throws {
        directory = base.map { TemporaryDirectory(base: $0) } ?? TemporaryDirectory()
        path = directory.file(name)
        journal = try SQLiteJournal.open(path: path)
    }

    /// Closes the journal.
    public func close() {
        journal.close()
    }
}
