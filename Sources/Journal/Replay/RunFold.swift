import RunStateMachine

/// Folds one run's journal records through `Machine`, checking every recorded state, intent
/// list, abandoned-intent list and answered intent against what the machine computes, and that
/// record numbers, run links and lease epochs advance as the journal guarantees.
final class RunFold<Machine: StateMachine>: RunFolding {
    private var projection = RunReplay()
    private let keepSteps: Bool
    /// Whether to audit the creation record's input: that it re-encodes to the recorded bytes,
    /// and its hash. Replay and verify do; a driver loading a run to drive it does not need to.
    private let auditsInput: Bool
    /// The run's creation, when the caller has read it already; dropped once read, as is each
    /// record once folded (a fold keeps only what the next record is checked against, so
    /// replaying a large journal holds no records in memory).
    private var creation: RunCreation?
    private var machine: Machine?
    /// The run's revision.
    private var revision: MachineRevision?
    private var state: Machine.State?
    /// The journaled intents neither answered nor abandoned, by id.
    private var pending: [IntentID: EffectIntent<Machine.Effect>] = [:]
    /// The global and per-run sequence numbers of the last record folded.
    private var last: (seq: Int64, runSeq: Int)?

    init(creation: RunCreation? = nil, keepSteps: Bool, auditsInput: Bool = true) {
        self.creation = creation
        self.keepSteps = keepSteps
        self.auditsInput = auditsInput
    }

    var replay: RunReplay {
        var result = projection
        result.pending = pending.keys.sorted()
        return result
    }

    /// The machine, the state and the pending intents (in id order) after the records fed so
    /// far, or `nil` before the creation record.
    var current: (machine: Machine, state: Machine.State, pending: [EffectIntent<Machine.Effect>])? {
        guard let machine, let state else { return nil }
        return (machine, state, pending.keys.sorted().compactMap { pending[$0] })
    }

    /// Folds every record of a run; the fold stops at the first divergence, which its replay reports.
    static func folding(_ records: [JournalRecord], keepSteps: Bool, auditsInput: Bool = true) -> RunFold {
        let fold = RunFold(keepSteps: keepSteps, auditsInput: auditsInput)
        for record in records {
            do {
                try fold.feed(record)
            } catch {
                fold.projection.divergence = error
                break
            }
        }
        return fold
    }

    private func diverge(_ record: JournalRecord, _ problem: String) -> ReplayDivergence {
        ReplayDivergence(seq: record.seq, runSeq: record.runSeq, problem: problem)
    }

    func feed(_ record: JournalRecord) throws(ReplayDivergence) {
        guard HashChain.knownFormats.contains(record.format) else {
            throw diverge(record, "it is in record format \(record.format), which this build cannot read (it knows \(HashChain.knownFormatsDescription)): a newer Runlog wrote it")
        }
        guard let machine, let state, let last else {
            try start(record)
            return
        }
        guard record.runSeq == last.runSeq + 1 else {
            throw diverge(record, "run records jump from \(last.runSeq) to \(record.runSeq)")
        }
        guard record.runPrev == last.seq else {
            throw diverge(record, "it links to record \(record.runPrev.map(String.init) ?? "none") instead of the run's previous record \(last.seq)")
        }
        var next = state
        var eventName: String?
        switch record.kind {
        case .created:
            throw diverge(record, "a second creation record")
        case .lease:
            guard record.epoch == projection.leaseEpoch + 1 else {
                throw diverge(record, "the lease epoch goes from \(projection.leaseEpoch) to \(record.epoch); it must grow by one")
            }
            guard record.state == nil, record.intents == nil, record.abandons == nil, record.answers == nil else {
                throw diverge(record, "a lease record carries a state or intents")
            }
            projection.leaseEpoch = record.epoch
        case .transition:
            guard projection.leaseEpoch >= 1, record.epoch == projection.leaseEpoch else {
                throw diverge(record, "appended under epoch \(record.epoch) while the lease epoch was \(projection.leaseEpoch)")
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
                let recorded = record.answers.map { "\($0)" } ?? "nothing"
                let expected = event.answers.map { "\($0)" } ?? "nothing"
                throw diverge(record, "the record answers \(recorded), the event \(expected)")
            }
            let transition: Transition<Machine>
            do {
                transition = try machine.checkedTransition(from: state, on: event, seq: record.runSeq)
            } catch {
                throw diverge(record, "the machine refuses this event: \(error)")
            }
            try expect(record, state: transition.state, intents: transition.intents, abandons: transition.abandons)
            if let answered = event.answers { pending[answered] = nil }
            for abandoned in transition.abandons { pending[abandoned] = nil }
            for intent in transition.intents { pending[intent.id] = intent }
            next = transition.state
            eventName = event.name
        }
        self.state = next
        self.last = (record.seq, record.runSeq)
        advance(past: record, state: next, event: eventName)
    }

