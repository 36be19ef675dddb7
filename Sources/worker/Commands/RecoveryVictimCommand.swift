import ArgumentParser
import Benchmarks
import SystemSupport

/// `worker bench recovery-victim` (hidden): the worker `worker bench recovery --db postgres://…`
/// starts and kills. It drives the runs of a scratch schema with commands held running until
/// every run has a step in flight, says so by creating a file, and serves until it is killed.
struct RecoveryVictimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery-victim",
        abstract: "The worker that worker bench recovery on PostgreSQL kills (started by it).",
        shouldDisplay: false
    )

    @OptionGroup var store: BenchSchemaOptions

    @Option(help: "Where the in-memory sandboxes' records are kept.")
    var recordFile: String

    @Option(help: "The file created once every run has a step in flight.")
    var readyFile: String

    @Option(help: "Runs to hold in flight.")
    var runs: Int

    @Option(help: "Lease time in milliseconds.")
    var leaseMilliseconds: Int64 = 5000

    func run() async throws {
        let readyFile = readyFile
        try await SharedRecoveryBenchmark.holdInFlight(
            on: try store.location(),
            recordFile: recordFile,
            runs: runs,
            leaseMilliseconds: leaseMilliseconds,
            ready: { _ = FileIO.writeAtomically(readyFile, text: "ready\n") }
        )
    }
}
