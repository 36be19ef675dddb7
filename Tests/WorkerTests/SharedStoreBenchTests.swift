import Foundation
import Testing
import TestSupport

/// The benchmarks of worker processes sharing a PostgreSQL journal, at small sizes, with the
/// built binary: their work must come out right, or their figures mean nothing.
@Suite("Shared-store benchmarks")
struct SharedStoreBenchTests {
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

    @Test("bench share: worker processes drive every run once between them, and each says how many")
    func workersShareRuns() async throws {
        let url = try await TestPostgres.freshURL()
        let directory = TemporaryDirectory()
        let output = try await WorkerBinary.run(["bench", "share", "--db", url, "--runs", "600", "--workers", "2", "--dir", directory.path, "--json"])
        #expect(output.ending == .exited(0), "\(output.text)")
        let figures = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
        let workers = figures["workers"] as? [[String: Any]] ?? []
        #expect(figures["runs"] as? Int == 600, "\(output.stdout)")
        #expect(workers.count == 2)
        #expect(workers.compactMap { $0["runs"] as? Int }.reduce(0, +) == 600, "\(output.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
