/// Why a journal operation was refused or failed. Refusals (a stale epoch, a conflicting
/// idempotency key) leave the journal unchanged; ``Code/ioFailure`` and ``Code/corrupt`` stop
/// the journal (fail-stop): reopen it to run recovery.
///
/// Equality compares the code only, so tests and callers match on the kind of error.
public struct JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of journal error.
    public enum Code: String, Hashable, Sendable {
        /// There is no journal at the given path.
        case notFound
        /// Another worker process owns the database (its lock file is held).
        case locked
        /// The database was written by a newer Runlog; this worker cannot read it safely.
        case schemaTooNew
        /// The file is an SQLite database but not a Runlog journal.
        case notAJournal
        /// A durability setting (WAL, `synchronous=FULL`, ...) could not be established.
        case unsafeSettings
        /// No run has this id.
        case unknownRun
        /// The run's lease has passed to a newer epoch; this owner may no longer append.
        case staleEpoch
        /// Transitions need a lease; this run has none at that epoch.
        case notLeased
        /// The record is not the run's next one (someone else appended first).
        case sequenceConflict
        /// The run has reached a terminal state.
        case runFinished
        /// A decision was asked for a run that is not waiting for an operator.
        case notParked
        /// Another owner holds an unexpired lease on the run.
        case leaseHeld
        /// The idempotency key is taken by a run with a different spec.
        case idempotencyConflict
        /// The disk is full; nothing was written.
        case diskFull
        /// An I/O error (such as a failed fsync): the journal has stopped.
        case ioFailure
        /// The database file is damaged.
        case corrupt
        /// Records at the end of the journal are missing (its head file records a later one).
        case truncated
        /// The database server cannot be reached (down, refusing, or the connection broke); an
        /// operation that failed this way may or may not have committed: reload before retrying.
        case unavailable
        /// The database server refused this process's credentials (a wrong user or password, or
        /// one rotated since the process read it): trying again cannot help; restart with the
        /// current secret.
        case refused
        /// Any other storage error.
        case storage
        /// The journal was closed, or stopped after an earlier I/O failure.
        case closed
        /// Input that cannot be journaled (a machine that is not registered, bad bytes).
        case invalidInput
        /// The run was created with a machine revision this build does not have (a newer Runlog
        /// created it); the run is left for a build that has it.
        case unknownRevision
    }

    /// The kind of error.
    public let code: Code
    /// What happened and what to do, for people.
    public let message: String
    /// The run concerned, if any.
    public let run: RunID?
    /// Where the error was raised.
    public let location: String

    /// Creates an error; prefer the static factories.
    public init(_ code: Code, _ message: String, run: RunID? = nil, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.run = run
        self.location = "\(fileID):\(line)"
    }

    /// Equal when the codes are equal.
    public static func == (lhs: JournalError, rhs: JournalError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The message, with the run when there is one.
    public var description: String {
        run.map { "run \($0): \(message)" } ?? message
    }

    /// Maps an SQLite error to the journal error a caller can act on.
    static func storage(_ error: SQLiteError, fileID: String = #fileID, line: Int = #line) -> JournalError {
        if error.isFull {
            return JournalError(.diskFull, "the disk is full; nothing was written (free space, then retry): \(error)", fileID: fileID, line: line)
        }
        if error.isIOError {
            return JournalError(.ioFailure, "I/O error; the journal has stopped and must be reopened: \(error)", fileID: fileID, line: line)
        }
        if error.isCorrupt {
            return JournalError(.corrupt, "the database file is damaged where SQLite reads it (\(error)): restore it from a backup ('worker verify' checks a backup before you rely on it)", fileID: fileID, line: line)
        }
        return JournalError(.storage, "\(error)", fileID: fileID, line: line)
    }
}
