import RunStateMachine

/// ``SandboxJob`` with one defect, for tests of what drivers do with a defective machine: in
/// `provisioning`, `sandboxCreated` leads straight to `succeeded`, an edge its definition (the
/// released revision 1's) does not declare, so the checked transition refuses it as
/// ``IllegalTransition/Code/undeclaredEdge``. It takes no operator decisions (for tests of a
/// machine that has none). Everything else is ``SandboxJob``'s, so its runs
/// live in the same journals.
public struct DefectiveSandboxJob: StateMachine {
    /// A job spec.
    public typealias Input = JobSpec
    /// ``SandboxJob``'s states.
    public typealias State = SandboxJobState
    /// ``SandboxJob``'s events.
    public typealias Event = SandboxJobEvent
    /// ``SandboxJob``'s effects.
    public typealias Effect = SandboxJobEffect

    /// ``SandboxJob``'s revisions.
    public static var revisions: [MachineRevision] { SandboxJob.revisions }

    /// The machine it breaks.
    public let job: SandboxJob

    /// Configures a run.
    public init(input: JobSpec, submittedAt: Timestamp, revision: Int) {
        job = SandboxJob(input: input, submittedAt: submittedAt, revision: revision)
    }

    /// The run's input.
    public var input: JobSpec { job.input }
    /// The run's revision.
    public var revision: Int { job.revision }

    /// As ``SandboxJob``.
    public func start() -> Transition<DefectiveSandboxJob> { Self.lift(job.start()) }

    /// As ``SandboxJob``, but for the defect.
    public func transition(from state: SandboxJobState, on event: SandboxJobEvent, seq: Int) throws(IllegalTransition) -> Transition<DefectiveSandboxJob> {
        if case .provisioning = state, case .sandboxCreated = event {
            return Transition(state: .succeeded)
        }
        return Self.lift(try job.transition(from: state, on: event, seq: seq))
    }

    /// As ``SandboxJob``.
    public func awaited(in state: SandboxJobState) -> [IntentID] { job.awaited(in: state) }
    /// As ``SandboxJob``.
    public func driverEvent(in state: SandboxJobState) -> SandboxJobEvent? { job.driverEvent(in: state) }
    /// As ``SandboxJob``.
    public func nextWakeup(in state: SandboxJobState) -> Timestamp? { job.nextWakeup(in: state) }
    /// As ``SandboxJob``.
    public func timerEvent(in state: SandboxJobState, at now: Timestamp) -> SandboxJobEvent? { job.timerEvent(in: state, at: now) }
    /// As ``SandboxJob``.
    public func outcomeUnknown(for intent: IntentID, reason: String) -> SandboxJobEvent { job.outcomeUnknown(for: intent, reason: reason) }
    /// As ``SandboxJob``.
    public func cancelEvent(reason: String) -> SandboxJobEvent? { job.cancelEvent(reason: reason) }

    static func lift(_ transition: Transition<SandboxJob>) -> Transition<DefectiveSandboxJob> {
        Transition(state: transition.state, intents: transition.intents, abandons: transition.abandons)
    }
}
