import Benchmarks
import JournalPostgres
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

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
