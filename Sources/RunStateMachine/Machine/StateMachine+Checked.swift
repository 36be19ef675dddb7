extension StateMachine {
    /// The transition function with every invariant of the definition enforced.
    ///
    /// Before calling ``transition(from:on:seq:)`` it refuses events in terminal states and
    /// outcomes for intents the state is not waiting on. After, it verifies the result is a
    /// declared edge, that intent `i` has id `(seq, i)`, a declared effect kind and an allowed
    /// policy, and that the next state awaits every new intent. It fills in
    /// ``Transition/abandons``: the intents the old state awaited that are neither answered by
    /// the event nor still awaited.
    ///
    /// - Throws: ``IllegalTransition``.
    @inlinable
    public func checkedTransition(
        from state: State,
        on event: Event,
        seq: Int
    ) throws(IllegalTransition) -> Transition<Self> {
        let revision = machineRevision
        if revision.definition.isTerminal(state.name) {
            throw IllegalTransition(
                .terminalState,
                state: state.name,
                event: event.name,
                reason: "the run has finished; nothing leaves a terminal state"
            )
        }
        let waiting = awaited(in: state)
        if let answered = event.answers, !waiting.contains(answered) {
            throw IllegalTransition(
                .staleOutcome,
                state: state.name,
                event: event.name,
                reason: "intent \(answered) is not awaited here (late, duplicate or abandoned outcome)"
            )
        }
        var result = try transition(from: state, on: event, seq: seq)
        try Self.validate(result, from: state, on: event, seq: seq, revision: revision)
        let nowAwaited = awaited(in: result.state)
        for intent in result.intents where !nowAwaited.contains(intent.id) {
            throw IllegalTransition(
                .malformedTransition,
                state: state.name,
                event: event.name,
                reason: "the next state '\(result.state.name)' does not await new intent \(intent.id)"
            )
        }
        result.abandons = waiting.filter { $0 != event.answers && !nowAwaited.contains($0) }
        return result
    }

    /// The run's first transition, checked like ``checkedTransition(from:on:seq:)``.
    ///
    /// - Throws: ``IllegalTransition`` with code ``IllegalTransition/Code/malformedTransition`` if
    ///   the start state is not declared initial or its intents are malformed.
    @inlinable
    public func checkedStart() throws(IllegalTransition) -> Transition<Self> {
        let result = start()
        let revision = machineRevision
        guard revision.definition.initialStates.contains(result.state.name) else {
            throw IllegalTransition(
                .malformedTransition,
                state: result.state.name,
                event: "start",
                reason: "'\(result.state.name)' is not an initial state of \(revision.label)"
            )
        }
        try Self.validateIntents(result.intents, seq: 1, state: result.state.name, event: "start", allowed: nil, revision: revision)
        return result
    }

    @inlinable
    static func validate(
        _ result: Transition<Self>,
        from state: State,
        on event: Event,
        seq: Int,
        revision: MachineRevision
    ) throws(IllegalTransition) {
        guard let allowed = revision.definition.effectKinds(from: state.name, event: event.name, to: result.state.name) else {
            throw IllegalTransition(
                .undeclaredEdge,
                state: state.name,
                event: event.name,
                reason: "revision \(revision.number) has no edge \(state.name) --\(event.name)--> \(result.state.name)"
            )
        }
        try validateIntents(result.intents, seq: seq, state: state.name, event: event.name, allowed: allowed, revision: revision)
    }

    @inlinable
    static func validateIntents(
        _ intents: [EffectIntent<Effect>],
        seq: Int,
        state: String,
        event: String,
        allowed: Set<String>?,
        revision: MachineRevision
    ) throws(IllegalTransition) {
        for (index, intent) in intents.enumerated() {
            func fail(_ reason: String) -> IllegalTransition {
                IllegalTransition(.malformedTransition, state: state, event: event, reason: reason)
            }
            guard intent.id == IntentID(seq: seq, index: index) else {
                throw fail("intent \(index) has id \(intent.id), expected \(seq)/\(index)")
            }
            guard let kind = revision.definition.effect(named: intent.effect.kind) else {
                throw fail("effect kind '\(intent.effect.kind)' is not declared")
            }
            if let allowed, !allowed.contains(kind.name) {
                throw fail("the edge does not declare effect '\(kind.name)'")
            }
            guard kind.policies.contains(intent.policy) else {
                throw fail("policy '\(intent.policy.rawValue)' is not allowed for '\(kind.name)'")
            }
        }
    }
}
