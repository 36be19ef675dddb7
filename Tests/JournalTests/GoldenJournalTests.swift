import Foundation
@testable import Journal
import RunStateMachine
import Testing
import TestSupport

/// Golden journals: real journals recorded with each released revision of the sandbox-job
/// machine, checked in as JSON lines (`Fixtures/golden-sandbox-job-r<N>.jsonl`). Replaying them
/// through this build must reproduce every recorded state, intent and hash, by the revision each
/// was recorded with. A change to a revision's behaviour or to the record format fails here; it
/// needs a new machine revision (the old one kept), never a silent change.
///
/// Released fixtures are never recorded again. To record the newest revision's fixture when it
/// has none yet: `RUNLOG_WRITE_GOLDEN=1 scripts/test --filter GoldenJournalTests`.
@Suite("Golden journals")
struct GoldenJournalTests {
    static func fixture(revision: Int) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden-sandbox-job-r\(revision).jsonl")
    }

    /// SHA-256 of each released revision's fixture file: a fixture, once released, is kept byte
    /// for byte.
    static let fixtureDigests: [Int: String] = [
        1: "8581bcb24689cd29655b69b55d7c7aa4281f0fe0a3d916f2f0ea21ac91ce80de"
    ]

    /// The state each scripted run ends in, by run number.
    static let expectedFinalStates: [Int64: String] = [
        1: "succeeded", 2: "succeeded", 3: "cancelled", 4: "failed", 5: "succeeded", 6: "succeeded", 7: "failed", 8: "succeeded",
        9: "needsAttention", 10: "retryWait",
    ]

    @Test("each revision's golden journal is kept byte for byte and replays exactly, by its revision", arguments: SandboxJob.revisions.map(\.number))
    func replaysExactly(revision: Int) async throws {
        let fixture = Self.fixture(revision: revision)
        if ProcessInfo.processInfo.environment["RUNLOG_WRITE_GOLDEN"] == "1", revision == SandboxJob.latest.number,
            !FileManager.default.fileExists(atPath: fixture.path)
        {
            try await Self.record(to: fixture)
        }
        let data = try Data(contentsOf: fixture)
        let digest = HashChain.sha256Hex(Array(data))
        if let pinned = Self.fixtureDigests[revision] {
            #expect(digest == pinned, "the golden journal of released revision \(revision) changed; restore it (git checkout \(fixture.lastPathComponent))")
        } else {
            Issue.record("pin revision \(revision)'s golden journal when releasing it: add \(revision): \"\(digest)\" to fixtureDigests")
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        let records = try lines.map { try JournalRecord(json: JSONValue.parse(String($0))) }
        #expect(records.count > 60)
        // The format: every hash recomputes from the columns, in one unbroken chain.
        var previous = HashChain.genesis
        for record in records {
            #expect(record.prevHash == previous, "record \(record.seq)")
            #expect(HashChain.hash(of: record, prev: previous) == record.hash, "record \(record.seq): the hashed format changed")
            previous = record.hash
        }
        // The behaviour: each run replays without divergence to its expected end, by the revision.
        let runs = Dictionary(grouping: records, by: \.runNo)
        #expect(Set(runs.keys) == Set(Self.expectedFinalStates.keys))
        for (number, runRecords) in runs {
            let replay = MachineRegistry.standard.replay(runRecords.sorted { $0.runSeq < $1.runSeq })
            #expect(
                replay.divergence == nil,
                "run \(number): \(replay.divergence.map(String.init(describing:)) ?? ""). If the machine's behaviour changed on purpose, add a revision and keep this one as it was."
            )
            #expect(replay.revision == revision, "run \(number)")
            #expect(replay.stateName == Self.expectedFinalStates[number], "run \(number)")
        }
    }

    /// Records the scripted runs into a fresh journal (by the newest revision) and exports it as
    /// the fixture `fixture`.
    static func record(to fixture: URL) async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("golden.sqlite")
        try await script(path: path)
        let journal = try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
        defer { journal.close() }
        var records: [JournalRecord] = []
        for summary in try journal.runs() {
            records += try journal.records(of: summary.run)
        }
        let lines = records.sorted { $0.seq < $1.seq }.map(\.json.canonicalString)
        try FileManager.default.createDirectory(at: fixture.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: fixture, atomically: false, encoding: .utf8)
    }

    /// Ten runs covering the machine's paths, driven one after another with fixed ids and times.
    static func script(path: String) async throws {
        let journal = try SQLiteJournal.open(path: path)
        defer { journal.close() }
        var clock = t0
        func tick(_ seconds: Int = 1) -> Timestamp {
            clock = clock.adding(seconds: seconds)
            return clock
        }
        var number = 0
        func begin(_ spec: JobSpec) async throws -> JournaledRun<SandboxJob> {
            number += 1
            let submitted = try await journal.submit(spec, at: tick(), id: RunID(String(format: "01k00000000000000000000%03d", number))!)
            let lease = try await journal.acquireLease(run: submitted.run.id, owner: "golden", ttlMilliseconds: 60_000, at: tick())
            return try await JournaledRun<SandboxJob>.load(lease, from: journal)
        }
        func awaited(_ run: JournaledRun<SandboxJob>) -> IntentID { run.machine.awaited(in: run.state)[0] }
        let ok = StepResult(
            exit: .exited(code: 0),
            stdout: OutputDigest(bytes: 6, sha256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", truncated: false),
            durationMilliseconds: 12
        )
        let shell = JobSpec(
            kind: .shell,
            name: "build and test",
            steps: [
                StepSpec(name: "build", run: "make", timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 1000)),
                StepSpec(name: "test", run: "make test", timeoutSeconds: 60, idempotent: true),
            ]
        )
        let agent = JobSpec(kind: .agent, name: "agent", agent: AgentSpec(model: "claude-sonnet-4-5", prompt: "Create hello.txt", maxTurns: 2))
        let toolUse = ModelResponse(
            id: "msg_1",
            requestID: "req_1",
            stopReason: "tool_use",
            content: [["type": "tool_use", "id": "toolu_1", "name": "write_file", "input": ["path": "hello.txt", "content": "hi"]]],
            usage: TokenUsage(input: 100, output: 20)
        )
        let done = ModelResponse(id: "msg_2", stopReason: "end_turn", content: [["type": "text", "text": "Done."]], usage: TokenUsage(input: 150, output: 5))

        // 1: two steps succeed.
        var run = try await begin(shell)
        try await driveToSuccess(&run, at: tick())
        // 2: the first step fails once, is retried after its backoff, then everything succeeds.
        run = try await begin(shell)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-2")), at: tick())
        let failedAt = tick()
        try await run.apply(.stepFinished(intent: awaited(run), result: StepResult(exit: .exited(code: 2)), at: failedAt), at: failedAt)
        try await run.apply(.retryDue(at: failedAt.adding(seconds: 1)), at: tick(2))
        try await driveToSuccess(&run, at: tick())
        // 3: cancelled while a step runs.
        run = try await begin(shell)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-3")), at: tick())
        try await run.apply(.cancelRequested(reason: "user asked"), at: tick())
        try await driveToSuccess(&run, at: tick())
        // 4: the deadline passes while the sandbox is being created.
        run = try await begin(JobSpec(kind: .shell, deadlineSeconds: 5, steps: [StepSpec(name: "x", run: "true", timeoutSeconds: 5)]))
        try await run.apply(.start, at: tick())
        try await run.apply(.deadlineReached(at: run.machine.deadline), at: tick(10))
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-4")), at: tick())
        try await driveToSuccess(&run, at: tick())
        // 5: a step's outcome is lost; an operator says it ran.
        run = try await begin(shell)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-5")), at: tick())
        try await run.apply(.effectInDoubt(intent: awaited(run), reason: "worker restarted"), at: tick())
        try await run.apply(.operatorResolved(resolution: .skip, note: "build output present"), at: tick())
        try await driveToSuccess(&run, at: tick())
        // 6: an agent writes a file with a tool, then finishes.
        run = try await begin(agent)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-6")), at: tick())
        try await run.apply(.modelResponded(intent: awaited(run), response: toolUse), at: tick())
        try await run.apply(.toolFinished(intent: awaited(run), result: ToolResult(isError: false, content: "wrote 2 bytes")), at: tick())
        try await run.apply(.modelResponded(intent: awaited(run), response: done), at: tick())
        try await driveToSuccess(&run, at: tick())
        // 7: an agent runs out of turns.
        run = try await begin(agent)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-7")), at: tick())
        for _ in 0..<2 {
            try await run.apply(.modelResponded(intent: awaited(run), response: toolUse), at: tick())
            try await run.apply(.toolFinished(intent: awaited(run), result: ToolResult(isError: true, content: "disk full")), at: tick())
        }
        try await driveToSuccess(&run, at: tick())
        // 8: reporting fails once and is retried.
        run = try await begin(shell)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-8")), at: tick())
        try await run.apply(.stepFinished(intent: awaited(run), result: ok, at: tick()), at: clock)
        try await run.apply(.stepFinished(intent: awaited(run), result: ok, at: tick()), at: clock)
        try await run.apply(.sandboxReleased(intent: awaited(run)), at: tick())
        let reportFailedAt = tick()
        try await run.apply(.statusReportFailed(intent: awaited(run), reason: "503", retryable: true, at: reportFailedAt), at: reportFailedAt)
        try await run.apply(.retryDue(at: reportFailedAt.adding(seconds: 1)), at: tick(2))
        try await driveToSuccess(&run, at: tick())
        // 9: parked: a non-idempotent step's outcome is unknown.
        run = try await begin(shell)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreated(intent: awaited(run), sandbox: SandboxID("sbx-9")), at: tick())
        try await run.apply(.effectInDoubt(intent: awaited(run), reason: "worker restarted"), at: tick())
        // 10: waiting to retry sandbox creation.
        run = try await begin(shell)
        try await run.apply(.start, at: tick())
        try await run.apply(.sandboxCreateFailed(intent: awaited(run), reason: "quota", retryable: true, at: tick()), at: clock)
    }
}
