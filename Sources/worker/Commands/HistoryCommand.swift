import ArgumentParser
import Journal
import RunStateMachine

/// `worker history RUN`: the run's journal as a timeline.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a run's timeline: every transition, effect intent and outcome, with times.",
        discussion: "With --json, prints the run's journal records exactly as stored (one JSON object per line)."
    )

    @OptionGroup var selection: RunSelection

    private var options: GlobalOptions { selection.options }

    func run() async throws {
        try await selection.withRecords { summary, records in
            if options.json {
                for record in records {
                    Console.printJSON(record.json)
                }
                return
            }
            let view = try RunView(summary: summary, records: records)
            print("run \(summary.run.id)\(summary.name.map { "  \"\(TerminalText.escaped($0))\"" } ?? "")  (\(summary.stateName))")
            var rows: [[String]] = []
            for record in records {
                let state = record.state.flatMap { try? SandboxJobState(json: JSONValue.parse($0)) }?.name ?? ""
                let answers = record.answers.map { " [answers \($0)]" } ?? ""
                rows.append(["\(record.runSeq)", "\(record.at)", view.describe(record) + answers, state.isEmpty ? "" : "→ \(state)"])
                for intent in try record.decodedIntents(as: SandboxJobEffect.self) {
                    let fate = view.intents[intent.id]?.fate ?? "pending"
                    rows.append(["", "", "  ⇢ \(intent.id) \(intent.effect) [\(intent.policy.rawValue)], \(fate)", ""])
                }
            }
            Table.print(["#", "TIME", "RECORD", "STATE"], rows)
            print("cost: \(view.cost.summary(asOf: .now()))")
        }
    }
}
