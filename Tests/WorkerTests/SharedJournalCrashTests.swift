import Failpoints
import Foundation
import SystemSupport
import TestSupport
import Testing

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

    /// Submits a run of three steps appending `name k` to the ledger file `name`; the second
    /// step first marks that it started (`name.started`) and then takes `seconds`.
    static func submitSlowMiddle(_ name: String, seconds: String, to harness: WorkerHarness) async throws {
        let steps = (1...3).map { step in
            let body = step == 2 ? "echo started >> /ledger/\(name).started; sleep \(seconds); " : ""
            return #"{"name":"s\#(step)","run":"\#(body)echo '\#(name) \#(step)' >> /ledger/\#(name)","timeoutSeconds":60}"#
        }
        let spec = #"{"kind":"shell","name":"\#(name)","sandbox":{"timeoutSeconds":60,"mounts":[{"host":"\#(harness.ledger)","sandbox":"/ledger","readOnly":false}]},"steps":[\#(steps.joined(separator: ","))]}"#
        let file = harness.directory.file("\(name).json")
        try spec.write(toFile: file, atomically: true, encoding: .utf8)
        let (ending, output) = try await harness.worker(["submit", "--db", harness.db, file])
        #expect(ending == .exited(0), "\(output)")
    }

    @Test("split brain: a worker stopped past its lease mid-step loses the run to another; woken, its appends are refused, no step runs twice, and it serves other runs")
    func splitBrain() async throws {
        let harness = WorkerHarness(database: try await TestPostgres.freshURL())
        try await Self.submitSlowMiddle("taken", seconds: "3", to: harness)
        let serving = ["run", "--db", harness.db, "--sandboxes", harness.sandboxes, "--quiet", "--lease-seconds", "1", "--concurrency", "4"]
        let first = try harness.start(serving)
        try await eventually("the first worker starts the slow step", within: 20_000) {
            FileManager.default.fileExists(atPath: "\(harness.ledger)/taken.started")
        }
        kill(first.processIdentifier, SIGSTOP)
        // Past its lease (1 s after its last heartbeat), another worker takes the run over: it
        // reattaches to the step still running in the sandbox and finishes the run.
        try await Task.sleep(for: .milliseconds(2500))
        let (second, output) = try await harness.worker(serving.filter { $0 != "--quiet" } + ["--until-idle"])
        #expect(second == .exited(0), "\(output)")
        #expect(harness.ledgerLines("taken") == ["taken 1", "taken 2", "taken 3"])
        // Woken, the first worker's outcome for the step is refused; it fires nothing more.
        kill(first.processIdentifier, SIGCONT)
        try await Self.submitSlowMiddle("later", seconds: "0", to: harness)
        try await eventually("the first worker, woken, drives a new run to its end", within: 30_000) {
            let unsuccessful = try? await harness.unsuccessful()
            return harness.ledgerLines("later").count == 3 && unsuccessful?.isEmpty == true
        }
        kill(first.processIdentifier, SIGTERM)
        #expect(await WorkerHarness.wait(first) == .exited(0))
        #expect(harness.ledgerLines("taken") == ["taken 1", "taken 2", "taken 3"])
        #expect(harness.ledgerLines("taken.started") == ["started"])
        #expect(harness.ledgerLines("later") == ["later 1", "later 2", "later 3"])
        // The woken worker was told, by its refused append, that the run had moved on.
        #expect(harness.log.contains("run lost to another owner"), "\(harness.log.suffix(3000))")
        let unsuccessful = try await harness.unsuccessful()
        #expect(unsuccessful.isEmpty, "\(unsuccessful)\n\(harness.log.suffix(3000))")
        #expect(await harness.sandboxesLeft().isEmpty)
        let (verified, report) = try await harness.worker(["verify", "--db", harness.db])
        #expect(verified == .exited(0), "\(report)")
    }
}

