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
}
