import Foundation
import Testing
import TestSupport

/// `worker bench recovery --db postgres://…` at a small size: a worker process is really
/// SIGKILLed with its runs in flight, and every run is taken over, reconciled once and succeeds
/// after its leases run out; the figures would mean nothing otherwise.
@Suite("Shared recovery benchmark")
struct SharedRecoveryBenchTests {
    @Test("bench recovery on PostgreSQL: the killed worker's runs all resume and succeed once its leases run out")
    func killedWorkerRecovered() async throws {
        let url = try await TestPostgres.freshURL()
        let directory = TemporaryDirectory()
        let output = try await WorkerBinary.run(["bench", "recovery", "--db", url, "--runs", "100", "--dir", directory.path, "--json"])
        #expect(output.ending == .exited(0), "\(output.text)")
        let figures = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Double] ?? [:]
        #expect(figures["runs"] == 100, "\(output.stdout)")
        let wait = figures["lease_wait_seconds"] ?? 0
        let recovery = figures["recovery_seconds"] ?? -1
        let finish = figures["finish_seconds"] ?? -1
        // The leases are 5 s long, renewed by a heartbeat every 5/3 s until the kill.
        #expect(wait > 2 && wait <= 5.5, "\(output.stdout)")
        #expect(recovery >= 0 && recovery <= finish, "\(output.stdout)")
        // Nothing is left behind: the scratch directory is removed, the victim is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