    /// Reads the creation record: the machine, the input, the start state.
    private func start(_ first: JournalRecord) throws(ReplayDivergence) {
        guard first.kind == .created, first.runSeq == 1, first.runPrev == nil else {
            throw diverge(first, "a run's first record must be its creation")
        }
        do {
            let creation = try self.creation ?? RunCreation(payload: first.event)
            self.creation = nil
            let input = try Machine.Input(json: creation.input)
            projection.runID = creation.runID
            projection.machine = creation.machine
            projection.version = creation.version
            projection.name = creation.name
            projection.idempotencyKey = creation.idempotencyKey
            projection.createdAt = first.at
            guard creation.machine == Machine.name else {
                throw diverge(first, "the run is of machine '\(creation.machine)', not '\(Machine.name)'")
            }
            guard let revision = Machine.revision(forVersion: creation.version) else {
                throw diverge(first, Self.unknownVersion(creation))
            }
            projection.revision = revision.number
            if auditsInput {
                // The whole record, its input decoded and encoded again, must be what was written.
                let inputBytes = input.json.canonicalBytes
                guard creation.canonicalPayload(inputBytes: inputBytes) == first.event else {
                    throw diverge(first, "the creation record does not survive decoding unchanged (its input or its form)")
                }
                projection.inputHash = HashChain.sha256Hex(inputBytes)
            }
            let machine = Machine(input: input, submittedAt: creation.submittedAt, revision: revision.number)
            let start = try machine.checkedStart()
            try expect(first, state: start.state, intents: start.intents, abandons: [])
            self.machine = machine
            self.revision = revision
            state = start.state
            pending = Dictionary(uniqueKeysWithValues: start.intents.map { ($0.id, $0) })
            last = (first.seq, first.runSeq)
            advance(past: first, state: start.state, event: nil)
        } catch let divergence as ReplayDivergence {
            throw divergence
        } catch {
            throw diverge(first, "the creation record cannot be read: \(error)")
        }
    }

    /// Why a run recorded with `creation`'s version cannot be replayed by this build.
    static func unknownVersion(_ creation: RunCreation) -> String {
        "the run was recorded with \(creation.machine) version \(creation.version.prefix(12)), which this build cannot replay "
            + "(it has \(MachineRevision.labels(of: Machine.revisions))): a newer Runlog created it; run it with that build"
    }

    /// Updates the projection after a folded record.
    private func advance(past record: JournalRecord, state: Machine.State, event: String?) {
        projection.records += 1
        projection.stateName = state.name
        projection.terminal = revision?.definition.isTerminal(state.name) ?? false
        projection.lastRunSeq = record.runSeq
        projection.lastSeq = record.seq
        projection.updatedAt = record.at
        if let recorded = record.state {
            projection.state = recorded
        }
        if keepSteps {
            projection.steps.append(ReplayStep(seq: record.seq, runSeq: record.runSeq, kind: record.kind, event: event, state: state.name))
        }
    }

    /// Checks a record holds exactly what the machine computed.
    private func expect(
        _ record: JournalRecord,
        state: Machine.State,
        intents: [EffectIntent<Machine.Effect>],
        abandons: [IntentID]
    ) throws(ReplayDivergence) {
        let computed = state.json.canonicalBytes
        guard record.state == computed else {
            let recorded = record.state.map { String(decoding: $0, as: UTF8.self) } ?? "none"
            throw diverge(record, "the recorded state \(recorded) differs from the machine's \(String(decoding: computed, as: UTF8.self))")
        }
        guard record.intents == AppendRequest.encode(intents) else {
            throw diverge(record, "the recorded intents differ from the ones the machine asks for")
        }
        guard record.abandons == AppendRequest.encode(abandons) else {
            throw diverge(record, "the recorded abandoned intents differ from the machine's")
        }
    }
}
