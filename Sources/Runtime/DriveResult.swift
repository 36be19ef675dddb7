import RunStateMachine

/// How a driver stopped driving a run.
public enum DriveResult: Hashable, Sendable {
    /// The run reached a terminal state.
    case finished(state: String)
    /// Nothing will happen soon: the run waits for an operator's decision, or only for a time
    /// (`wakeup`) further away than two lease periods. The lease is released; the engine takes
    /// the run again when something is appended after `lastSeq` (its last record) or `wakeup`
    /// comes.
    case parked(state: String, wakeup: Timestamp?, lastSeq: Int64)
    /// The run's machine broke its own definition (an undeclared edge, a malformed transition):
    /// nothing was journaled for the event, the lease is released and the run waits, like a run
    /// parked for an operator, with `reason` logged and in the engine's summary.
    case halted(state: String, lastSeq: Int64, reason: String)
    /// Another owner took the run (this owner's lease epoch is stale); nothing more was written.
    case lostLease
    /// The driver was cancelled (shutdown) and left the run to the next owner.
    case stopped
    /// The store could not be reached (a database restarting): whether the last append
    /// committed is unknown, so the driver stopped; the run stays leased to this worker, whose
    /// engine takes it again after a poll and reloads it from the journal.
    case interrupted(reason: String)
}
