import ArgumentParser
import Journal
import RunStateMachine

extension Resolution: ExpressibleByArgument {}

/// `worker resolve RUN retry|skip|fail`: an operator's decision about a run parked for one.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Decide about a run waiting for an operator (needsAttention): retry, skip or fail.",
        discussion: """
            A run waits for an operator when the outcome of something it did cannot be known \
            (a step that is not idempotent, cut off by a crash) or cannot be repaired alone. \
            `worker status RUN` says what it waits on. retry: do it again (run the step again, \
            kill the sandbox again, report again). skip: treat it as done and go on. fail: give \
            up; the run fails (only while its outcome is not yet decided). The decision is \
            recorded in the database; the next worker to take the run journals it with the note \
            (shown in `worker history`) within a poll interval. A run that is not waiting for an \
            operator is refused.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The run id, or a unique prefix of at least four characters.")
    var run: String

    @Argument(help: "The decision: retry, skip or fail.")
    var resolution: Resolution

    @Option(help: "Why, for the run's history.")
    var note = ""

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.client)
            defer { journal.close() }
            let summary = try await journal.requestResolution(run: run, resolution: resolution, note: note, at: .now(), whileIn: "needsAttention")
            if options.json {
                Console.printJSON(["run": .string(summary.run.id.value), "requested": true, "resolution": .string(resolution.rawValue)])
            } else {
                print("\(resolution.rawValue) requested for \(summary.run.id) (waiting in \(summary.stateName)); a worker will journal it")
            }
        }
    }
}
