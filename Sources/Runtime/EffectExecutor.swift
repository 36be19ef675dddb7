import Journal
import RunStateMachine

/// Performs a machine's effects, and reconciles those interrupted by a crash.
///
/// Every failure is an outcome event the machine knows how to handle (a failed step, a sandbox
/// that could not be created), so the journal records what came of each intent. The one thing
/// `perform` may throw is `CancellationError`, on shutdown: the effect is then left to the next
/// owner's recovery, and nothing is journaled for it.
public protocol EffectExecutor: Sendable {
    /// The machine whose effects this executor performs.
    associatedtype Machine: StateMachine

    /// Performs the effect of `intent` and returns its outcome event.
    ///
    /// Called only after the intent's journal record has committed; called again with the same
    /// key after a crash when the intent's policy is ``RecoveryPolicy/idempotent`` or
    /// reconciliation found it did not happen.
    func perform(_ intent: EffectIntent<Machine.Effect>, context: EffectContext<Machine>) async throws -> Machine.Event

    /// Finds out whether the effect of `intent`, journaled before a crash, happened.
    ///
    /// Called during recovery for intents whose policy is ``RecoveryPolicy/reconcile``.
    func reconcile(_ intent: EffectIntent<Machine.Effect>, context: EffectContext<Machine>) async -> ReconcileFinding<Machine.Event>

    /// Called when a driver starts driving a run (after recovery) and after every transition it
    /// journals, with the run's state: keep the external resources that state holds alive (a
    /// sandbox's lease) while the driver holds the run.
    func driving(_ state: Machine.State, run: RunRef, machine: Machine) async

    /// Called when a driver lets go of a run (finished, parked for an operator, lease lost,
    /// shutdown): stop keeping its resources alive; a resource nobody renews ends by itself. Not
    /// called for a run parked until a time: its resources are kept until it is taken again.
    func released(_ run: RunRef) async

    /// Called by the engine after each heartbeat it wrote: every lease of the worker is held
    /// until `until`. Renew the resources of the runs it drives no further than their own lease
    /// past it, so that they end within that long of the worker's leases running out (another
    /// worker may then take the runs): before the first call, renew nothing. An engine that owns
    /// its journal exclusively calls it once as it starts, with `nil`: no other worker can take
    /// its runs while it lives.
    func leasesHeld(until: Timestamp?) async

    /// Called once by the engine before it takes any run: end the external resources that no
    /// unfinished run of `journal` owns. Returns a line per resource ended.
    func sweepOrphans(in journal: any JournalStore) async -> [String]
}

extension EffectExecutor {
    /// Nothing to keep alive.
    public func driving(_ state: Machine.State, run: RunRef, machine: Machine) async {}

    /// Nothing to let go of.
    public func released(_ run: RunRef) async {}

    /// Nothing to renew.
    public func leasesHeld(until: Timestamp?) async {}

    /// Nothing to sweep.
    public func sweepOrphans(in journal: any JournalStore) async -> [String] { [] }
}
