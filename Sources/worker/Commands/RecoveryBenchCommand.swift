import ArgumentParser
import Benchmarks
import JournalPostgres
import RunStateMachine
import Runtime

/// `worker bench recovery`: how long a restarted worker takes to resume runs left in flight.
struct RecoveryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery",
        abstract: "Measure how long a restarted worker takes to resume 10,000 runs left in flight.",
        discussion: """
            A worker drives 3-step runs (sandboxes in memory) until every run has a step in \
            flight, and stops. The journal is opened again as by a restarted worker, which takes \
            the runs over, reconciles each in-flight step and journals its outcome. Prints the \
            seconds until every run resumed and until every run finished. With a PostgreSQL \
            --db, the first worker is a process of its own, SIGKILLed; the runs are taken over \
            by this process once its leases run out (5 s leases), and the seconds are counted \
            from then. Build in release mode: swift run -c release worker bench recovery --json.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Directory on the file system to measure (default: the directory of --db).")
    var dir: String?

    @Option(help: "Runs in flight when the worker stops.")
    var runs = 10_000

    func run() async throws {
        let runs = runs
        let db = options.path
        let result: RecoveryBenchmarkResult
        if PostgresLocation.isURL(db) {
            let location = try PostgresLocation(url: db)
            result = try await BenchDirectory.with(dir: dir ?? ".", db: db) { directory in
                try await SharedRecoveryBenchmark.run(on: location, directory: directory, runs: runs) { schema, recordFile in
                    try RecoveryVictimProcess.start(location: location, schema: schema, recordFile: recordFile, runs: runs, directory: directory)
                }
            }
        } else {
            result = try await BenchDirectory.with(dir: dir, db: db) { directory in
                try await RecoveryBenchmark.run(in: directory, runs: runs)
            }
        }
        if options.json {
            print(result.json.canonicalString)
        } else {
            Table.print(
                ["figure", "value"],
                [
                    ["runs in flight", format(Double(result.runs))],
                    ["until the killed worker's leases ran out", "\(format(result.leaseWaitSeconds, places: 3)) s"],
                    ["until every run resumed", "\(format(result.recoverySeconds, places: 3)) s"],
                    ["until every run finished", "\(format(result.finishSeconds, places: 3)) s"],
                ]
            )
        }
    }
}
