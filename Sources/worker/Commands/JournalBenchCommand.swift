import ArgumentParser
import Benchmarks
import Journal
import JournalPostgres
import RunStateMachine

/// `worker bench journal`: the journal against raw SQLite, on the same file system.
struct JournalBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Measure journal appends (1 and 256 appenders), chain verification and replay against raw SQLite.",
        discussion: """
            Build in release mode for meaningful figures: swift run -c release worker bench journal --json. \
            Files are written to --dir (default: the directory of --db, so the figures reflect the disk \
            the journal lives on) and removed afterwards.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "Directory on the file system to measure (default: the directory of --db).")
    var dir: String?

    @Option(help: "Runs per appender at concurrency 256 (7 appends each).")
    var runsPerAppender: Int = 12

    @Option(help: "Runs for the single appender (7 appends each).")
    var runsC1: Int = 300

    func validate() throws {
        if PostgresLocation.isURL(options.path) {
            throw ValidationError(
                "bench journal measures the embedded store against raw SQLite on a file system; for PostgreSQL use 'worker bench runs|recovery|share --db postgres://…'"
            )
        }
    }

    func run() async throws {
        var sizes = JournalBenchmark.Options()
        sizes.runsPerAppenderC256 = runsPerAppender
        sizes.runsC1 = runsC1
        let result = try await BenchDirectory.with(dir: dir, db: options.path) { directory in
            try await JournalBenchmark.run(in: directory, options: sizes)
        }
        if options.json {
            print(result.json.canonicalString)
        } else {
            Table.print(
                ["figure", "value"],
                [
                    ["appends/s, 1 appender", format(result.appendsPerSecondC1)],
                    ["append p50, 1 appender", "\(format(result.appendP50MillisecondsC1, places: 3)) ms"],
                    ["appends/s, 256 appenders", format(result.appendsPerSecondC256)],
                    ["append p50, 256 appenders", "\(format(result.appendP50MillisecondsC256, places: 3)) ms"],
                    ["mean commit batch, 256 appenders", format(result.meanBatchC256, places: 1)],
                    ["raw SQLite rows/s (1,000-row transactions)", format(result.rawRowsPerSecond)],
                    ["raw SQLite one-row commit p50", "\(format(result.rawCommitP50Milliseconds, places: 3)) ms"],
                    ["chain verification records/s", format(result.chainVerifyRecordsPerSecond)],
                    ["full replay records/s", format(result.replayRecordsPerSecond)],
                    ["upgrade-check records/s", format(result.upgradeCheckRecordsPerSecond)],
                    ["records, mean bytes", "\(result.records), \(result.meanRecordBytes)"],
                ]
            )
        }
    }
}
