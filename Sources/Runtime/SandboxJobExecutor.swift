import Effects
import Journal
import RunStateMachine

/// The executor of ``SandboxJob`` runs: the engine's side of ``SandboxJobPerformer``.
public struct SandboxJobExecutor: EffectExecutor {
    /// The machine it executes.
    public typealias Machine = SandboxJob

    /// Performs the effects.
    public let performer: SandboxJobPerformer

    /// Creates the executor.
    public init(performer: SandboxJobPerformer) {
        self.performer = performer
    }

    private func target(_ context: EffectContext<SandboxJob>) -> SandboxJobPerformer.Target {
        SandboxJobPerformer.Target(runID: context.run.id.value, job: context.machine, epoch: context.epoch, key: context.key)
    }

    /// Performs the effect; see ``SandboxJobPerformer/perform(_:for:)``. A model or tool call is
    /// given the agent's conversation as the journal has it.
    public func perform(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<SandboxJob>) async throws -> SandboxJobEvent {
        var target = target(context)
        switch intent.effect {
        case .callModel, .runTool:
            do {
                target.conversation = try await AgentConversation.load(context.run, from: context.journal)
            } catch {
                // Without the conversation the call cannot be made; the journal being unreadable
                // is a failure the next attempt may not see.
                return unreadable(intent, error)
            }
        default:
            break
        }
        return try await performer.perform(intent, for: target)
    }

    private func unreadable(_ intent: EffectIntent<SandboxJobEffect>, _ error: JournalError) -> SandboxJobEvent {
        let reason = "the run's conversation could not be read from the journal: \(error)"
        if case .runTool = intent.effect {
            return .toolFinished(intent: intent.id, result: ToolResult(isError: true, content: "The tool call was not run: \(reason)."))
        }
        return .modelCallFailed(intent: intent.id, reason: reason, retryable: true, retryAfterMilliseconds: nil, at: performer.now())
    }

    /// Reconciles the effect; see ``SandboxJobPerformer/reconcile(_:for:)``.
    public func reconcile(_ intent: EffectIntent<SandboxJobEffect>, context: EffectContext<SandboxJob>) async -> ReconcileFinding<SandboxJobEvent> {
        await performer.reconcile(intent, for: target(context))
    }

    /// Keeps the sandbox the state holds alive.
    public func driving(_ state: SandboxJobState, run: RunRef, machine: SandboxJob) async {
        await performer.driving(state, for: run.id.value, job: machine)
    }

    /// Sandboxes are renewed no further than their lease past `until`.
    public func leasesHeld(until: Timestamp?) async {
        performer.leasesHeld(until: until)
    }

    /// Stops renewing the run's sandbox.
    public func released(_ run: RunRef) async {
        await performer.released(run.id.value)
    }

    /// Kills every sandbox whose run the journal has as finished or does not know (nothing if
    /// the journal cannot be read).
    public func sweepOrphans(in journal: any JournalStore) async -> [String] {
        let killed = await performer.sweepOrphans { try? await journal.unfinishedRunIDs() }
        return killed.map { "killed orphan sandbox \($0)" }
    }
}
