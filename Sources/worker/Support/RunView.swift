import Journal
import RunStateMachine

/// A sandbox-job run read from its records, for `status` and `history`: every intent with what
/// became of it, and the current state.
struct RunView {
    /// One intent and its fate.
    struct Intent {
        let id: IntentID
        let effect: SandboxJobEffect
        let policy: RecoveryPolicy
        /// The record that answered it, if any.
        var answeredBy: Int?
        /// The record that gave it up, if any.
        var abandonedBy: Int?

        var fate: String {
            if let answeredBy { return "answered by record \(answeredBy)" }
            if let abandonedBy { return "abandoned at record \(abandonedBy)" }
            return "pending"
        }
    }

    let summary: RunSummary
    let records: [JournalRecord]
    let creation: RunCreation?
    let state: SandboxJobState?
    private(set) var intents: [IntentID: Intent] = [:]
    /// Tokens, model calls and sandbox time so far.
    private(set) var cost = RunCost()

    /// - Throws: ``JournalError`` with code ``JournalError/Code/corrupt`` if a record's intents,
    ///   abandoned intents or event do not decode.
    init(summary: RunSummary, records: [JournalRecord]) throws(JournalError) {
        self.summary = summary
        self.records = records
        creation = records.first.flatMap { try? RunCreation(payload: $0.event) }
        state = records.last(where: { $0.state != nil })?.state.flatMap { try? SandboxJobState(json: JSONValue.parse($0)) }
        for record in records {
            for intent in try record.decodedIntents(as: SandboxJobEffect.self) {
                intents[intent.id] = Intent(id: intent.id, effect: intent.effect, policy: intent.policy)
            }
            if let answered = record.answers {
                intents[answered]?.answeredBy = record.runSeq
            }
            for abandoned in try record.decodedAbandons() {
                intents[abandoned]?.abandonedBy = record.runSeq
            }
            if let event = try record.decodedEvent(as: SandboxJobEvent.self) {
                cost.record(event, at: record.at)
            }
        }
    }

    /// The intents neither answered nor abandoned.
    var pending: [Intent] {
        intents.values.filter { $0.answeredBy == nil && $0.abandonedBy == nil }.sorted { $0.id < $1.id }
    }

    /// The effect key of an intent: `<run>/<seq>/<index>`.
    func key(_ id: IntentID) -> String { "\(summary.run.id)/\(id)" }

    /// A line describing what a record says.
    func describe(_ record: JournalRecord) -> String {
        switch record.kind {
        case .created:
            guard let creation else { return "created" }
            let revision = MachineRegistry.standard.label(of: creation.machine, version: creation.version)
            return "created (\(revision))" + (creation.name.map { ": \($0)" } ?? "")
        case .lease:
            let payload = try? JSONFields(JSONValue.parse(record.event))
            let owner = (try? payload?.string("owner")) ?? "?"
            return "lease epoch \(record.epoch) taken by \(owner)"
        case .transition:
            guard let event = try? SandboxJobEvent(json: JSONValue.parse(record.event)) else {
                return String(decoding: record.event, as: UTF8.self)
            }
            return event.description
        }
    }
}
