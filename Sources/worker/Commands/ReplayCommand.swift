import ArgumentParser
import Journal
import RunStateMachine

/// `worker replay RUN`: refold a run through its machine and compare every record.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a run's journal through the machine of its recorded version; exits 1 at the first divergence.",
        discussion: """
            Every recorded state, intent list and abandoned intent is compared with what the \
            machine computes from the recorded events; lease epochs and record numbers must \
            advance as the journal guarantees.
            """
    )

    @OptionGroup var selection: RunSelection

    private var options: GlobalOptions { selection.options }

    func run() async throws {
        try await selection.withRecords { summary, records in
            let replay = MachineRegistry.standard.replay(records, keepSteps: true)
            if options.json {
                var object: JSONObject = [
                    "run": .string(summary.run.id.value),
                    "records": .int(Int64(replay.steps.count)),
                    "state": .string(replay.stateName ?? "-"),
                    "ok": .bool(replay.divergence == nil),
                ]
                if let divergence = replay.divergence {
                    object["divergence"] = ["seq": .int(divergence.seq), "runSeq": .int(Int64(divergence.runSeq)), "problem": .string(divergence.problem)]
                }
                Console.printJSON(.object(object))
            } else {
                Table.print(
                    ["#", "RECORD", "EVENT", "STATE"],
                    replay.steps.map { ["\($0.runSeq)", "\($0.seq)", $0.event ?? $0.kind.rawValue, "\($0.state ?? "") ✓"] }
                )
                if let divergence = replay.divergence {
                    print("DIVERGES at \(divergence)")
                } else {
                    print("replayed \(replay.steps.count) records: every state matches; ends in '\(replay.stateName ?? "-")'")
                }
            }
            if replay.divergence != nil {
                throw ExitCode(Console.verificationFailed)
            }
        }
    }
}
