import RunStateMachine

/// How a new owner settles the intents a previous owner journaled but never saw the outcome of.
public enum Recovery {
    /// What to do for a run's pending intents.
    public struct Plan<Machine: StateMachine>: Hashable, Sendable {
        /// Intents to fire again with their original keys.
        public var redispatch: [EffectIntent<Machine.Effect>] = []
        /// Outcome events to feed the machine, in order.
        public var events: [Machine.Event] = []
    }

    /// The reason recorded for intents whose policy forbids guessing.
    public static let interrupted = "the worker stopped while this effect was in flight; its outcome is unknown"

    /// The pending intents whose outcome must be asked of the outside world (their policy is
    /// ``RecoveryPolicy/reconcile``), in order: the questions ``plan(pending:machine:findings:)``
    /// needs answered.
    public static func questions<Effect: MachineEffect>(_ pending: [EffectIntent<Effect>]) -> [EffectIntent<Effect>] {
        pending.filter { $0.policy == .reconcile }
    }

    /// Settles each pending intent by its policy: idempotent ones are fired again; reconcile ones
    /// by their finding (one per intent of ``questions(_:)``, in its order): what happened is
    /// journaled, what certainly did not is fired again, and the machine is told the outcome is
    /// unknown otherwise; compensate and in-doubt ones are reported to the machine as unknown (it
    /// compensates or parks the run).
    public static func plan<Machine: StateMachine>(
        pending: [EffectIntent<Machine.Effect>],
        machine: Machine,
        findings: [ReconcileFinding<Machine.Event>]
    ) -> Plan<Machine> {
        var plan = Plan<Machine>()
        var answers = findings.makeIterator()
        for intent in pending {
            switch intent.policy {
            case .idempotent:
                plan.redispatch.append(intent)
            case .reconcile:
                // A question left unanswered is an outcome nobody knows.
                switch answers.next() ?? .unknown(reason: interrupted) {
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
