import ArgumentParser
import Benchmarks
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
            seconds until every run resumed and until every run finished. Build in release mode: \
            swift run -c release worker bench recovery --json.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Directory on the file system to measure (default: the directory of --db).")
    var dir: String?

    @Option(help: "Runs in flight when the worker stops.")
    var runs = 10_000

    func run() async throws {
        let runs = runs
        let result = try await BenchDirectory.with(dir: dir, db: options.path) { directory in
            try await RecoveryBenchmark.run(in: directory, runs: runs)
        }
        if options.json {
            print(result.json.canonicalString)
        } else {
            Table.print(
                ["figure", "value"],
                [
                    ["runs in flight", format(Double(result.runs))],
                    ["until every run resumed", "\(format(result.recoverySeconds, places: 3)) s"],
                    ["until every run finished", "\(format(result.finishSeconds, places: 3)) s"],
                ]
            )
        }
    }
}
