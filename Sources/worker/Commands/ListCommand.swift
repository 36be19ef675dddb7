import ArgumentParser
import Journal
import RunStateMachine

/// `worker list`: the runs and their states, newest first, a page at a time.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List runs, newest first, a page at a time.",
        discussion: """
            Prints at most --limit runs; when older ones follow, says how to ask for the next page \
            (--after the last run listed). With --json, prints the page as a JSON array and the \
            next-page hint on standard error.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Only runs in this state: a state name such as running or needsAttention, or 'active' for every unfinished run.")
    var state: String?

    @Option(help: "At most this many runs (1 to 10000).")
    var limit: Int = 100

    @Option(help: "Only runs older than this one (a run id or a unique prefix): the last run of the page before.")
    var after: String?

    /// The machine's state names, from every revision this build has.
    static var stateNames: [String] {
        Array(Set(SandboxJob.revisions.flatMap { $0.definition.states.map(\.name) })).sorted()
    }

    func validate() throws {
        guard (1...10_000).contains(limit) else {
            throw ValidationError("--limit must be from 1 to 10000 (it is \(limit)); page with --after for more")
        }
        if let state, !["active", "unfinished"].contains(state), !Self.stateNames.contains(state) {
            throw ValidationError("--state '\(state)' is no state of a sandbox job; use 'active' or one of: \(Self.stateNames.joined(separator: ", "))")
        }
    }

    func run() async throws {
        try await Console.run(json: options.json) {
            let journal = try await options.journal(.reader)
            defer { journal.close() }
            var cursor: RunID?
            if let after { cursor = try await journal.run(matching: after).run.id }
            let page = try await journal.page(RunFilter(parsing: state), olderThan: cursor, limit: limit)
            let next = page.hasMore ? page.runs.last.map { "more runs follow: worker list --after \($0.run.id.value)\(state.map { " --state \($0)" } ?? "")" } : nil
            if options.json {
                Console.printJSON(.array(page.runs.map(\.json)))
                if let next { Console.error(next) }
                return
            }
            guard !page.runs.isEmpty else {
                switch (state, after) {
                case (nil, nil): print("no runs yet; 'worker submit SPEC.json' adds one")
                case (let state?, nil): print("no runs in state '\(state)'")
                case (_, let after?): print("no runs older than \(after)\(state.map { " in state '\($0)'" } ?? "")")
                }
                return
            }
            Table.print(
                ["RUN", "STATE", "NAME", "UPDATED", "RECORDS"],
                page.runs.map { [$0.run.id.value, $0.stateName, $0.name ?? "-", "\($0.updatedAt)", "\($0.lastRunSeq)"] }
            )
            if let next { print(next) }
        }
    }
}
