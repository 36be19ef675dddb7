import Benchmarks
import JournalPostgres
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// A `worker bench share-worker` process.
struct ShareWorkerProcess: ShareBenchmark.Worker {
    let child: BenchChild
    let reportFile: String

    /// Starts worker number `index` on the schema of `location`'s database.
    static func start(location: PostgresLocation, schema: String, index: Int, directory: String) throws -> ShareWorkerProcess {
        let reportFile = "\(directory)/share-\(index).report"
        let child = try BenchChild.start(
            "share-worker",
            location: location,
            schema: schema,
            arguments: ["--owner", "bench-share-\(index + 1)", "--report-file", reportFile],
            log: "\(directory)/share-\(index).log"
        )
        return ShareWorkerProcess(child: child, reportFile: reportFile)
    }

    func share() async throws -> ShareBenchmark.Share {
        let status = await child.process.wait()
        defer {
            unlink(reportFile)
            unlink(child.log)
        }
        let fields = (FileIO.readText(reportFile) ?? "").split(separator: " ").map { Double(String($0).filter { !$0.isNewline }) }
        guard status == 0, fields.count == 3, let finished = fields[0], let seconds = fields[1], let cpu = fields[2] else {
            throw ChildError(message: "a worker of bench share ended with status \(status) without its report: \(child.said)")
        }
        return ShareBenchmark.Share(finished: Int(finished), seconds: seconds, cpuSeconds: cpu)
    }
}
