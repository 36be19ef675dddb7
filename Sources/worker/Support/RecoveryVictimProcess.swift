import Benchmarks
import JournalPostgres
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// The victim process, as ``SharedRecoveryBenchmark`` drives it.
struct RecoveryVictimProcess: SharedRecoveryBenchmark.Victim {
    let child: ChildProcess
    let readyFile: String
    let log: String

    /// Starts `worker bench recovery-victim` on the schema of `location`'s database.
    static func start(location: PostgresLocation, schema: String, recordFile: String, runs: Int, directory: String) throws -> RecoveryVictimProcess {
        let readyFile = "\(directory)/victim.ready"
        let log = "\(directory)/victim.log"
        let arguments = [
            ChildProcess.currentExecutable(), "bench", "recovery-victim", "--db", location.urlWithoutPassword, "--schema", schema,
            "--record-file", recordFile, "--ready-file", readyFile, "--runs", "\(runs)",
        ]
        let child = try ChildProcess.start(arguments, environment: location.password.map { ["PGPASSWORD": $0] } ?? [:], log: log)
        return RecoveryVictimProcess(child: child, readyFile: readyFile, log: log)
    }

    func waitUntilReady(timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while !FileIO.exists(readyFile) {
            var status: Int32 = 0
            if waitpid(child.pid, &status, WNOHANG) == child.pid {
                let said = FileIO.readText(log).map { String($0.suffix(600)) } ?? ""
                throw ChildError(message: "the worker to be killed exited before its runs were in flight: \(said)")
            }
            guard clock.now < deadline else {
                throw ChildError(message: "the worker to be killed did not get its runs in flight within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func kill() async {
        child.signal(SIGKILL)
        _ = await child.wait()
        unlink(readyFile)
        unlink(log)
    }
}
