import Benchmarks
import JournalPostgres
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// The victim process, as ``SharedRecoveryBenchmark`` drives it.
struct RecoveryVictimProcess: SharedRecoveryBenchmark.Victim {
    let child: BenchChild
    let readyFile: String

    /// Starts `worker bench recovery-victim` on the schema of `location`'s database.
    static func start(location: PostgresLocation, schema: String, recordFile: String, runs: Int, directory: String) throws -> RecoveryVictimProcess {
        let readyFile = "\(directory)/victim.ready"
        let child = try BenchChild.start(
            "recovery-victim",
            location: location,
            schema: schema,
            arguments: ["--record-file", recordFile, "--ready-file", readyFile, "--runs", "\(runs)"],
            log: "\(directory)/victim.log"
        )
        return RecoveryVictimProcess(child: child, readyFile: readyFile)
    }

    func waitUntilReady(timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !FileIO.exists(readyFile) {
            if child.hasExited() {
                throw ChildError(message: "the worker to be killed exited before its runs were in flight: \(child.said)")
            }
            guard clock.now < deadline else {
                throw ChildError(message: "the worker to be killed did not get its runs in flight within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func kill() async {
        child.process.signal(SIGKILL)
        _ = await child.process.wait()
        unlink(readyFile)
        unlink(child.log)
    }
}