/// PostgreSQL itself going away: restarted under load, and down when a worker starts. These
/// tests start a cluster of their own (`scripts/test-postgres`), not to disturb the others'.
@Suite("PostgreSQL going away")
struct PostgresOutageTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/test-postgres").standardized.path

    /// Runs `scripts/test-postgres ARGUMENTS`; its standard output and standard error.
    @discardableResult
    static func cluster(_ arguments: [String]) async throws -> (output: String, errors: String) {
        // Files, not pipes: the server the script starts keeps what it inherited open, and a
        // pipe would never end.
        let directory = TemporaryDirectory()
        let (outPath, errPath) = (directory.file("out"), directory.file("err"))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        // Polled, as every process of these tests: `waitUntilExit` on a thread of the
        // cooperative pool can wait for ever.
        let ending = await WorkerBinary.wait(process)
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        guard ending == .exited(0) else {
            throw TestPostgres.Unavailable(description: "scripts/test-postgres \(arguments) failed: \(errors)")
        }
        return (output.trimmingCharacters(in: .whitespacesAndNewlines), errors)
    }

    /// Starts a cluster of this suite's own, runs `body` with its URL and folder, and stops it,
    /// whatever `body` did.
    static func withCluster(_ body: (_ url: String, _ directory: String) async throws -> Void) async throws {
        let (url, started) = try await cluster(["start"])
        // "test-postgres: cluster in DIR; stop it with: scripts/test-postgres stop DIR"
        let directory = try #require(started.components(separatedBy: "stop ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        do {
            try await body(url, directory)
        } catch {
            _ = try? await cluster(["stop", directory])
            throw error
        }
        try await cluster(["stop", directory])
    }

    @Test("restarted under load: the workers reconnect and go on, every run succeeds, no step runs twice, the journal verifies")
    func restartUnderLoad() async throws {
        try await Self.withCluster { url, directory in
            let harness = WorkerHarness(database: url)
            let runs = try await harness.submitLedgerRuns(20, pause: "0.3")
            let workers = try (0..<2).map { _ in try harness.start(harness.runArguments) }
            try await eventually("the workers make progress", within: 30_000) {
                runs.reduce(0) { $0 + harness.ledgerLines($1).count } >= 6
            }
            let done = runs.reduce(0) { $0 + harness.ledgerLines($1).count }
            try await Self.cluster(["restart", directory])
            try await eventually("the workers end after the restart", within: 120_000, every: 50) { workers.allSatisfy { !$0.isRunning } }
            for worker in workers where worker.isRunning { kill(worker.processIdentifier, SIGKILL) }
            for worker in workers {
                #expect(await WorkerHarness.wait(worker) == .exited(0), "\(harness.log.suffix(3000))")
            }
            #expect(done < runs.count * 3, "every step had run before the restart")
            let unsuccessful = try await harness.unsuccessful()
            #expect(unsuccessful.isEmpty, "\(unsuccessful)\n\(harness.log.suffix(3000))")
            for name in runs {
                #expect(harness.ledgerLines(name) == (1...3).map { "\(name) \($0)" }, "ledger of \(name)")
            }
            #expect(harness.log.contains("cannot be reached") || harness.log.contains("cannot be read") || harness.log.contains("heartbeat failed"), "the restart went unnoticed")
            let (verified, output) = try await harness.worker(["verify", "--db", url])
            #expect(verified == .exited(0), "\(output)")
        }
    }

    @Test("down at start: a clear error naming the URL without its password, and a non-zero exit")
    func downAtStart() async throws {
        let harness = WorkerHarness()
        let (ending, output) = try await harness.worker(["run", "--db", "postgres://runlog:hunter2-secret@127.0.0.1:1/runlog?sslmode=disable", "--until-idle"])
        #expect(ending != .exited(0))
        #expect(output.contains("postgres://runlog@127.0.0.1:1/runlog"), "\(output)")
        #expect(!output.contains("hunter2"), "\(output)")
    }
}
