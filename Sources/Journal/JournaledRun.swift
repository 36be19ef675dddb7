import RunStateMachine

/// A run driven by the holder of its lease: its machine, current state and last record number.
///
/// ``apply(_:at:)`` is the write-ahead step every driver performs: compute the checked
/// transition, append it, and only then hand back the intents to fire.
public struct JournaledRun<Machine: StateMachine>: Sendable {
    /// The journal the run lives in.
    public let journal: any JournalStore
    /// The machine, configured with the run's input.
    public let machine: Machine
    /// The lease under which the run is driven.
    public let lease: Lease
    /// The current state.
    public private(set) var state: Machine.State
    /// The run's last record number.
    public private(set) var lastRunSeq: Int
    /// The global sequence number of the run's last record.
    public private(set) var lastSeq: Int64
    /// The intents journaled and neither answered nor abandoned when the run was loaded:
    /// what recovery must settle by their policies.
    public let pendingAtLoad: [EffectIntent<Machine.Effect>]

    /// Loads a leased run from the journal by replaying its records.
    ///
    /// The run is driven by the revision it was created with, found by its recorded version.
    ///
    /// - Throws: ``JournalError`` if the records cannot be read, are of another machine or of a
    ///   version this build does not have, diverge from the machine, or do not end with `lease`.
    public static func load(_ lease: Lease, from journal: any JournalStore) async throws(JournalError) -> JournaledRun {
        let records = try await journal.records(of: lease.run)
        // Every transition is replayed and checked; the input's audit is left to `verify`.
        let fold = RunFold<Machine>.folding(records, keepSteps: false, auditsInput: false)
        let replay = fold.replay
        if replay.revision == nil, replay.machine == Machine.name, let divergence = replay.divergence {
            // Created by a build with a revision this one lacks: the fold says which.
            throw JournalError(.unknownRevision, divergence.problem, run: lease.run.id)
        }
        if let divergence = replay.divergence {
            throw JournalError(.corrupt, "the journal of this run does not replay: \(divergence)", run: lease.run.id)
        }
        guard replay.leaseEpoch == lease.epoch, let current = fold.current else {
            throw JournalError(.staleEpoch, "the run is not at lease epoch \(lease.epoch)", run: lease.run.id)
        }
        return JournaledRun(
            journal: journal,
            machine: current.machine,
            lease: lease,
            state: current.state,
            lastRunSeq: replay.lastRunSeq,
            lastSeq: replay.lastSeq,
            pendingAtLoad: current.pending
        )
    }

    /// Feeds `event`: computes the checked transition, appends it under the lease, and returns
    /// it once it is durable. The state only advances after the append committed.
    ///
    /// - Throws: ``IllegalTransition`` if the machine refuses the event (nothing is journaled),
    ///   or ``JournalError`` if the append is refused or fails.
    @discardableResult
    public mutating func apply(_ event: Machine.Event, at: Timestamp) async throws -> Transition<Machine> {
        let seq = lastRunSeq + 1
        let transition = try machine.checkedTransition(from: state, on: event, seq: seq)
        let request = AppendRequest(
            machine: machine,
            run: lease.run,
            runSeq: seq,
            previousSeq: lastSeq,
            epoch: lease.epoch,
            at: at,
            event: event,
            transition: transition
        )
        let receipt = try await journal.append(request)
        state = transition.state
        lastRunSeq = seq
        lastSeq = receipt.seq
        return transition
    }
}
