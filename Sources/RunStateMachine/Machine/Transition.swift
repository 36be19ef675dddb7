/// The result of a legal transition: the next state and the effects it asks for.
public struct Transition<Machine: StateMachine>: Sendable {
    /// The state after the event.
    public var state: Machine.State
    /// The effects to journal and then fire, in order; intent `i` has id `(seq, i)`.
    public var intents: [EffectIntent<Machine.Effect>]
    /// Intents the previous state was waiting on that this transition gives up (for example a
    /// step's command when the run is cancelled). Filled in by
    /// ``StateMachine/checkedTransition(from:on:seq:)``, not by machines.
    public var abandons: [IntentID]

    /// Creates a transition.
    @inlinable
    public init(state: Machine.State, intents: [EffectIntent<Machine.Effect>] = [], abandons: [IntentID] = []) {
        self.state = state
        self.intents = intents
        self.abandons = abandons
    }
}

extension Transition: Equatable where Machine.State: Equatable {
    /// Equal when state, intents and abandoned intents are equal.
    public static func == (lhs: Transition, rhs: Transition) -> Bool {
        lhs.state == rhs.state && lhs.intents == rhs.intents && lhs.abandons == rhs.abandons
    }
}
