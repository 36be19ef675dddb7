import ArgumentParser
import Journal
import RunStateMachine

/// `worker cancel RUN`: asks for an unfinished run to be cancelled.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel an unfinished run: its worker kills the sandbox and reports it cancelled.",
        discussion: """
            The request is recorded in the database; the worker driving the run (or the next one \
            to take it) journals the cancellation within a poll interval, kills the run's \
            sandbox and reports the run cancelled. A run already past the point of no return \
            (reporting its outcome) finishes as it was.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The run id, or a unique prefix of at least four characters.")
    var run: String

    @Option(help: "Why, for the journal.")
    var reason = "cancelled by an operator"

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.client)
            defer { journal.close() }
            let summary = try await journal.requestCancel(run: run, reason: reason, at: .now())
            if options.json {
                Console.printJSON(["run": .string(summary.run.id.value), "requested": true, "state": .string(summary.stateName)])
            } else {
                print("cancel requested for \(summary.run.id) (now \(summary.stateName)); a worker will carry it out")
            }
        }
    }
}
