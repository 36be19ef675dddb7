import Benchmarks
import Foundation
import Journal
import RunStateMachine
@testable import Runtime
import Testing
import TestSupport

/// The benchmarks at small sizes: their work must come out right (every run succeeds, every
/// sandbox is killed, every in-flight step is reconciled once), or their figures mean nothing.
/// Timing is not checked here; `worker bench` prints it.
@Suite("Benchmarks do what they say")
struct BenchmarkTests {
    @Test("bench runs: every run is driven to success through the real executor")
    func runs() async throws {
        let directory = TemporaryDirectory()
        var options = RunsBenchmark.Options()
        options.runsC1 = 5
        options.runsC256 = 300
        let result = try await RunsBenchmark.run(in: directory.path, options: options)
        #expect(result.recordsPerRun == 8)
        #expect(result.runsPerSecondC1 > 0 && result.runsPerSecondC256 > 0)
        // Seven transitions per run (the eighth record is the lease).
        #expect(abs(result.transitionsPerSecondC256 / result.runsPerSecondC256 - 7) < 1e-9)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("bench recovery: every run left in flight is reconciled once, resumes and succeeds")
    func recovery() async throws {
        let directory = TemporaryDirectory()
        let result = try await RecoveryBenchmark.run(in: directory.path, runs: 200)
        #expect(result.runs == 200)
        #expect(result.recoverySeconds > 0 && result.recoverySeconds <= result.finishSeconds)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
