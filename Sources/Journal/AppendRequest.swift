import RunStateMachine

/// A transition to append to a run's journal, already encoded in canonical JSON.
///
/// The journal accepts it only if `runSeq` is the run's next sequence number, `previousSeq` its
/// last record, and `epoch` the run's current lease epoch, all checked in the committing
/// transaction.
public struct AppendRequest: Hashable, Sendable {
    /// The run.
    public var run: RunRef
    /// The new record's run sequence number (the run's last plus one).
    public var runSeq: Int
    /// The global sequence number of the run's last record, which the new one links to.
    public var previousSeq: Int64
    /// The appender's lease epoch.
    public var epoch: Int64
    /// Wall-clock time of the append.
    public var at: Timestamp
    /// The event.
    public var event: [UInt8]
    /// The state after the event.
    public var state: [UInt8]
    /// The state's name, for the `runs` projection.
    public var stateName: String
    /// Whether the state is terminal.
    public var terminal: Bool
    /// The intents asked for, if any.
    public var intents: [UInt8]?
    /// The intents given up, if any.
    public var abandons: [UInt8]?
    /// The intent the event answers, if any.
    public var answers: IntentID?
    /// The host the state after the event holds resources on, if any: written to the run's
    /// head, where claims from other hosts honour it (``ClaimRequest/host``).
    public var affinity: HostAffinity?

    /// Encodes a checked transition of `machine` caused by `event`; `affinity` is the host its
    /// new state holds resources on (see ``HostAffinity``), if any.
    public init<Machine: StateMachine>(
        machine: Machine,
        run: RunRef,
        runSeq: Int,
        previousSeq: Int64,
        epoch: Int64,
        at: Timestamp,
        event: Machine.Event,
        transition: Transition<Machine>,
        affinity: HostAffinity? = nil
    ) {
        self.run = run
        self.runSeq = runSeq
        self.previousSeq = previousSeq
        self.epoch = epoch
        self.at = at
        self.event = event.json.canonicalBytes
        self.state = transition.state.json.canonicalBytes
        self.stateName = transition.state.name
        self.terminal = machine.machineRevision.definition.isTerminal(transition.state.name)
        self.intents = Self.encode(transition.intents)
        self.abandons = Self.encode(transition.abandons)
        self.answers = event.answers
        self.affinity = affinity
    }

    /// Whether the run's head (its last record, at `lastSeq`, the lease epoch, whether it has
    /// finished) takes this record.
    package func fits(lastRunSeq: Int, epoch: Int64, terminal: Bool, lastSeq: Int64) -> Bool {
        lastRunSeq == runSeq - 1 && lastSeq == previousSeq && self.epoch == epoch && !terminal
    }

    /// Why a run whose head is as given refuses this record (it does not ``fits(lastRunSeq:epoch:terminal:lastSeq:)``).
    package func refusal(lastRunSeq: Int, epoch: Int64, terminal: Bool, lastSeq: Int64) -> JournalError {
        if epoch != self.epoch {
            return JournalError(
                .staleEpoch,
                "the lease moved on to epoch \(epoch); this owner (epoch \(self.epoch)) may no longer append",
                run: run.id
            )
        }
        if terminal {
            return JournalError(.runFinished, "the run has finished; nothing can be appended", run: run.id)
        }
        return JournalError(
            .sequenceConflict,
            "record \(runSeq) linking to \(previousSeq) is not the run's next (its last is \(lastRunSeq), at \(lastSeq)); "
                + "reload the run and retry",
            run: run.id
        )
    }

    /// The canonical JSON array of `elements`, or `nil` when there are none.
    static func encode<Element: JSONCodable>(_ elements: [Element]) -> [UInt8]? {
        guard !elements.isEmpty else { return nil }
        var array: [JSONValue] = []
        array.reserveCapacity(elements.count)
        for element in elements {
            array.append(element.json)
        }
        return JSONValue.array(array).canonicalBytes
    }
}
