import RunStateMachine

/// The sandbox-job machine with a revision 2 that exists only in tests, made the way a real
/// revision is made: revision 1 is ``SandboxJob``'s released revision 1, unchanged, and revision
/// 2 adds one event and changes one formula, each gated on ``revision``.
///
/// Revision 2's changes:
/// - the `noted` event: an operator's note on an unfinished run, which leaves its state as it is
///   (revision 1 refuses it: its definition has no such edge);
/// - a failed step is retried at once instead of after its backoff.
///
/// It shares revision 1's name, version and record formats, so runs of ``SandboxJob`` and of this
/// machine live in one journal and a registry holding this machine replays both.
public struct RevisedSandboxJob: StateMachine {
    /// A job spec, as for ``SandboxJob``.
    public typealias Input = JobSpec
    /// ``SandboxJob``'s states.
    public typealias State = SandboxJobState
    /// ``SandboxJob``'s effects.
    public typealias Effect = SandboxJobEffect

    /// ``SandboxJob``'s events, plus revision 2's `noted`.
    public enum Event: MachineEvent {
        /// An event of ``SandboxJob``, encoded as it encodes it.
        case job(SandboxJobEvent)
        /// Revision 2: an operator's note.
        case noted(String)

        /// Decodes a ``SandboxJob`` event, else `{"noted": {"note": …}}`.
        public init(json: JSONValue) throws(JSONDecodingError) {
            if let event = try? SandboxJobEvent(json: json) {
                self = .job(event)
                return
            }
            let fields = try JSONFields(json)
            self = .noted(try JSONFields(try fields.required("noted")).string("note"))
        }

        /// The event's JSON.
        public var json: JSONValue {
            switch self {
            case .job(let event): event.json
            case .noted(let note): ["noted": ["note": .string(note)]]
            }
        }

        /// The definition's name of the event.
        public var name: String {
            switch self {
            case .job(let event): event.name
            case .noted: "noted"
            }
        }

        /// The intent the event answers.
        public var answers: IntentID? {
            if case .job(let event) = self { return event.answers }
            return nil
        }
    }

    /// Revision 1 (``SandboxJob``'s, as released) and revision 2.
    public static let revisions: [MachineRevision] = [
        SandboxJob.revisions[0],
        MachineRevision(revision2, released: "07cf314756c4e8bca036e297f01f1c3108e0f38177f503be917fa597074b39ec"),
    ]

    /// Revision 1's graph plus `noted` on every non-terminal state.
    static let revision2: MachineDefinition = {
        var definition = SandboxJob.revisions[0].definition
        definition.revision = 2
        definition.events.append(.init("noted", "an operator noted something about the run", source: .operator))
        definition.edges += definition.states.filter { !$0.isTerminal }.map { .init($0.name, "noted", $0.name) }
        return definition
    }()

    /// Revision 1's behaviour, which revision 2 builds on.
    public let job: SandboxJob
    /// The run's revision.
    public let revision: Int

    /// The run's input.
    public var input: JobSpec { job.input }

    /// Configures a run.
    public init(input: JobSpec, submittedAt: Timestamp, revision: Int) {
        precondition(Self.revisions.indices.contains(revision - 1), "no revision \(revision)")
        job = SandboxJob(input: input, submittedAt: submittedAt, revision: 1)
        self.revision = revision
    }

    /// As ``SandboxJob``.
    public func start() -> Transition<RevisedSandboxJob> {
        Self.lift(job.start())
    }

    /// Revision 1's transition function, with revision 2's changes where `revision >= 2`.
    public func transition(from state: SandboxJobState, on event: Event, seq: Int) throws(IllegalTransition) -> Transition<RevisedSandboxJob> {
        switch event {
        case .noted:
            guard revision >= 2 else {
                throw IllegalTransition(.notAccepted, state: state.name, event: "noted", reason: "revision \(revision) takes no notes")
            }
            return Transition(state: state)
        case .job(let event):
            var result = Self.lift(try job.transition(from: state, on: event, seq: seq))
            if revision >= 2, case .stepFinished(_, _, let at) = event, case .retryWait(let target, _) = result.state {
                result.state = .retryWait(target, notBefore: at)
            }
            return result
        }
    }

    /// As ``SandboxJob``.
    public func awaited(in state: SandboxJobState) -> [IntentID] { job.awaited(in: state) }

    /// As ``SandboxJob``.
    public func driverEvent(in state: SandboxJobState) -> Event? { job.driverEvent(in: state).map(Event.job) }

    /// As ``SandboxJob``.
    public func nextWakeup(in state: SandboxJobState) -> Timestamp? { job.nextWakeup(in: state) }

    /// As ``SandboxJob``.
    public func timerEvent(in state: SandboxJobState, at now: Timestamp) -> Event? { job.timerEvent(in: state, at: now).map(Event.job) }

    /// As ``SandboxJob``.
    public func outcomeUnknown(for intent: IntentID, reason: String) -> Event { .job(job.outcomeUnknown(for: intent, reason: reason)) }

    /// As ``SandboxJob``.
    public func cancelEvent(reason: String) -> Event? { job.cancelEvent(reason: reason).map(Event.job) }

    /// As ``SandboxJob``.
    public func resolutionEvent(_ resolution: Resolution, note: String) -> Event? { job.resolutionEvent(resolution, note: note).map(Event.job) }

    static func lift(_ transition: Transition<SandboxJob>) -> Transition<RevisedSandboxJob> {
        Transition(state: transition.state, intents: transition.intents, abandons: transition.abandons)
    }
}
