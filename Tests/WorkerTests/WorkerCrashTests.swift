import Failpoints
import Foundation
import SystemSupport
import TestSupport
import Testing

/// The built `worker` binary, killed with SIGKILL at each named failpoint and at random instants,
/// restarted until idle. Afterwards every run succeeded, every non-idempotent step ran exactly
/// once, no sandbox or supervisor is left, and the journal verifies.
@Suite("Worker crashes")
struct WorkerCrashTests {
    /// Restarts the worker (without failpoints) until it exits 0 by itself.
    static func finish(_ harness: WorkerHarness) async throws {
        for _ in 0..<10 {
            let ending = await WorkerHarness.wait(try harness.start(harness.runArguments))
            if ending == .exited(0) { return }
            Issue.record("a clean worker ended with \(ending)\n\(harness.log)")
        }
    }

    static func checkInvariants(_ harness: WorkerHarness, runs: [String], steps: Int = 3) async throws {
        let unsuccessful = try await harness.unsuccessful()
        #expect(unsuccessful.isEmpty, "\(unsuccessful)\n\(harness.log)")
        for name in runs {
            #expect(harness.ledgerLines(name) == (1...steps).map { "\(name) \($0)" }, "ledger of \(name)")
        }
        #expect(await harness.sandboxesLeft().isEmpty)
        #expect(harness.supervisorsLeft().isEmpty)
        let (verified, output) = try await harness.worker(["verify", "--db", harness.db])
        #expect(verified == .exited(0), "\(output)")
    }

    @Test("killed at a named failpoint, the worker's runs finish and nothing runs twice", arguments: Failpoint.runLifecycle, [1, 3])
    func failpoint(name: Failpoint, hit: Int) async throws {
        let harness = WorkerHarness()
        let runs = try await harness.submitLedgerRuns(3)
        let first = try harness.start(harness.runArguments, environment: ["RUNLOG_FAILPOINT": "\(name):\(hit)"])
        let ending = await WorkerHarness.wait(first)
        #expect(ending == .killed(SIGKILL), "the failpoint \(name):\(hit) was not reached; \(harness.log)")
        try await Self.finish(harness)
        try await Self.checkInvariants(harness, runs: runs)
    }

    @Test("killed at random instants again and again, the worker's runs finish and nothing runs twice", arguments: 1...3)
    func randomKills(seed: UInt64) async throws {
        var generator = SplitMix(seed: seed)
        let harness = WorkerHarness()
        // The runs' last steps wait for the gate, opened after the first kill, so the first worker
        // is killed before it is done however long a loaded test process oversleeps.
        let gate = "gate"
        let runs = try await harness.submitLedgerRuns(4, pause: "0.8", gate: gate)
        var kills = 0
        for round in 0..<6 {
            let worker = try harness.start(harness.runArguments)
            if round == 0 {
                for _ in 0..<500 where runs.allSatisfy({ harness.ledgerLines($0).isEmpty }) && worker.isRunning {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            try await Task.sleep(for: .milliseconds(Int(generator.next() % 700) + 50))
            guard worker.isRunning else { break }
            kill(worker.processIdentifier, SIGKILL)
            _ = await WorkerHarness.wait(worker)
            kills += 1
            if round == 0 { #expect(FileManager.default.createFile(atPath: "\(harness.ledger)/\(gate)", contents: nil)) }
        }
        #expect(FileManager.default.createFile(atPath: "\(harness.ledger)/\(gate)", contents: nil))
        try await Self.finish(harness)
        try await Self.checkInvariants(harness, runs: runs)
        #expect(kills > 0, "the first worker ended by itself: \(harness.log)")
    }
}
