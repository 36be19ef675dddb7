import Journal
import RunStateMachine

/// Journal records as a damaged or forged database could hold them: one record per line, in the
/// exported form of `worker history --json` (every column of a row). Decoding, replaying them
/// through their machine, and describing what they hold as `status` and `history` do, is a
/// typed error or a divergence, never a crash; a run that replays has exactly its records
/// folded, and its state is the last record's.
public enum RecordFuzzCheck {
    /// Checks one input.
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        var records: [JournalRecord] = []
        for line in input.split(separator: UInt8(ascii: "\n")) {
            guard let json = try? JSONValue.parse(line), let record = try? JournalRecord(json: json) else { continue }
            records.append(record)
            // What the command line decodes from a record to show it.
            _ = (try? record.decodedIntents(as: SandboxJobEffect.self))?.map(\.effect.description)
            _ = (try? record.decodedEvent(as: SandboxJobEvent.self))??.description
            _ = try? record.decodedAbandons()
            _ = record.at.description
            if let state = try? record.stateJSON().map(SandboxJobState.init(json:)) {
                _ = state.description
            }
            if record.kind == .created, let creation = try? RunCreation(payload: record.event) {
                _ = creation.submittedAt.description
            }
        }
        guard !records.isEmpty else { return }
        let replay = MachineRegistry.standard.replay(records)
        if replay.divergence == nil {
            guard replay.records == records.count else {
                throw FuzzFailure("a run replayed without divergence folded \(replay.records) of \(records.count) records")
            }
            if let last = records.last(where: { $0.state != nil }), replay.state != last.state {
                throw FuzzFailure("a run replayed without divergence ends in a state other than its last record's")
            }
        }
        _ = replay.revision
    }
}
