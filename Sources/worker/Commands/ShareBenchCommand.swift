import ArgumentParser
import Benchmarks
import JournalPostgres
import RunStateMachine
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

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

/// A `worker bench share-worker` process.
struct ShareWorkerProcess: ShareBenchmark.Worker {
    let child: ChildProcess
    let reportFile: String
    let log: String

    /// Starts worker number `index` on the schema of `location`'s database.
    static func start(location: PostgresLocation, schema: String, index: Int, directory: String) throws -> ShareWorkerProcess {
        let reportFile = "\(directory)/share-\(index).report"
        let log = "\(directory)/share-\(index).log"
        let arguments = [
            ChildProcess.currentExecutable(), "bench", "share-worker", "--db", location.urlWithoutPassword, "--schema", schema,
            "--owner", "bench-share-\(index + 1)", "--report-file", reportFile,
        ]
        let child = try ChildProcess.start(arguments, environment: location.password.map { ["PGPASSWORD": $0] } ?? [:], log: log)
        return ShareWorkerProcess(child: child, reportFile: reportFile, log: log)
    }

    func share() async throws -> ShareBenchmark.Share {
        let status = await child.wait()
        defer {
            unlink(reportFile)
            unlink(log)
        }
        let fields = (FileIO.readText(reportFile) ?? "").split(separator: " ").map { Double(String($0).filter { !$0.isNewline }) }
        guard status == 0, fields.count == 3, let finished = fields[0], let seconds = fields[1], let cpu = fields[2] else {
            let said = FileIO.readText(log).map { String($0.suffix(600)) } ?? ""
            throw ChildError(message: "a worker of bench share ended with status \(status) without its report: \(said)")
        }
        return ShareBenchmark.Share(finished: Int(finished), seconds: seconds, cpuSeconds: cpu)
    }
}
