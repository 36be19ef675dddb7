import Failpoints
import Foundation
import Journal
import RunStateMachine
import Testing
import TestSupport

/// The built `worker` binary running an agent job against the loopback Messages API, killed with
/// SIGKILL at each point of the agent loop and restarted until idle. Afterwards the run
/// succeeded, each tool call ran exactly once, no model turn was asked for again once its
/// response was journaled, no sandbox is left, and the journal verifies.
@Suite("Agent crashes")
struct AgentCrashTests {
    static let key = "sk-ant-crash-test-4d1e"

    /// Two shell calls that append to the ledger directory `ledger` (to count runs), a file write
    /// between them, then the end.
    static func agent(ledger: String) -> @Sendable (Int, [JSONValue]) -> FakeAnthropic.Reply { { turn, _ in
        let usage = (input: 50, output: 10)
        switch turn {
        case 0:
            return .message(
                content: [["type": "tool_use", "id": "toolu_a", "name": "shell", "input": ["command": .string("echo one >> \(ledger)/tools; sleep 0.3; echo first")]]],
                stopReason: "tool_use",
                usage: usage
            )
        case 1:
            return .message(
                content: [["type": "tool_use", "id": "toolu_b", "name": "write_file", "input": ["path": "notes.txt", "content": "noted"]]],
                stopReason: "tool_use",
                usage: usage
            )
        case 2:
            return .message(
                content: [["type": "tool_use", "id": "toolu_c", "name": "shell", "input": ["command": .string("echo two >> \(ledger)/tools; cat notes.txt")]]],
                stopReason: "tool_use",
                usage: usage
            )
        default:
            return .message(content: [["type": "text", "text": "done"]], stopReason: "end_turn", usage: usage)
        }
    } }

    /// Submits the agent job; local sandboxes mount the ledger at `/ledger`, E2B's (the fake's
    /// run on this machine) write to it directly.
    static func submitAgentRun(_ harness: WorkerHarness, secrets: [String] = [], provider: String = "local") async throws {
        let names = secrets.map { "\"\($0)\"" }.joined(separator: ",")
        let mounts = provider == "local" ? #","mounts":[{"host":"\#(harness.ledger)","sandbox":"/ledger","readOnly":false}]"# : ""
        let spec = #"{"kind":"agent","name":"agent","agent":{"model":"claude-fake","prompt":"Count to two.","maxTurns":6},"sandbox":{"provider":"\#(provider)","timeoutSeconds":20,"secrets":[\#(names)]\#(mounts)}}"#
        let file = harness.directory.file("agent.json")
        try spec.write(toFile: file, atomically: true, encoding: .utf8)
        let (ending, output) = try await harness.worker(["submit", "--db", harness.db, file])
        #expect(ending == .exited(0), "\(output)")
    }

    static func environment(_ server: LoopbackHTTPServer) -> [String: String] {
        ["ANTHROPIC_BASE_URL": server.baseURL, "ANTHROPIC_API_KEY": key, "ANTHROPIC_TIMEOUT_SECONDS": "10"]
    }

    /// The journal's model responses: request id and the turn each answered.
    static func journaledResponses(_ harness: WorkerHarness) throws -> [String] {
        let journal = try SQLiteJournal.open(path: harness.db, options: JournalOptions(role: .reader))
        defer { journal.close() }
        var ids: [String] = []
        for run in try journal.runs() {
            for record in try journal.records(of: run.run) {
                if case .modelResponded(_, let response)? = try record.decodedEvent(as: SandboxJobEvent.self), let id = response.requestID {
                    ids.append(id)
                }
            }
        }
        return ids
    }

    static func checkInvariants(_ harness: WorkerHarness, fake: FakeAnthropic) async throws {
        let unsuccessful = try await harness.unsuccessful()
        #expect(unsuccessful.isEmpty, "\(unsuccessful)\n\(harness.log)")
        #expect(harness.ledgerLines("tools") == ["one", "two"], "each tool call runs once")
        let received = fake.received
        let journaled = try journaledResponses(harness)
        #expect(journaled.count == 4)
        // A journaled response is the last request of its turn: never asked for again.
        for (turn, id) in journaled.enumerated() {
            let requests = received.filter { $0.turn == turn && $0.status == 200 }
            #expect(requests.last?.requestID == id, "turn \(turn) was asked for again after its response \(id) was journaled")
        }
        #expect(await harness.sandboxesLeft().isEmpty)
        #expect(harness.supervisorsLeft().isEmpty)
        let (verified, output) = try await harness.worker(["verify", "--db", harness.db])
        #expect(verified == .exited(0), "\(output)")
    }

