/// A state machine described as data: its states, events, effect kinds with their recovery
/// policies, and every edge a transition may take.
///
/// The definition is what `worker graph` draws and what the static checks examine
/// (``problems``). It is also enforced: ``StateMachine/checkedTransition(from:on:seq:)`` refuses
/// any transition that is not one of its edges, so the drawing and the checks describe what the
/// code does.
///
/// ``version`` is the SHA-256 of the behaviour-relevant parts of the definition plus
/// ``revision``; the journal records it with every run, and replay and drivers use the revision
/// of the recorded version (``StateMachine/revisions``).
public struct MachineDefinition: Sendable, Hashable {
    /// One state (a node of the graph).
    public struct StateNode: Sendable, Hashable {
        /// The state's name, e.g. `running`.
        public var name: String
        /// What the run is doing in this state.
        public var summary: String
        /// Whether nothing leaves this state.
        public var isTerminal: Bool
        /// Resources (such as `sandbox`) a run may hold in this state; each needs a path to an
        /// effect that releases it.
        public var holds: [String]

        /// Creates a state node.
        public init(_ name: String, _ summary: String, terminal: Bool = false, holds: [String] = []) {
            self.name = name
            self.summary = summary
            self.isTerminal = terminal
            self.holds = holds
        }
    }

    /// Where an event comes from.
    public enum EventSource: String, Sendable, Hashable {
        /// The driver itself (taking a run from the queue).
        case driver
        /// The outcome of an effect intent.
        case outcome
        /// A timer derived from the state (deadline, retry due).
        case timer
        /// A person (cancel, resolving a parked run).
        case `operator`
        /// Recovery, for an intent whose outcome cannot be known.
        case recovery
    }

    /// One kind of event.
    public struct EventKind: Sendable, Hashable {
        /// The event's name, e.g. `stepFinished`.
        public var name: String
        /// What the event means.
        public var summary: String
        /// Where it comes from.
        public var source: EventSource

        /// Creates an event kind.
        public init(_ name: String, _ summary: String, source: EventSource) {
            self.name = name
            self.summary = summary
            self.source = source
        }
    }

    /// One kind of effect.
    public struct EffectKind: Sendable, Hashable {
        /// The effect's name, e.g. `createSandbox`.
        public var name: String
        /// What the effect does.
        public var summary: String
        /// The recovery policies an intent of this kind may carry.
        public var policies: [RecoveryPolicy]
        /// Resources this effect acquires.
        public var acquires: [String]
        /// Resources this effect releases.
        public var releases: [String]

        /// Creates an effect kind.
        public init(
            _ name: String,
            _ summary: String,
            policies: [RecoveryPolicy],
            acquires: [String] = [],
            releases: [String] = []
        ) {
            self.name = name
            self.summary = summary
            self.policies = policies
            self.acquires = acquires
            self.releases = releases
        }
    }

    /// One edge: in state `from`, event `event` may lead to `to`, asking for effects of the
    /// listed kinds.
    public struct Edge: Sendable, Hashable {
        /// The source state.
        public var from: String
        /// The event.
        public var event: String
        /// The target state (may equal `from`).
        public var to: String
        /// The effect kinds this edge may ask for.
        public var effects: [String]

        /// Creates an edge.
        public init(_ from: String, _ event: String, _ to: String, effects: [String] = []) {
            self.from = from
            self.event = event
            self.to = to
            self.effects = effects
        }
    }

    /// The machine's name, e.g. `sandbox-job`.
    public var name: String { didSet { rebuildIndexes() } }
    /// The revision number: 1 for the machine's first release, one more for every released
    /// change, whether to the graph or only to the transition code (a backoff formula, say), so
    /// each revision has its own version. See ``MachineRevision``.
    public var revision: Int { didSet { rebuildIndexes() } }
    /// What the machine is for.
    public var summary: String
    /// The states, in presentation order.
    public var states: [StateNode] { didSet { rebuildIndexes() } }
    /// The events.
    public var events: [EventKind] { didSet { rebuildIndexes() } }
    /// The effect kinds.
    public var effects: [EffectKind] { didSet { rebuildIndexes() } }
    /// The states a run may start in.
    public var initialStates: [String] { didSet { rebuildIndexes() } }
    /// Every edge.
    public var edges: [Edge] { didSet { rebuildIndexes() } }

    /// The SHA-256 (hex) of ``behaviourJSON``'s canonical bytes: the machine's version,
    /// recomputed whenever the definition changes.
    public private(set) var version = ""

    private var edgeEffects: [EdgeKey: Set<String>] = [:]
    private var stateIndex: [String: Int] = [:]
    private var effectIndex: [String: Int] = [:]

    private struct EdgeKey: Hashable, Sendable {
        var from: String
        var event: String
        var to: String
    }

    /// Creates a definition.
    public init(
        name: String,
        revision: Int,
        summary: String,
        states: [StateNode],
        events: [EventKind],
        effects: [EffectKind],
        initialStates: [String],
        edges: [Edge]
    ) {
        self.name = name
        self.revision = revision
        self.summary = summary
        self.states = states
        self.events = events
        self.effects = effects
        self.initialStates = initialStates
        self.edges = edges
        rebuildIndexes()
    }

    private mutating func rebuildIndexes() {
        edgeEffects = Dictionary(
            edges.map { (EdgeKey(from: $0.from, event: $0.event, to: $0.to), Set($0.effects)) },
            uniquingKeysWith: { $0.union($1) }
        )
        stateIndex = Dictionary(states.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        effectIndex = Dictionary(effects.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        version = ContentHash.sha256Hex(behaviourJSON.canonicalBytes)
    }

    /// The state named `name`, if declared.
    public func state(named name: String) -> StateNode? {
        stateIndex[name].map { states[$0] }
    }

    /// The effect kind named `name`, if declared.
    public func effect(named name: String) -> EffectKind? {
        effectIndex[name].map { effects[$0] }
    }

    /// Whether `name` is a declared terminal state.
    public func isTerminal(_ name: String) -> Bool {
        state(named: name)?.isTerminal ?? false
    }

    /// The effect kinds the edge `from --event--> to` may ask for, or `nil` if there is no such
    /// edge.
    public func effectKinds(from: String, event: String, to: String) -> Set<String>? {
        edgeEffects[EdgeKey(from: from, event: event, to: to)]
    }
}
