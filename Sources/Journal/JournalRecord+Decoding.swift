import RunStateMachine

extension JournalRecord {
    /// The effect intents the record asked for, decoded as `Effect`s (empty when it asked for
    /// none or they are not `Effect`s).
    public func decodedIntents<Effect: MachineEffect>(as type: Effect.Type = Effect.self) -> [EffectIntent<Effect>] {
        guard let intents, case .array(let elements)? = try? JSONValue.parse(intents) else { return [] }
        return elements.compactMap { try? EffectIntent<Effect>(json: $0) }
    }

    /// The ids of the intents the record abandoned.
    public func decodedAbandons() -> [IntentID] {
        guard let abandons, case .array(let elements)? = try? JSONValue.parse(abandons) else { return [] }
        return elements.compactMap { try? IntentID(json: $0) }
    }

    /// The event of a transition record, decoded as an `Event` (`nil` for creation and lease
    /// records, or an event that is not an `Event`).
    public func decodedEvent<Event: MachineEvent>(as type: Event.Type = Event.self) -> Event? {
        guard kind == .transition, let json = try? eventJSON() else { return nil }
        return try? Event(json: json)
    }
}
