/// How a journal is opened.
public struct JournalOptions: Sendable {
    /// What the opening process will do with the journal.
    public enum Role: Sendable {
        /// A worker: writes, and owns the database (takes `<db>.lock`; a second owner is refused).
        case owner
        /// A short-lived writer such as `worker submit`: writes without taking the lock, so it
        /// can add runs while a worker owns the database (SQLite serializes the two writers).
        case client
        /// Reads only (status, history, verify); never creates or changes anything.
        case reader
    }

    /// The role.
    public var role: Role
    /// The most operations committed in one transaction.
    public var maxBatch: Int
    /// How long a write waits for another process's write lock, in milliseconds.
    public var busyTimeoutMilliseconds: Int
    /// Read-only connections opened with the journal, used by concurrent reads.
    public var readers: Int

    /// Creates options.
    public init(role: Role = .owner, maxBatch: Int = 4096, busyTimeoutMilliseconds: Int = 5000, readers: Int = 3) {
        self.role = role
        self.maxBatch = maxBatch
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.readers = readers
    }
}
