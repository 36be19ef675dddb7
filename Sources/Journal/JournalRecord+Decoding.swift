import RunStateMachine

extension JournalRecord {
    /// The effect intents the record asked for, decoded as `Effect`s (empty when it asked for
    /// none).
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` if the record holds
    ///   intents that do not decode as `Effect`s: a damaged row is reported, never read as fewer
    ///   intents.
    public func decodedIntents<Effect: MachineEffect>(as type: Effect.Type = Effect.self) throws(JournalError) -> [EffectIntent<Effect>] {
        guard let intents else { return [] }
        let elements = try elements(of: intents, column: "intents")
        var decoded: [EffectIntent<Effect>] = []
        decoded.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do {
                decoded.append(try EffectIntent<Effect>(json: element))
            } catch {
                throw damaged("intent \(index) does not decode: \(error)")
            }
        }
        return decoded
    }

    /// The ids of the intents the record abandoned.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` if they do not decode.
    public func decodedAbandons() throws(JournalError) -> [IntentID] {
        guard let abandons else { return [] }
        var decoded: [IntentID] = []
        for (index, element) in try elements(of: abandons, column: "abandons").enumerated() {
            do {
                decoded.append(try IntentID(json: element))
            } catch {
                throw damaged("abandoned intent \(index) does not decode: \(error)")
            }
        }
        return decoded
    }

    /// The event of a transition record, decoded as an `Event` (`nil` for creation and lease
    /// records).
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` if a transition's event
    ///   does not decode as an `Event`.
    public func decodedEvent<Event: MachineEvent>(as type: Event.Type = Event.self) throws(JournalError) -> Event? {
        guard kind == .transition else { return nil }
        do {
            return try Event(json: try eventJSON())
        } catch {
            throw damaged("its event does not decode: \(error)")
        }
    }

    private func elements(of bytes: [UInt8], column: String) throws(JournalError) -> [JSONValue] {
        guard case .array(let elements)? = try? JSONValue.parse(bytes) else {
            throw damaged("its \(column) column is not a JSON array")
        }
        return elements
    }

    private func damaged(_ what: String) -> JournalError {
        JournalError(.corrupt, "record \(seq) (run record \(runSeq)) is damaged: \(what); run 'worker verify'")
    }
}
