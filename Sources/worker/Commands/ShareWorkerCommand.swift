import ArgumentParser
import Benchmarks
import JournalPostgres
import SystemSupport

/// `worker bench share-worker` (hidden): one worker of `worker bench share`, started by it.
struct ShareWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-worker",
        abstract: "One worker of worker bench share (started by it).",
        shouldDisplay: false
    )

    @Option(help: "The database's URL, without its password (PGPASSWORD carries it).")
    var db: String

    @Option(help: "The scratch schema holding the runs.")
    var schema: String

    @Option(help: "The worker's owner name.")
    var owner: String

    @Option(help: "Where the worker's share is written: runs, seconds and CPU seconds.")
    var reportFile: String

    func run() async throws {
        let share = try await ShareBenchmark.drive(on: try PostgresLocation(url: db).inSchema(schema), owner: owner)
        _ = FileIO.writeAtomically(reportFile, text: "\(share.finished) \(share.seconds) \(share.cpuSeconds)\n")
    }
}
