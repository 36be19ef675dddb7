import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The embedded journal: an append-only, hash-chained SQLite database in WAL mode with
/// `synchronous=FULL`.
///
/// Writes (submit, lease, append) go through one writer thread that commits concurrent callers
/// in shared transactions (group commit); a call returns only after its record is durable.
/// Reads use a few read-only connections (a ``ReaderPool``). See the README's "Journal" section for the format
/// and guarantees.
public final class SQLiteJournal: Sendable {
    /// The database file.
    public let path: String
    /// How it was opened.
    public let options: JournalOptions
    /// The database's schema version when it was opened: this build's ``schemaVersion`` once a
    /// writer has opened it (it migrates), possibly an earlier one for a reader.
    public let schema: Int
    /// The columns records are read with, for ``schema``.
    let recordColumns: String
    /// The columns and tables run summaries are read with, for ``schema``.
    let summaryColumns: String
    let summarySource: String

    let writer: JournalWriter?
    let readers: ReaderPool
    private let lock: Mutex<LockFile?>

    /// The lock file of the database at `path`.
    public static func lockPath(for path: String) -> String { path + ".lock" }
    /// The head file of the database at `path`.
    public static func headPath(for path: String) -> String { path + ".head" }

    /// Removes the journal at `path` and the files beside it (WAL, shared memory, head, lock):
    /// for benchmarks' scratch journals, never a worker's.
    package static func removeFiles(at path: String) {
        for suffix in ["", "-wal", "-shm", ".head", ".lock"] {
            unlink(path + suffix)
        }
    }

    /// The schema version this build writes.
    public static var schemaVersion: Int { Migration.sqlite.last?.version ?? 0 }

    /// Opens the journal at `path`, creating it unless opening as a reader.
    ///
    /// - Throws: ``JournalError`` if another worker owns it (``JournalError/Code/locked``), it
    ///   is not a Runlog journal, it was written by a newer Runlog, its durability settings
    ///   cannot be established, or records at its end are missing.
    public static func open(path: String, options: JournalOptions = JournalOptions()) throws(JournalError) -> SQLiteJournal {
        if options.role == .reader, access(path, F_OK) != 0 {
            throw JournalError(.notFound, "there is no journal at \(path); submit a job first, or pass --db")
        }
        if options.role != .reader {
            try checkDirectory(of: path)
            // A new journal is its owner's only (0600): it holds every run's history. SQLite
            // gives the WAL and shared-memory files the database's mode; the head and lock files
            // are made 0600 too. An existing database keeps the mode it has.
            createOwnerOnly(path)
        }
        let lock: LockFile? = options.role == .owner ? try LockFile(path: lockPath(for: path), database: path) : nil
        var writer: JournalWriter?
        if options.role != .reader {
            writer = try JournalWriter.start(maxBatch: options.maxBatch) { () throws(JournalError) in
                try Setup.openWriter(path: path, busyTimeout: options.busyTimeoutMilliseconds)
            }
        }
        var connections: [SQLiteConnection] = []
        var schema = 0
        do {
            for _ in 0..<max(1, options.readers) {
                let (connection, version) = try Setup.openReader(path: path, busyTimeout: options.busyTimeoutMilliseconds)
                connections.append(connection)
                schema = version
            }
        } catch {
            connections.forEach { $0.close() }
            writer?.close()
            throw error
        }
        let readers = ReaderPool(connections)
        return SQLiteJournal(path: path, options: options, schema: schema, writer: writer, readers: readers, lock: lock)
    }

    /// A writer needs the journal's directory, writable: SQLite keeps the write-ahead log and the
    /// journal's head and lock files beside the database.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/notFound`` or
    ///   ``JournalError/Code/storage``, naming the directory and what to do.
    private static func checkDirectory(of path: String) throws(JournalError) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard access(directory, W_OK | X_OK) != 0 else { return }
        let reason = errno
        if reason == ENOENT || reason == ENOTDIR {
            throw JournalError(.notFound, "cannot create the journal at \(path): the directory \(directory) does not exist; create it, or pass another --db")
        }
        throw JournalError(
            .storage,
            "cannot write the journal at \(path): the directory \(directory) is not writable (\(String(cString: strerror(reason)))); SQLite keeps its log beside the database, so pass a --db in a writable directory"
        )
    }

    private init(path: String, options: JournalOptions, schema: Int, writer: JournalWriter?, readers: ReaderPool, lock: LockFile?) {
        self.path = path
        self.options = options
        self.schema = schema
        self.recordColumns = Self.recordColumns(schema: schema)
        self.summaryColumns = Self.summaryColumns(schema: schema)
        self.summarySource = Self.summarySource(schema: schema)
        self.writer = writer
        self.readers = readers
        self.lock = Mutex(lock)
    }

    deinit {
        writer?.close()
    }

    /// Commits what is queued, closes the connections and releases the lock.
    public func close() {
        writer?.close()
        readers.close()
        lock.withLock { $0 = nil }
    }

    /// What the writer has committed since the journal was opened (zeros for a reader).
    public var commitStatistics: CommitStatistics {
        writer?.statistics ?? CommitStatistics()
    }

    /// Queues a write for the next group commit and waits until it is durable.
    func write<Value: Sendable>(_ body: @escaping QueuedWrite<Value>.Body) async throws(JournalError) -> Value {
        guard let writer else {
            throw JournalError(.invalidInput, "the journal was opened read-only")
        }
        return try await writer.perform(body)
    }

    /// Runs a read on a free read-only connection.
    package func read<Value: Sendable>(_ body: (SQLiteConnection) throws(SQLiteError) -> Value) throws(JournalError) -> Value {
        try readers.read(body)
    }
}

/// The embedded store: every requirement is met by the methods above and in the
/// `SQLiteJournal+…` files (reads answer synchronously).
extension SQLiteJournal: JournalStore {}

/// Creates an empty file at `path`, readable and writable by its owner only, unless one exists.
private func createOwnerOnly(_ path: String) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    if descriptor >= 0 { close(descriptor) }
}
