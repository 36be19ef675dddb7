/// A finite state machine whose runs Runlog journals, drives and replays.
///
/// A machine is a pure value: configured once per run with its ``Input`` (for example a job
/// spec) and the time the run was submitted, it maps `(state, event)` to the next state and the
/// effects to fire, or refuses the event. It performs no I/O and reads no clock, randomness or
/// global state, so folding a run's journaled events through it reproduces every state exactly.
///
/// Drivers call ``checkedTransition(from:on:seq:)`` rather than ``transition(from:on:seq:)``: the
/// checked form also refuses events in terminal states and stale outcomes, and verifies that the
/// transition is an edge of ``definition`` with well-formed intents.
public protocol StateMachine: Sendable {
    /// What a run is configured with; journaled once when the run is created.
    associatedtype Input: JSONCodable & Hashable & Sendable
    /// The machine's states.
    associatedtype State: MachineState
    /// The machine's events.
    associatedtype Event: MachineEvent
    /// The effects the machine asks for.
    associatedtype Effect: MachineEffect

    /// Every released revision of the machine, oldest first, numbered 1, 2, …: each one's
    /// definition (states, events, effect kinds with recovery policies, edges) and its pinned
    /// version. New runs get the last; a run is driven by the revision it was created with.
    ///
    /// A revision's behaviour never changes once released: a change to the machine is a new
    /// revision, and the transition code branches on ``revision`` where revisions differ.
    static var revisions: [MachineRevision] { get }

    /// Configures a run.
    ///
    /// - Parameters:
    ///   - input: The run's validated input.
    ///   - submittedAt: When the run was created (deadlines count from here).
    ///   - revision: The revision the run was created with: one of ``revisions``' numbers.
    init(input: Input, submittedAt: Timestamp, revision: Int)

    /// The run's input.
    var input: Input { get }

    /// The revision that drives this run (``definition`` is its definition).
    var revision: Int { get }

    /// The state a new run starts in and the effects it asks for at once, journaled in the
    /// run's first record (run sequence number 1).
    func start() -> Transition<Self>

    /// The pure transition function.
    ///
    /// - Parameters:
    ///   - state: The current state.
    ///   - event: The event.
    ///   - seq: The run sequence number the resulting record will have; intent `i` of the
    ///     result must have id `IntentID(seq: seq, index: i)`.
    /// - Returns: The next state and the effects to fire.
    /// - Throws: ``IllegalTransition`` if the event is refused in this state.
    func transition(from state: State, on event: Event, seq: Int) throws(IllegalTransition) -> Transition<Self>

    /// The intents whose outcomes `state` is waiting for.
    ///
    /// After every transition, the journal's unanswered, unabandoned intents of a run are
    /// exactly the ones its current state awaits; recovery settles them by their policies.
    func awaited(in state: State) -> [IntentID]

    /// The event a driver feeds when it takes a run in `state` (such as `start` for a run that
    /// waits in a queue), if any.
    func driverEvent(in state: State) -> Event?

    /// The earliest time at which ``timerEvent(in:at:)`` will return an event, if any.
    func nextWakeup(in state: State) -> Timestamp?

    /// The timer event due in `state` at time `now` (a deadline, a retry becoming due), if any.
    func timerEvent(in state: State, at now: Timestamp) -> Event?

    /// The event that tells the machine an effect's outcome cannot be known.
    ///
    /// Recovery delivers it for an intent whose policy is ``RecoveryPolicy/inDoubt`` or
    /// ``RecoveryPolicy/compensate``, or whose reconciliation answered "unknown".
    func outcomeUnknown(for intent: IntentID, reason: String) -> Event

    /// The event that asks the machine to cancel the run (an operator's `worker cancel`), or
    /// `nil` if runs of this machine cannot be cancelled.
    func cancelEvent(reason: String) -> Event?
    /// The event that carries an operator's decision about a run parked for one
    /// (`worker resolve`), or `nil` if runs of this machine never wait for an operator.
    func resolutionEvent(_ resolution: Resolution, note: String) -> Event?
    /// How long, in milliseconds, resources that `state` holds on the driving worker's host (a
    /// local sandbox, or one being created) may outlive that worker's last renewal of them, or
    /// `nil` if the state holds none there. A run in such a state is tied to the host: a worker
    /// elsewhere takes it only after this long past its holder's lease.
    func hostResourceGrace(in state: State) -> Int64?
}

extension StateMachine {
    /// Runs cannot be cancelled unless the machine says how.
    public func cancelEvent(reason: String) -> Event? { nil }

    /// Runs never wait for an operator unless the machine says how they are decided.
    public func resolutionEvent(_ resolution: Resolution, note: String) -> Event? { nil }

    /// Runs hold nothing on a host unless the machine says so.
    public func hostResourceGrace(in state: State) -> Int64? { nil }
}
