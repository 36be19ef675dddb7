import RunStateMachine

/// One row of the journal, as stored.
public struct JournalRecord: Hashable, Sendable {
    /// The global sequence number: the position in the hash chain.
    public var seq: Int64
    /// The run's internal row number.
    public var runNo: Int64
    /// The record's position within its run, from 1.
    public var runSeq: Int
    /// The global sequence number of the run's previous record (`nil` for its first).
    public var runPrev: Int64?
    /// The kind of record.
    public var kind: RecordKind
    /// The lease epoch the record was written under (for a lease record, the new epoch).
    public var epoch: Int64
    /// Wall-clock time of the append (informational; order is by `seq`).
    public var at: Timestamp
    /// The payload: creation details, lease details, or the event (canonical JSON).
    public var event: [UInt8]
    /// The state after the record (canonical JSON), `nil` for lease records.
    public var state: [UInt8]?
    /// The effect intents asked for (canonical JSON array), `nil` if none.
    public var intents: [UInt8]?
    /// Intents given up by this transition (canonical JSON array), `nil` if none.
    public var abandons: [UInt8]?
    /// The intent whose outcome this event reports.
    public var answers: IntentID?
    /// The previous record's hash (32 zero bytes for the first record).
    public var prevHash: [UInt8]
    /// `SHA-256(prevHash ‖ canonical bytes of this record)`.
    public var hash: [UInt8]
    /// The layout of the canonical bytes (1 for every record of this build and all earlier ones).
    public var format: Int64 = 1

    /// A record as a store read it.
    package init(
        seq: Int64, runNo: Int64, runSeq: Int, runPrev: Int64?, kind: RecordKind, epoch: Int64, at: Timestamp, event: [UInt8],
        state: [UInt8]?, intents: [UInt8]?, abandons: [UInt8]?, answers: IntentID?, prevHash: [UInt8], hash: [UInt8], format: Int64
    ) {
        self.seq = seq
        self.runNo = runNo
        self.runSeq = runSeq
        self.runPrev = runPrev
        self.kind = kind
        self.epoch = epoch
        self.at = at
        self.event = event
        self.state = state
        self.intents = intents
        self.abandons = abandons
        self.answers = answers
        self.prevHash = prevHash
        self.hash = hash
        self.format = format
    }

    /// The payload parsed as JSON.
    public func eventJSON() throws(JSONParseError) -> JSONValue { try JSONValue.parse(event) }

    /// The state parsed as JSON, if the record has one.
    public func stateJSON() throws(JSONParseError) -> JSONValue? {
        guard let state else { return nil }
        return try JSONValue.parse(state)
    }
}
