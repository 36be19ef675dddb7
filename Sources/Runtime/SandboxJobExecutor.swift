import Effects
import Journal
import RunStateMachine

/// The executor of ``SandboxJob`` runs: the engine's side of ``SandboxJobEffects``.
public struct SandboxJobExecutor: EffectExecutor {
    /// The machine it executes.
    public typealias Machine = SandboxJob

    /// The effects.
    public let effects: SandboxJobEffects

    /// Creates the executor.
    public init(effects: SandboxJobEffects) {
        self.effects = effects
    }

    private func target(_ context: EffectContext<SandboxJob>) -> SandboxJobEffects.Target {
        SandboxJobEffects.Target(runID: context.run.id.value, job: context.machine, epoch: context.epoch, key: context.key)
    }

    /// Performs the effect; see ``SandboxJobEffects/perform(_:for:)``.
    public func perform(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<SandboxJob>) async throws -> SandboxJobEvent {
        try await effects.perform(intent, for: target(context))
    }

    /// Reconciles the effect; see ``SandboxJobEffects/reconcile(_:for:)``.
    public func reconcile(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<SandboxJob>) async -> ReconcileFinding<SandboxJobEvent> {
        await effects.reconcile(intent, for: target(context))
    }

    /// Keeps the sandbox the state holds alive.
    public func driving(_ state: SandboxJobState, run: RunRef, machine: SandboxJob) async {
        await effects.driving(state, for: run.id.value, job: machine)
    }

    /// Stops renewing the run's sandbox.
    public func released(_ run: RunRef) async {
        await effects.released(run.id.value)
    }

    /// Kills every sandbox whose run the journal has as finished or does not know (nothing if
    /// the journal cannot be read).
    public func sweepOrphans(in journal: SQLiteJournal) async -> [String] {
        guard let unfinished = try? journal.unfinishedRunIDs() else { return [] }
        let killed = await effects.sweepOrphans { runID in unfinished.contains(runID) }
        return killed.map { "killed orphan sandbox \($0)" }
    }
}
