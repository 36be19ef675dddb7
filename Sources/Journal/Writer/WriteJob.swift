/// A unit of work queued for the writer thread.
protocol WriteJob: AnyObject, Sendable {
    /// Runs the operation inside the batch transaction (on the writer thread).
    func execute(_ context: inout WriteContext) throws(SQLiteError)
    /// Resumes the caller: with the operation's own result, or with `failure` if the batch did
    /// not commit.
    func complete(failure: JournalError?)
}

/// A queued operation whose result is returned to an awaiting caller.
///
/// `outcome` is written on the writer thread during ``execute(_:)`` and read there in
/// ``complete(failure:)``; nothing else touches it, which is why the unchecked conformance is
/// sound.
final class QueuedWrite<Value: Sendable>: WriteJob, @unchecked Sendable {
    typealias Body = @Sendable (inout WriteContext) throws(SQLiteError) -> Result<Value, JournalError>

    private let body: Body
    private let continuation: UnsafeContinuation<Result<Value, JournalError>, Never>
    private var outcome: Result<Value, JournalError>?

    init(body: @escaping Body, continuation: UnsafeContinuation<Result<Value, JournalError>, Never>) {
        self.body = body
        self.continuation = continuation
    }

    func execute(_ context: inout WriteContext) throws(SQLiteError) {
        outcome = try body(&context)
    }

    func complete(failure: JournalError?) {
        if let failure {
            continuation.resume(returning: .failure(failure))
        } else {
            continuation.resume(returning: outcome ?? .failure(JournalError(.storage, "the write was not executed")))
        }
    }
}
