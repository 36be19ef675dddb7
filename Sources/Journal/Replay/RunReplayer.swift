import RunStateMachine

/// Folds one run's journal records through `Machine`, checking every recorded state, intent
/// list, abandoned-intent list and answered intent against what the machine computes, and that
/// sequence numbers and lease epochs advance as the journal guarantees.
enum RunReplayer<Machine: StateMachine> {
    static func replay(_ records: [JournalRecord], keepSteps: Bool) -> RunReplay {
        var stage = Stage(replay: RunReplay())
        do {
            try stage.run(records, keepSteps: keepSteps)
        } catch {
            stage.replay.divergence = error
        }
        return stage.replay
    }

    private struct Stage {
        var replay: RunReplay

        mutating func run(_ records: [JournalRecord], keepSteps: Bool) throws(ReplayDivergence) {
            guard let first = records.first else { return }
            func diverge(_ record: JournalRecord, _ problem: String) -> ReplayDivergence {
                ReplayDivergence(seq: record.seq, runSeq: record.runSeq, problem: problem)
            }
            guard first.kind == .created, first.runSeq == 1 else {
                throw diverge(first, "a run's first record must be its creation")
            }
            let machine: Machine
            var state: Machine.State
            var pending: Set<IntentID> = []
            do {
                let creation = try RunCreation(payload: first.event)
                let input = try Machine.Input(json: creation.input)
                replay.runID = creation.runID
                replay.machine = creation.machine
                replay.version = creation.version
                replay.name = creation.name
                replay.idempotencyKey = creation.idempotencyKey
                replay.createdAt = first.at
                let inputBytes = creation.input.canonicalBytes
                guard input.json.canonicalBytes == inputBytes else {
                    throw diverge(first, "the recorded input does not survive decoding unchanged")
                }
                replay.inputHash = HashChain.sha256Hex(inputBytes)
                machine = Machine(input: input, submittedAt: creation.submittedAt)
                let start = try machine.checkedStart()
                try expect(first, state: start.state, intents: start.intents, abandons: [])
                state = start.state
                pending = Set(start.intents.map(\.id))
            } catch let divergence as ReplayDivergence {
                throw divergence
            } catch {
                throw diverge(first, "the creation record cannot be read: \(error)")
            }
            if keepSteps {
                replay.steps.append(ReplayStep(seq: first.seq, runSeq: 1, kind: .created, event: nil, state: state.name, matches: true))
            }
            var epoch: Int64 = 0
            var last = first
            for record in records.dropFirst() {
                guard record.runSeq == last.runSeq + 1 else {
                    throw diverge(record, "run records jump from \(last.runSeq) to \(record.runSeq)")
                }
                switch record.kind {
                case .created:
                    throw diverge(record, "a second creation record")
                case .lease:
                    guard record.epoch == epoch + 1 else {
                        throw diverge(record, "the lease epoch goes from \(epoch) to \(record.epoch); it must grow by one")
                    }
                    guard record.state == nil, record.intents == nil, record.abandons == nil, record.answers == nil else {
                        throw diverge(record, "a lease record carries a state or intents")
                    }
                    epoch = record.epoch
                case .transition:
                    guard epoch >= 1, record.epoch == epoch else {
                        throw diverge(record, "appended under epoch \(record.epoch) while the lease epoch was \(epoch)")
                    }
                    let event: Machine.Event
                    do {
                        event = try Machine.Event(json: JSONValue.parse(record.event))
                    } catch {
                        throw diverge(record, "the event cannot be read: \(error)")
                    }
                    guard event.json.canonicalBytes == record.event else {
                        throw diverge(record, "the event does not survive decoding unchanged")
                    }
                    guard record.answers == event.answers else {
                        throw diverge(record, "the record answers \(record.answers.map(String.init(describing:)) ?? "nothing"), the event \(event.answers.map(String.init(describing:)) ?? "nothing")")
                    }
                    let transition: Transition<Machine>
                    do {
                        transition = try machine.checkedTransition(from: state, on: event, seq: record.runSeq)
                    } catch {
                        throw diverge(record, "the machine refuses this event: \(error)")
                    }
                    try expect(record, state: transition.state, intents: transition.intents, abandons: transition.abandons)
                    if let answered = event.answers { pending.remove(answered) }
                    pending.subtract(transition.abandons)
                    pending.formUnion(transition.intents.map(\.id))
                    state = transition.state
                }
                if keepSteps {
                    let eventName = record.kind == .transition ? (try? Machine.Event(json: JSONValue.parse(record.event)))?.name : nil
                    replay.steps.append(ReplayStep(seq: record.seq, runSeq: record.runSeq, kind: record.kind, event: eventName, state: state.name, matches: true))
                }
                last = record
            }
            replay.records = records.count
            replay.stateName = state.name
            replay.state = state.json.canonicalBytes
            replay.terminal = Machine.definition.isTerminal(state.name)
            replay.lastRunSeq = last.runSeq
            replay.lastSeq = last.seq
            replay.leaseEpoch = epoch
            replay.updatedAt = last.at
            replay.pending = pending.sorted()
        }

        /// Checks a record holds exactly what the machine computed.
        func expect(
            _ record: JournalRecord,
            state: Machine.State,
            intents: [EffectIntent<Machine.Effect>],
            abandons: [IntentID]
        ) throws(ReplayDivergence) {
            func diverge(_ problem: String) -> ReplayDivergence {
                ReplayDivergence(seq: record.seq, runSeq: record.runSeq, problem: problem)
            }
            let computed = state.json.canonicalBytes
            guard record.state == computed else {
                let recorded = record.state.map { String(decoding: $0, as: UTF8.self) } ?? "none"
                throw diverge("the recorded state \(recorded) differs from the machine's \(String(decoding: computed, as: UTF8.self))")
            }
            guard record.intents == AppendRequest.encode(intents) else {
                throw diverge("the recorded intents differ from the ones the machine asks for")
            }
            guard record.abandons == AppendRequest.encode(abandons) else {
                throw diverge("the recorded abandoned intents differ from the machine's")
            }
        }
    }
}
