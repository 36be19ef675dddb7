import Journal
import Logging
import PostgresNIO
import Synchronization

/// The journal's connections to one database: made on demand, kept while idle (up to
/// `maxIdle`), and dropped on any error that is not the server refusing a statement, so the next
/// use reconnects (a restarted server is picked up again without a restart of the worker).
///
/// Every connection is set up for durability: `synchronous_commit = on`, so a `COMMIT` returns
/// only once its WAL is flushed.
final class ConnectionSource: Sendable {
    private struct State: ~Copyable {
        var idle: [PostgresConnection] = []
        var nextID = 1
        var closed = false
    }

    /// Where the database is.
    let location: PostgresLocation
    private let configuration: PostgresConnection.Configuration
    private let maxIdle: Int
    private let state = Mutex(State())
    let logger: Logger

    /// A source of connections to `location`.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/invalidInput`` if its TLS settings
    ///   cannot be set up (a root certificate file that does not load).
    init(_ location: PostgresLocation, maxIdle: Int = 4, logger: Logger = Logger(label: "runlog.postgres")) throws(JournalError) {
        self.location = location
        self.maxIdle = maxIdle
        self.logger = logger
        self.configuration = try location.connectionConfiguration()
    }

    /// Runs `body` on a connection; the connection goes back to the idle ones unless it broke.
    func withConnection<Value: Sendable>(_ body: (PostgresConnection) async throws -> Value) async throws(JournalError) -> Value {
        let connection = try await take()
        do {
            let value = try await body(connection)
            give(connection)
            return value
        } catch {
            if let error = error as? PSQLError, error.code == .server, !connection.isClosed {
                give(connection)
            } else {
                try? await connection.close()
            }
            throw PostgresFailure.journalError(error, at: location)
        }
    }

    /// Closes every idle connection; connections in use close when they come back.
    func close() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle {
            Self.closeInBackground(connection)
        }
    }

    private func take() async throws(JournalError) -> PostgresConnection {
        enum Next { case reuse(PostgresConnection), connect(Int), closed }
        let next: Next = state.withLock { state in
            if state.closed { return .closed }
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return .reuse(connection) }
            }
            defer { state.nextID += 1 }
            return .connect(state.nextID)
        }
        switch next {
        case .reuse(let connection): return connection
        case .closed: throw JournalError(.closed, "the journal is closed")
        case .connect(let id):
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
                do {
                    try await connection.query("SET synchronous_commit = on", logger: logger)
                } catch {
                    try? await connection.close()
                    throw error
                }
                return connection
            } catch {
                throw PostgresFailure.journalError(error, at: location)
            }
        }
    }

    private func give(_ connection: PostgresConnection) {
        let keep = state.withLock { state in
            guard !state.closed, state.idle.count < maxIdle else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep {
            Self.closeInBackground(connection)
        }
    }

    /// Closes `connection`, keeping it alive until it has closed (postgres-nio requires a
    /// connection to be closed before it is released).
    private static func closeInBackground(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}
