import Journal
import Logging
import PostgresNIO
import Synchronization

/// A bounded pool of connections to one database: at most `limit` open at once, kept open while
/// idle, lent in the order asked for (a caller waits while all are lent), and dropped on any
/// error that is not the server refusing a statement
/// (``PostgresFailure/leavesConnectionUsable(_:session:)``), so the next use reconnects (a
/// restarted server is picked up again without restarting the worker).
///
/// Every connection is set up for durability: `synchronous_commit = on`, so a `COMMIT` returns
/// only once its WAL is flushed.
final class ConnectionSource: Sendable {
    private struct State: ~Copyable {
        var idle: [DatabaseSession] = []
        var open = 0
        var nextID = 1
        var waiters: [CheckedContinuation<Grant, Never>] = []
        var closed = false
    }

    /// What a caller is given: a connection, the right to open one, or a refusal.
    private enum Grant: Sendable {
        case connection(DatabaseSession)
        case connect(id: Int)
        case closed
    }

    /// Where the database is.
    let location: PostgresLocation
    private let configuration: PostgresConnection.Configuration
    private let limit: Int
    private let state = Mutex(State())
    let logger: Logger

    /// A pool of at most `limit` connections to `location`.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/invalidInput`` if its TLS settings
    ///   cannot be set up (a root certificate file that does not load).
    init(_ location: PostgresLocation, limit: Int = 4, logger: Logger = Logger(label: "runlog.postgres")) throws(JournalError) {
        self.location = location
        self.limit = max(1, limit)
        self.logger = logger
        self.configuration = try location.connectionConfiguration()
    }

    /// Runs `body` on a connection, guarded (``DatabaseSession/guarded(_:)``: it fails as soon as
    /// the connection closes); the connection goes back to the pool unless it broke.
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (DatabaseSession) async throws -> Value) async throws(JournalError) -> Value {
        let connection = try await take()
        do {
            let value = try await connection.guarded(body)
            give(connection)
            return value
        } catch {
            if PostgresFailure.leavesConnectionUsable(error, session: connection) {
                give(connection)
            } else {
                try? await connection.close()
                give(nil)
            }
            throw PostgresFailure.journalError(error, at: location)
        }
    }

    /// Closes every idle connection and refuses new uses; lent connections close when they come
    /// back.
    func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        idle.forEach { $0.closeInBackground() }
        waiters.forEach { $0.resume(returning: .closed) }
    }

    private func take() async throws(JournalError) -> DatabaseSession {
        let grant: Grant = await withCheckedContinuation { continuation in
            let immediate: Grant? = state.withLock { state in
                if state.closed { return .closed }
                while let connection = state.idle.popLast() {
                    if !connection.isClosed { return .connection(connection) }
                    state.open -= 1
                }
                if state.open < limit {
                    state.open += 1
                    defer { state.nextID += 1 }
                    return .connect(id: state.nextID)
                }
                state.waiters.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        switch grant {
        case .connection(let connection): return connection
        case .closed: throw JournalError(.closed, "the journal is closed")
        case .connect(let id):
            do {
                let connection = DatabaseSession(try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger))
                do {
                    _ = try await connection.guarded { [logger] session in try await session.query("SET synchronous_commit = on", logger: logger) }
                } catch {
                    try? await connection.close()
                    throw error
                }
                return connection
            } catch {
                give(nil)
                throw PostgresFailure.journalError(error, at: location)
            }
        }
    }

    /// Returns a connection to the pool (`nil`: it broke, or could not be opened): to the first
    /// waiter, else to the idle ones.
    private func give(_ connection: DatabaseSession?) {
        let (waiter, grant, surplus): (CheckedContinuation<Grant, Never>?, Grant, DatabaseSession?) = state.withLock { state in
            guard let connection, !connection.isClosed, !state.closed else {
                state.open -= 1
                guard !state.closed, !state.waiters.isEmpty else { return (nil, .closed, connection) }
                state.open += 1
                defer { state.nextID += 1 }
                return (state.waiters.removeFirst(), .connect(id: state.nextID), connection)
            }
            if !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), .connection(connection), nil)
            }
            state.idle.append(connection)
            return (nil, .closed, nil)
        }
        if let surplus, !surplus.isClosed { surplus.closeInBackground() }
        waiter?.resume(returning: grant)
    }
}
