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

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The run id (or a unique prefix).")
    var run: String

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try options.journal(.reader)
            defer { journal.close() }
            let summary = try await journal.run(matching: run)
            let records = try await journal.records(of: summary.run)
            if options.json {
                for record in records {
                    Console.printJSON(record.json)
                }
                return
            }
            let view = RunView(summary: summary, records: records)
            print("run \(summary.run.id)\(summary.name.map { "  \"\($0)\"" } ?? "")  (\(summary.stateName))")
            var rows: [[String]] = []
            for record in records {
                let state = record.state.flatMap { try? SandboxJobState(json: JSONValue.parse($0)) }?.name ?? ""
                let answers = record.answers.map { " [answers \($0)]" } ?? ""
                rows.append(["\(record.runSeq)", "\(record.at)", view.describe(record) + answers, state.isEmpty ? "" : "→ \(state)"])
                for intent in record.decodedIntents(as: SandboxJobEffect.self) {
                    let fate = view.intents[intent.id]?.fate ?? "pending"
                    rows.append(["", "", "  ⇢ \(intent.id) \(intent.effect) [\(intent.policy.rawValue)], \(fate)", ""])
                }
            }
            Table.print(["#", "TIME", "RECORD", "STATE"], rows)
            print("cost: \(view.cost.summary(asOf: .now()))")
        }
    }
}
