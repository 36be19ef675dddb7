import Journal
import Logging
import PostgresNIO
import RunStateMachine

/// The shared journal: the store protocol on a PostgreSQL database that any number of workers
/// and API nodes, on any hosts, open at once.
///
/// It keeps every guarantee of the embedded store (``SQLiteJournal``):
/// - durable: a write returns only after its `COMMIT`, with `synchronous_commit = on`; the
///   writes of one process share commits (``PostgresWriter``, group commit);
/// - append-only: triggers refuse UPDATE, DELETE and TRUNCATE of the journal;
/// - fenced: an append is checked against the run's lease epoch and last record in the
///   committing transaction, under the run head's row lock;
/// - one chain: every batch that appends locks the one `chain_head` row, so the records of all
///   writers form one hash chain, in commit order, and `verify` checks it end to end against the
///   chain head;
/// - leases judged by the database's clock, never the workers' (their hosts' clocks may differ);
/// - idempotent submits by a unique key.
///
/// The schema is migrated when a writer opens the database, under an advisory lock, so workers
/// starting together migrate once; a database of a newer Runlog is refused.
public final class PostgresJournal: JournalStore {
    /// Where the database is (its URL, without the password, is `location.redacted`).
    public let location: PostgresLocation
    /// The database's schema version when it was opened.
    public let schema: Int
    /// How it was opened.
    public let options: JournalOptions

    let source: ConnectionSource
    let writer: PostgresWriter?
    let loader: RecordLoader
    private let listener: WakeUpListener

    /// The schema version this build writes.
    public static var schemaVersion: Int { Migration.postgres.last?.version ?? 0 }

    /// Opens the journal in the database `location` names, migrating its schema unless opening
    /// as a reader.
    ///
    /// - Throws: ``JournalError``: ``JournalError/Code/unavailable`` naming the URL (without its
    ///   password) if the server cannot be reached or refuses the login,
    ///   ``JournalError/Code/schemaTooNew`` for a database of a newer Runlog,
    ///   ``JournalError/Code/notAJournal`` for tables that are not a Runlog journal,
    ///   ``JournalError/Code/unsafeSettings`` if the server does not flush its WAL (`fsync` off).
    public static func open(_ location: PostgresLocation, options: JournalOptions = JournalOptions()) async throws(JournalError) -> PostgresJournal {
        // Reads share a few connections; the writer has one of its own, so a batch never waits
        // behind reads.
        let source = try ConnectionSource(location, limit: max(1, options.readers))
        let schema: Int
        do {
            schema = try await source.withConnection { connection in
                try await Schema.prepare(connection, location: location, migrating: options.role != .reader, logger: source.logger)
            }
        } catch {
            source.close()
            throw error
        }
        let writer = options.role == .reader ? nil : PostgresWriter(source: try ConnectionSource(location, limit: 1), maxBatch: options.maxBatch)
        return PostgresJournal(location: location, schema: schema, options: options, source: source, writer: writer)
    }

    private init(location: PostgresLocation, schema: Int, options: JournalOptions, source: ConnectionSource, writer: PostgresWriter?) {
        self.location = location
        self.schema = schema
        self.options = options
        self.source = source
        self.writer = writer
        self.loader = RecordLoader(source: source, parallel: options.readers)
        self.listener = WakeUpListener(location: location, logger: source.logger)
    }

    /// A shared store: other workers may hold live leases on other hosts.
    public var ownsExclusively: Bool { false }

    /// What the writer has committed since the journal was opened (zeros for a reader).
    public var commitStatistics: CommitStatistics {
        writer?.statistics ?? CommitStatistics()
    }

    /// Hints of runs submitted and cancels requested by any writer of the database
    /// (LISTEN/NOTIFY, ``WakeUpListener``), listened for from the first use on.
    public var wakeUps: WakeUps? {
        listener.start()
        return listener.wakeUps
    }

    /// Refuses new writes and lets go of the connections; writes already queued still commit.
    public func close() {
        listener.stop()
        writer?.close()
        source.close()
    }

    /// Queues a write for the next group commit and waits until it is durable.
    func write(_ pending: PendingWrite) async throws(JournalError) -> WriteReply {
        guard let writer else {
            throw JournalError(.invalidInput, "the journal was opened read-only")
        }
        return try await writer.perform(pending)
    }

    /// Runs a query outside any batch and reads its rows with `read`.
    func rows<Row: Sendable>(
        _ sql: String,
        _ binds: PostgresBindings = PostgresBindings(),
        read: @escaping @Sendable (PostgresRowReader) throws(JournalError) -> Row
    ) async throws(JournalError) -> [Row] {
        let logger = source.logger
        return try await source.withConnection { connection in
            try await Self.rows(sql, binds, on: connection, logger: logger, read: read)
        }
    }

    /// Runs a query on `connection` and reads its rows with `read`.
    static func rows<Row: Sendable>(
        _ sql: String,
        _ binds: PostgresBindings = PostgresBindings(),
        on connection: DatabaseSession,
        logger: Logger,
        read: (PostgresRowReader) throws(JournalError) -> Row
    ) async throws -> [Row] {
        var result: [Row] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            result.append(try read(PostgresRowReader(row)))
        }
        return result
    }
}
