import Logging
import PostgresNIO
import Synchronization

/// A connection to the database whose statements end when it closes.
///
/// postgres-nio answers a statement written to a connection that has already closed (the server
/// ended the session between two statements of a transaction, as every session is told when it
/// shuts down) with nothing at all: the write fails below the handler that would fail the
/// statement, and its caller waits for ever. A session therefore runs each use of its connection
/// (``guarded(_:)``: a batch, a read) beside a watch on the connection: when the connection
/// closes, every use still waiting on it fails with ``Closed`` at once (whatever it did is
/// unknown, as with any lost connection). One watch per connection, one task per use: the
/// statements of a use are sent as they are (``query(_:logger:)``).
final class DatabaseSession: Sendable {
    /// A use of the session was still waiting when its connection closed.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "the connection closed before the statement was answered" }
    }

    private struct Waiting: ~Copyable {
        var closed = false
        var nextID = 0
        /// What fails each use still waiting, by its id.
        var uses: [Int: @Sendable (any Error) -> Void] = [:]
    }

    /// The connection.
    let connection: PostgresConnection
    private let waiting = Mutex(Waiting())

    /// A session on `connection`, watching it close.
    init(_ connection: PostgresConnection) {
        self.connection = connection
        connection.closeFuture.whenComplete { [weak self] _ in self?.connectionClosed() }
    }

    /// Whether the connection has closed.
    var isClosed: Bool { connection.isClosed }

    /// Runs `query` on the connection. Call it within ``guarded(_:)``: on its own it may never
    /// return once the server has ended the session.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }

    /// Runs `operation` with this session; its value, or ``Closed`` if the connection closes
    /// first (the operation itself is left to end, or not, on its own). Cancelling the caller
    /// cancels the operation.
    func guarded<Value: Sendable>(_ operation: @escaping @Sendable (DatabaseSession) async throws -> Value) async throws -> Value {
        let running = RunningOperation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let answer = FirstAnswer(continuation)
                let id: Int? = waiting.withLock { waiting in
                    guard !waiting.closed else { return nil }
                    defer { waiting.nextID += 1 }
                    waiting.uses[waiting.nextID] = { answer.give(.failure($0)) }
                    return waiting.nextID
                }
                guard let id else {
                    answer.give(.failure(Closed()))
                    return
                }
                running.start(
                    Task {
                        let result: Result<Value, any Error>
                        do {
                            result = .success(try await operation(self))
                        } catch {
                            result = .failure(error)
                        }
                        _ = self.waiting.withLock { $0.uses.removeValue(forKey: id) }
                        answer.give(result)
                    },
                    cancelled: Task.isCancelled
                )
            }
        } onCancel: {
            running.cancel()
        }
    }

    /// Closes the connection.
    func close() async throws {
        try await connection.close()
    }

    /// Closes the connection in the background, keeping it alive until it has closed
    /// (postgres-nio requires a connection to be closed before it is released).
    func closeInBackground() {
        let connection = connection
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Ends a transaction that `error` interrupted: `ROLLBACK` when the connection is still
    /// usable (``PostgresFailure/leavesConnectionUsable(_:session:)``), nothing otherwise: the
    /// pool drops such a connection, and the server rolls its transaction back.
    func rollBack(after error: any Error, logger: Logger) async {
        guard PostgresFailure.leavesConnectionUsable(error, session: self) else { return }
        _ = try? await query("ROLLBACK", logger: logger)
    }

    private func connectionClosed() {
        let uses = waiting.withLock { waiting in
            waiting.closed = true
            defer { waiting.uses = [:] }
            return Array(waiting.uses.values)
        }
        for fail in uses { fail(Closed()) }
    }
}

/// The task of a guarded operation, cancelled with its caller (whichever comes first: the
/// caller's cancellation, or the task's start).
private final class RunningOperation: Sendable {
    private let state = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func start(_ task: Task<Void, Never>, cancelled: Bool) {
        let cancel = state.withLock { state in
            state.task = task
            return state.cancelled || cancelled
        }
        if cancel { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { state in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}

/// Resumes a continuation once, with the first answer given.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func give(_ result: Result<Value, any Error>) {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(with: result)
    }
}
