import Synchronization

/// Read-only connections shared by the journal's readers.
///
/// One connection behind one lock made concurrent drivers queue for it: a task blocked on that
/// lock blocks one of the few threads of Swift's cooperative pool. The pool keeps a few
/// connections, all opened with the journal (so all of them read the file the writer writes,
/// even if its path is later removed or replaced); a read takes a free one, and waits only
/// when all are busy.
final class ReaderPool: Sendable {
    private final class Slot: Sendable {
        let connection: Mutex<SQLiteConnection?>
        init(_ connection: SQLiteConnection) { self.connection = Mutex(connection) }
    }

    private let slots: [Slot]
    private let next = Atomic<Int>(0)

    /// A pool of the given connections (at least one).
    init(_ connections: [SQLiteConnection]) {
        precondition(!connections.isEmpty, "a reader pool needs a connection")
        slots = connections.map(Slot.init)
    }

    /// Runs `body` on a connection no other read is using.
    func read<Value: Sendable>(_ body: (SQLiteConnection) throws(SQLiteError) -> Value) throws(JournalError) -> Value {
        for slot in slots {
            let value: Value?? = try slot.connection.withLockIfAvailable { connection throws(JournalError) -> Value in
                try Self.run(body, on: connection)
            }
            if let value {
                return value!
            }
        }
        let slot = slots[next.add(1, ordering: .relaxed).oldValue % slots.count]
        return try slot.connection.withLock { connection throws(JournalError) -> Value in
            try Self.run(body, on: connection)
        }
    }

    private static func run<Value>(_ body: (SQLiteConnection) throws(SQLiteError) -> Value, on connection: SQLiteConnection?) throws(JournalError) -> Value {
        guard let connection else { throw JournalError(.closed, "the journal is closed") }
        do {
            return try body(connection)
        } catch {
            throw JournalError.storage(error)
        }
    }

    /// Closes every connection; reads after this fail.
    func close() {
        for slot in slots {
            slot.connection.withLock { connection in
                connection?.close()
                connection = nil
            }
        }
    }
}
