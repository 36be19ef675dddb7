import Synchronization

/// Read-only connections shared by the journal's readers.
///
/// One connection behind one lock made concurrent drivers queue for it: a task blocked on that
/// lock blocks one of the few threads of Swift's cooperative pool. The pool keeps a few
/// connections (the first opened with the journal, the others when first needed); a read takes
/// a free one, and waits only when all are busy.
final class ReaderPool: Sendable {
    private final class Slot: Sendable {
        let connection: Mutex<SQLiteConnection?>
        init(_ connection: SQLiteConnection?) { self.connection = Mutex(connection) }
    }

    private let slots: [Slot]
    private let open: @Sendable () throws(JournalError) -> SQLiteConnection
    private let next = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)

    /// A pool of `size` connections made by `open`, of which `first` is the first.
    init(first: SQLiteConnection, size: Int, open: @escaping @Sendable () throws(JournalError) -> SQLiteConnection) {
        slots = [Slot(first)] + (1..<max(1, size)).map { _ in Slot(nil) }
        self.open = open
    }

    /// Runs `body` on a connection no other read is using.
    func read<Value: Sendable>(_ body: (SQLiteConnection) throws(SQLiteError) -> Value) throws(JournalError) -> Value {
        for slot in slots {
            let value: Value?? = try slot.connection.withLockIfAvailable { connection throws(JournalError) -> Value? in
                try run(body, on: &connection)
            }
            if let value {
                return value!
            }
        }
        let slot = slots[next.add(1, ordering: .relaxed).oldValue % slots.count]
        return try slot.connection.withLock { connection throws(JournalError) -> Value in
            try run(body, on: &connection)
        }
    }

    /// Runs `body` on the slot's connection, opening it first if needed.
    private func run<Value>(_ body: (SQLiteConnection) throws(SQLiteError) -> Value, on slot: inout SQLiteConnection?) throws(JournalError) -> Value {
        let connection: SQLiteConnection
        if let open = slot {
            connection = open
        } else {
            guard !closed.load(ordering: .acquiring) else {
                throw JournalError(.closed, "the journal is closed")
            }
            connection = try self.open()
            slot = connection
        }
        do {
            return try body(connection)
        } catch {
            throw JournalError.storage(error)
        }
    }

    /// Closes every connection; reads after this fail.
    func close() {
        closed.store(true, ordering: .releasing)
        for slot in slots {
            slot.connection.withLock { connection in
                connection?.close()
                connection = nil
            }
        }
    }
}
