/// A place a run's status is reported to (the platform's database, a webhook). Every update is
/// idempotent: sending one again, or an older one after a newer, leaves the sink as it was.
public protocol StatusSink: Sendable {
    /// A short name for messages (`postgrest`, `webhook`).
    var name: String { get }
    /// Delivers `update`; an update older than what the sink has counts as delivered.
    func deliver(_ update: StatusUpdate) async throws(StatusSinkError)
}

/// Why a status update was not delivered.
public struct StatusSinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What happened.
    public var message: String
    /// Whether sending it again may succeed.
    public var retryable: Bool

    /// Creates an error.
    public init(_ message: String, retryable: Bool) {
        self.message = message
        self.retryable = retryable
    }

    /// The message.
    public var description: String { message }
}
