import ArgumentParser
import Benchmarks
import JournalPostgres
import RunStateMachine
import SystemSupport

/// `worker bench share`: how worker processes sharing a PostgreSQL journal divide its runs.
struct ShareBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Measure how worker processes sharing a PostgreSQL journal divide its runs.",
        discussion: """
            Submits 3-step runs to a scratch schema of the --db database, then starts worker \
            processes (each an engine with concurrency 256 over in-memory sandboxes, as in bench \
            runs) that drive them until none is left. Prints the total rate and each worker's \
            share. Build in release mode: swift run -c release worker bench share --db postgres://… --json.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Runs to drive.")
    var runs = 10_000

    @Option(help: "Worker processes.")
    var workers = 2

    @Option(help: "Directory for the workers' reports (default: the current directory).")
    var dir: String?

    @Flag(help: "Leave the scratch schema (its name is printed) to look at what the runs left in the database.")
    var keepSchema = false

    func run() async throws {
        let db = options.path
        guard PostgresLocation.isURL(db) else {
            throw ValidationError("bench share measures workers sharing a PostgreSQL journal: give --db postgres://…")
        }
        guard (1...16).contains(workers) else { throw ValidationError("--workers must be from 1 to 16") }
        let location = try PostgresLocation(url: db)
        let (runs, workers, keepSchema) = (runs, workers, keepSchema)
        let result = try await BenchDirectory.with(dir: dir ?? ".", db: db) { directory in
            try await ShareBenchmark.run(on: location, runs: runs, workers: workers, keepingSchema: keepSchema) { schema, index in
                try ShareWorkerProcess.start(location: location, schema: schema, index: index, directory: directory)
            }
        }
        if options.json {
            print(result.json.canonicalString)
        } else {
            Table.print(
                ["worker", "runs", "share", "runs/s", "CPU ms per run"],
                result.shares.enumerated().map { index, share in
                    [
                        "\(index + 1)", format(Double(share.finished)), "\(format(100 * Double(share.finished) / Double(max(1, result.runs)), places: 1)) %",
                        format(Double(share.finished) / max(share.seconds, 1e-9)), format(share.cpuSeconds * 1000 / Double(max(1, share.finished)), places: 3),
                    ]
                } + [["all", format(Double(result.runs)), "100 %", format(result.runsPerSecond), ""]]
            )
            if let schema = result.schema { print("the runs are in schema \(schema)") }
        }
    }
}
