import RunStateMachine

/// How a new owner settles the intents a previous owner journaled but never saw the outcome of.
public enum Recovery {
    /// What to do for a run's pending intents.
    public struct Plan<Machine: StateMachine>: Sendable {
        /// Intents to fire again with their original keys.
        public var redispatch: [EffectIntent<Machine.Effect>] = []
        /// Outcome events to feed the machine, in order.
        public var events: [Machine.Event] = []
    }

    /// The reason recorded for intents whose policy forbids guessing.
    public static let interrupted = "the worker stopped while this effect was in flight; its outcome is unknown"

    /// Settles each pending intent by its policy: idempotent ones are fired again; reconcile asks
    /// `reconcile` and journals what happened, fires again what certainly did not, and tells the
    /// machine the outcome is unknown otherwise; compensate and in-doubt ones are reported to the
    /// machine as unknown (it compensates or parks the run).
    public static func plan<Machine: StateMachine>(
        pending: [EffectIntent<Machine.Effect>],
        machine: Machine,
        reconcile: (EffectIntent<Machine.Effect>) async -> ReconcileFinding<Machine.Event>
    ) async -> Plan<Machine> {
        var plan = Plan<Machine>()
        for intent in pending {
            switch intent.policy {
            case .idempotent:
                plan.redispatch.append(intent)
            case .reconcile:
                switch await reconcile(intent) {
                case .happened(let event): plan.events.append(event)
                case .notHappened: plan.redispatch.append(intent)
                case .unknown(let reason): plan.events.append(machine.outcomeUnknown(for: intent.id, reason: reason))
                }
            case .compensate, .inDoubt:
                plan.events.append(machine.outcomeUnknown(for: intent.id, reason: interrupted))
            }
        }
        return plan
    }
}
