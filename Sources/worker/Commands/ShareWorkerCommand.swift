import ArgumentParser
import Benchmarks
import SystemSupport

/// `worker bench share-worker` (hidden): one worker of `worker bench share`, started by it.
struct ShareWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-worker",
        abstract: "One worker of worker bench share (started by it).",
        shouldDisplay: false
    )

    @OptionGroup var store: BenchSchemaOptions

    @Option(help: "The worker's owner name.")
    var owner: String

    @Option(help: "Where the worker's share is written: runs, seconds and CPU seconds.")
    var reportFile: String

    func run() async throws {
        let share = try await ShareBenchmark.drive(on: try store.location(), owner: owner)
        _ = FileIO.writeAtomically(reportFile, text: "\(share.finished) \(share.seconds) \(share.cpuSeconds)\n")
    }
}
