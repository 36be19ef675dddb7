import ArgumentParser
import Journal
import Benchmarks
import RunStateMachine
import Runtime

/// `worker bench runs`: durable 3-step runs driven by the engine with effects that cost nothing.
struct RunsBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Measure runs driven to success per second (concurrency 1 and 256), effects in process.",
        discussion: """
            Each run is a 3-step shell job driven through the real executor by an engine, with \
            sandboxes that live in memory and commands that exit 0 at once: every transition is \
            journaled durably before its effects, so the figures are the runtime's own ceiling. \
            Build in release mode: swift run -c release worker bench runs --json.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Directory on the file system to measure (default: the directory of --db).")
    var dir: String?

    @Option(help: "Runs at concurrency 1.")
    var runsC1 = 300

    @Option(help: "Runs at concurrency 256.")
    var runsC256 = 10_000

    func run() async throws {
        var sizes = RunsBenchmark.Options()
        sizes.runsC1 = runsC1
        sizes.runsC256 = runsC256
        let result = try await BenchDirectory.withStore(dir: dir, db: options.path) { store in
            try await RunsBenchmark.run(on: store, options: sizes)
        }
        if options.json {
            print(result.json.canonicalString)
        } else {
            Table.print(
                ["figure", "value"],
                [
                    ["runs/s, concurrency 1", format(result.runsPerSecondC1)],
                    ["transitions/s, concurrency 1", format(result.transitionsPerSecondC1)],
                    ["runs/s, concurrency 256", format(result.runsPerSecondC256)],
                    ["transitions/s, concurrency 256", format(result.transitionsPerSecondC256)],
                    ["journal records per run", format(result.recordsPerRun, places: 2)],
                ]
            )
        }
    }
}