    @Test("killed at each point of the agent loop, the run finishes; no tool runs twice, no journaled turn is asked again",
          arguments: Failpoint.agentLoop, [1, 2])
    func failpoint(name: Failpoint, hit: Int) async throws {
        let harness = WorkerHarness()
        let fake = FakeAnthropic(apiKey: Self.key, agent: Self.agent(ledger: "/ledger"))
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        try await Self.submitAgentRun(harness)
        try await Self.crash(harness, at: name, hit: hit, environment: Self.environment(server))
        try await Self.checkInvariants(harness, fake: fake)
    }

    @Test("on E2B, killed at each point of the agent loop: the same, and the E2B sandbox is killed", arguments: Failpoint.agentLoop)
    func e2b(name: Failpoint) async throws {
        let harness = WorkerHarness()
        let fake = FakeAnthropic(apiKey: Self.key, agent: Self.agent(ledger: harness.ledger))
        let server = try await fake.serve()
        let e2b = FakeE2B(apiKey: "e2b_crash_key")
        let cloud = try await e2b.serve()
        defer { Task { await server.stop(); await cloud.stop() } }
        try await Self.submitAgentRun(harness, provider: "e2b")
        let environment = Self.environment(server).merging(["E2B_API_KEY": "e2b_crash_key", "E2B_API_URL": cloud.baseURL, "E2B_SANDBOX_URL": cloud.baseURL]) { $1 }
        try await Self.crash(harness, at: name, hit: 2, environment: environment)
        try await Self.checkInvariants(harness, fake: fake)
        #expect(e2b.alive.isEmpty)
    }

    @Test("killed mid-status-update (the sink has the outcome, the journal not yet): the update is sent again, idempotently")
    func statusUpdate() async throws {
        let harness = WorkerHarness()
        let fake = FakeAnthropic(apiKey: Self.key, agent: Self.agent(ledger: "/ledger"))
        let server = try await fake.serve()
        let postgrest = FakePostgREST(apiKey: "pgrst-crash")
        let database = try await postgrest.serve()
        defer { Task { await server.stop(); await database.stop() } }
        try await Self.submitAgentRun(harness)
        let environment = Self.environment(server).merging([
            "RUNLOG_POSTGREST_URL": database.baseURL + "/rest/v1", "RUNLOG_POSTGREST_EVENTS_TABLE": "runlog_events", "POSTGREST_API_KEY": "pgrst-crash",
        ]) { $1 }
        try await Self.crash(harness, at: Failpoint.afterStatusDelivered, hit: 1, environment: environment)
        try await Self.checkInvariants(harness, fake: fake)
        let rows = postgrest.rows("runlog_runs")
        #expect(rows.count == 1)
        #expect(rows.first?["status"] == "succeeded")
        let finals = postgrest.rows("runlog_events").filter { $0["status"] == "succeeded" }
        #expect(finals.count == 1, "the outcome was appended once")
        #expect(postgrest.requests.filter { $0.hasPrefix("PATCH") }.count >= 2, "the outcome was sent again after the crash")
    }

    /// Runs the worker until the failpoint kills it, then restarts it until it exits by itself.
    static func crash(_ harness: WorkerHarness, at name: Failpoint, hit: Int, environment: [String: String]) async throws {
        let first = try harness.start(harness.runArguments, environment: environment.merging(["RUNLOG_FAILPOINT": "\(name):\(hit)"]) { $1 })
        #expect(await WorkerHarness.wait(first) == .killed(SIGKILL), "the failpoint \(name):\(hit) was not reached; \(harness.log)")
        for _ in 0..<10 {
            if await WorkerHarness.wait(try harness.start(harness.runArguments, environment: environment)) == .exited(0) { break }
        }
    }
}
