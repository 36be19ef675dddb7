import Failpoints
import Foundation
import Testing
import TestSupport

/// Three `worker run` processes of the built binary on one PostgreSQL journal, killed with
/// SIGKILL at random instants and at the named failpoints and restarted, while they share 60
/// runs of three non-idempotent steps that append to a host-mounted ledger. Afterwards every run
/// succeeded, every step ran exactly once, no sandbox or supervisor is left, and the journal
/// verifies.
@Suite("Worker crashes on a shared PostgreSQL journal")
struct SharedJournalCrashTests {
    @Test("three workers, killed at random and at failpoints and restarted: every run succeeds and no step runs twice")
    func threeWorkers() async throws {
        let harness = WorkerHarness(database: try await TestPostgres.freshURL())
        let runs = try await harness.submitLedgerRuns(60, pause: "0.3")
        var generator = SplitMix(seed: 12)
        let failpoints = Failpoint.runLifecycle
        func start(_ round: Int) throws -> Process {
            // Every third start dies at a named failpoint; the others are killed at random.
            guard round % 3 == 2 else { return try harness.start(harness.runArguments) }
            let failpoint = failpoints[Int(generator.next() % UInt64(failpoints.count))]
            return try harness.start(harness.runArguments, environment: ["RUNLOG_FAILPOINT": "\(failpoint):\(generator.next() % 3 + 1)"])
        }
        var workers = try (0..<3).map { try start($0) }
        var kills = 0
        var unfinishedAtKill = 0
        for round in 3..<21 {
            try await Task.sleep(for: .milliseconds(Int(generator.next() % 400) + 100))
            let victim = Int(generator.next() % 3)
            if workers[victim].isRunning {
                kill(workers[victim].processIdentifier, SIGKILL)
                kills += 1
                unfinishedAtKill = max(unfinishedAtKill, runs.count { harness.ledgerLines($0).count < 3 })
            }
            _ = await WorkerHarness.wait(workers[victim])
            workers[victim] = try start(round)
        }
        // The last workers are left alone; each returns once every run has finished.
        for index in workers.indices {
            var ending = await WorkerHarness.wait(workers[index])
            while ending != .exited(0) {
                // One that started at a failpoint dies there: start a clean one in its place.
                #expect(ending == .killed(SIGKILL), "a worker ended with \(ending)\n\(harness.log)")
                ending = await WorkerHarness.wait(try harness.start(harness.runArguments))
            }
        }
        #expect(kills > 5 && unfinishedAtKill > 10, "\(kills) kills, at most \(unfinishedAtKill) runs unfinished at one")
        let unsuccessful = try await harness.unsuccessful()
        #expect(unsuccessful.isEmpty, "\(unsuccessful)\n\(harness.log.suffix(4000))")
        for name in runs {
            #expect(harness.ledgerLines(name) == (1...3).map { "\(name) \($0)" }, "ledger of \(name)")
        }
        #expect(await harness.sandboxesLeft().isEmpty)
        #expect(harness.supervisorsLeft().isEmpty)
        let (verified, output) = try await harness.worker(["verify", "--db", harness.db])
        #expect(verified == .exited(0), "\(output)")
    }
}
