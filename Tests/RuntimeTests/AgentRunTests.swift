import Effects
import Foundation
import Journal
import RunStateMachine
import Runtime
import Testing
import TestSupport

/// Agent runs end to end: the engine, a local sandbox, the real Anthropic client, and the
/// loopback fake of the Messages API.
@Suite("Agent runs", .serialized)
struct AgentRunTests {
    typealias Fixture = SandboxRunTests.Fixture
    static let key = Fixture.secrets["ANTHROPIC_API_KEY"]!
    static let hello = AgentSpec(model: "claude-fake", prompt: "Create hello.txt containing hi, then show it.", maxTurns: 5)

    static func events(_ f: Fixture, _ run: RunRef) throws -> [SandboxJobEvent] {
        try f.journal.records(of: run).compactMap { try $0.decodedEvent(as: SandboxJobEvent.self) }
    }

    /// The loopback model API and E2B that a test's runs call.
    struct Clouds {
        let model: FakeAnthropic
        let modelServer: LoopbackHTTPServer
        let e2b: FakeE2B
        let e2bServer: LoopbackHTTPServer

        /// Both fakes, serving; the model answers unscripted requests with `agent`.
        static func start(agent: @escaping @Sendable (Int, [JSONValue]) -> FakeAnthropic.Reply = FakeAnthropic.helloFileAgent) async throws -> Clouds {
            let model = FakeAnthropic(apiKey: AgentRunTests.key, agent: agent)
            let e2b = FakeE2B(apiKey: Fixture.secrets["E2B_API_KEY"]!)
            return Clouds(model: model, modelServer: try await model.serve(), e2b: e2b, e2bServer: try await e2b.serve())
        }

        /// An engine for `f`'s journal calling both.
        func engine(_ f: Fixture) -> Engine<SandboxJobExecutor> {
            f.engine(modelURL: modelServer.baseURL, e2bURL: e2bServer.baseURL)
        }

        /// Stops serving (in the background, as a test ends).
        func stop() {
            let (model, e2b) = (modelServer, e2bServer)
            Task {
                await model.stop()
                await e2b.stop()
            }
        }
    }

    /// The run's journaled tool results, in order.
    static func toolResults(_ f: Fixture, _ run: RunRef) throws -> [ToolResult] {
        try events(f, run).compactMap { event -> ToolResult? in
            if case .toolFinished(_, let result) = event { return result }
            return nil
        }
    }

    @Test("the model's tool calls run in the sandbox, their results go back, the run ends at end_turn")
    func helloFile() async throws {
        let f = try Fixture()
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let run = try await f.submit(agent: Self.hello)
        _ = try await f.engine(modelURL: server.baseURL).run()
        #expect(try f.state(run) == "succeeded")
        // One request per turn, each answered; the last carries the shell tool's output.
        #expect(fake.received.map(\.turn) == [0, 1, 2])
        #expect(fake.received.allSatisfy { $0.status == 200 })
        let results = try Self.toolResults(f, run)
        #expect(results == [ToolResult(isError: false, content: "wrote 3 bytes to hello.txt\n"), ToolResult(isError: false, content: "hi\n")])
        let usage = try Self.events(f, run).reduce(TokenUsage()) { total, event in
            if case .modelResponded(_, let response) = event { return total + response.usage }
            return total
        }
        #expect(usage == TokenUsage(input: 100 + 300 + 500, output: 60))
        #expect(await f.sandboxesLeft().isEmpty)
        #expect(try f.journal.verify().ok)
        let database = try Data(contentsOf: URL(fileURLWithPath: f.directory.file("runs.sqlite")))
        #expect(database.range(of: Data(Self.key.utf8)) == nil)
    }

    @Test("on E2B: the same loop, the tools run through envd under the wrapper, the sandbox is killed, no secret is recorded")
    func onE2B() async throws {
        let f = try Fixture()
        let clouds = try await Clouds.start()
        defer { clouds.stop() }
        let e2b = clouds.e2b
        let run = try await f.submit(agent: Self.hello, sandbox: SandboxSpec(provider: .e2b, timeoutSeconds: 30, secrets: ["DEMO_TOKEN"]))
        _ = try await clouds.engine(f).run()
        #expect(try f.state(run) == "succeeded")
        let results = try Self.toolResults(f, run)
        #expect(results == [ToolResult(isError: false, content: "wrote 3 bytes to hello.txt\n"), ToolResult(isError: false, content: "hi\n")])
        #expect(e2b.alive.isEmpty)
        #expect(e2b.requests.contains("POST /v2/sandboxes"))
        #expect(e2b.requests.contains { $0.hasPrefix("DELETE /sandboxes/") })
        let database = try Data(contentsOf: URL(fileURLWithPath: f.directory.file("runs.sqlite")))
        #expect(database.range(of: Data(Fixture.secrets["E2B_API_KEY"]!.utf8)) == nil)
        #expect(try f.journal.verify().ok)
    }

    @Test("an E2B sandbox that vanishes mid-tool ends the run as sandbox lost, without asking the model again")
    func vanishMidTool() async throws {
        let f = try Fixture()
        let clouds = try await Clouds.start { _, _ in
            .message(content: [["type": "tool_use", "id": "toolu_long", "name": "shell", "input": ["command": "touch $HOME/began; sleep 20"]]], stopReason: "tool_use", usage: (10, 1))
        }
        defer { clouds.stop() }
        let (fake, e2b) = (clouds.model, clouds.e2b)
        let run = try await f.submit(agent: Self.hello, sandbox: SandboxSpec(provider: .e2b, timeoutSeconds: 30))
        let engine = Task { try await clouds.engine(f).run() }
        var vanished = false
        for _ in 0..<500 where !vanished {
            if let id = e2b.alive.first, let home = e2b.home(of: id), FileManager.default.fileExists(atPath: "\(home)/began") {
                e2b.vanish(id)
                vanished = true
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = try await engine.value
        #expect(vanished)
        #expect(try f.journal.run(matching: run.id.value).stateName == "failed")
        guard case .failed(.sandboxLost)? = try f.journal.records(of: run).last(where: { $0.state != nil }).flatMap({ try $0.stateJSON() }).map({ try SandboxJobState(json: $0) }) else {
            Issue.record("the run did not fail as sandbox lost")
            return
        }
        #expect(fake.received.count == 1)
    }

    @Test("egress sandbox: the model is called from inside the E2B sandbox, as root, the key out of the tools' reach")
    func egressSandbox() async throws {
        let f = try Fixture()
        let clouds = try await Clouds.start()
        defer { clouds.stop() }
        let (fake, e2b) = (clouds.model, clouds.e2b)
        var agent = Self.hello
        agent.egress = .sandbox
        let run = try await f.submit(agent: agent, sandbox: SandboxSpec(provider: .e2b, timeoutSeconds: 30))
        let sandboxes = Task {
            // Watch the sandbox while the run lasts: no file the tools' user can read holds the key.
            var seen: [String] = []
            while !Task.isCancelled {
                for id in e2b.alive {
                    guard let home = e2b.home(of: id) else { continue }
                    seen += FileSearch.files(under: home, containing: Self.key).filter { !$0.hasPrefix(".root/") }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return seen
        }
        _ = try await clouds.engine(f).run()
        sandboxes.cancel()
        #expect(await sandboxes.value.isEmpty)
        #expect(try f.state(run) == "succeeded")
        #expect(fake.received.count == 3)
        #expect(fake.received.allSatisfy { $0.headers["user-agent"]?.hasPrefix("curl/") == true }, "the calls came from curl in the sandbox")
        #expect(fake.received.allSatisfy { $0.headers["x-api-key"] == Self.key })
        let responded = try Self.events(f, run).filter { if case .modelResponded = $0 { true } else { false } }
        #expect(responded.count == 3)
        #expect(e2b.requests.contains("POST /files"))
        #expect(e2b.alive.isEmpty)
    }

    @Test("rate limits and overload are waited out as the API asks, journaled; the turn is asked again")
    func retries() async throws {
        let f = try Fixture()
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        fake.enqueue(
            .error(status: 429, type: "rate_limit_error", message: "slow down", headers: ["retry-after": "1"]),
            .error(status: 529, type: "overloaded_error", message: "Overloaded", headers: ["x-should-retry": "true"])
        )
        let run = try await f.submit(agent: Self.hello)
        _ = try await f.engine(modelURL: server.baseURL).run()
        #expect(try f.state(run) == "succeeded")
        #expect(fake.received.map(\.status) == [429, 529, 200, 200, 200])
        let failures = try Self.events(f, run).compactMap { event -> Int64?? in
            if case .modelCallFailed(_, _, true, let wait, _) = event { return wait }
            return nil
        }
        #expect(failures == [1000, nil])
    }

    @Test("a bad key fails the run at once and cleans up; no key says what to set")
    func keys() async throws {
        let f = try Fixture()
        let fake = FakeAnthropic(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let wrong = try await f.submit(agent: Self.hello)
        _ = try await f.engine(modelURL: server.baseURL, secrets: ["DEMO_TOKEN": "x", "ANTHROPIC_API_KEY": "sk-ant-wrong"]).run()
        let none = try await f.submit(agent: Self.hello)
        _ = try await f.engine(modelURL: server.baseURL, secrets: ["DEMO_TOKEN": "x"]).run()
        #expect(try f.state(wrong) == "failed")
        #expect(try f.state(none) == "failed")
        let reasons = try [wrong, none].map { run in
            try Self.events(f, run).compactMap { event -> String? in
                if case .modelCallFailed(_, let reason, false, _, _) = event { return reason }
                return nil
            }
        }
        #expect(reasons[0].count == 1 && reasons[0][0].contains("HTTP 401 authentication_error"))
        // An outside service quoting a secret back: the reason is journaled without it.
        fake.enqueue(.error(status: 400, type: "invalid_request_error", message: "unexpected text 'token-value' in messages.0"))
        let quoted = try await f.submit(agent: Self.hello)
        _ = try await f.engine(modelURL: server.baseURL).run()
        let quotedReasons = try Self.events(f, quoted).compactMap { event -> String? in
            if case .modelCallFailed(_, let reason, _, _, _) = event { return reason }
            return nil
        }
        #expect(quotedReasons == ["HTTP 400 invalid_request_error: unexpected text '[redacted DEMO_TOKEN]' in messages.0 (request req_fake_2)"])
        #expect(reasons[1] == ["the worker has no value for secret 'ANTHROPIC_API_KEY': set it in the worker's environment or its --secrets-file and restart it"])
        #expect(fake.received.count == 2)
        #expect(await f.sandboxesLeft().isEmpty)
    }

    @Test("an agent that never finishes stops at maxTurns; unknown tools get error results")
    func turnLimit() async throws {
        let f = try Fixture()
        let fake = FakeAnthropic(apiKey: Self.key) { turn, _ in
            .message(
                content: [["type": "tool_use", "id": .string("toolu_\(turn)"), "name": turn == 0 ? "browse" : "shell", "input": ["command": "true"]]],
                stopReason: "tool_use",
                usage: (10, 1)
            )
        }
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        var agent = Self.hello
        agent.maxTurns = 3
        let run = try await f.submit(agent: agent)
        _ = try await f.engine(modelURL: server.baseURL).run()
        #expect(try f.journal.run(matching: run.id.value).stateName == "failed")
        #expect(fake.received.count == 3)
        #expect(try Self.toolResults(f, run).first == ToolResult(isError: true, content: "There is no tool named 'browse'. The tools are: shell, read_file, write_file."))
        #expect(await f.sandboxesLeft().isEmpty)
    }

    @Test("a worker stopped mid-tool: the next one reattaches, the tool runs once, no journaled turn is asked again")
    func reattachMidTool() async throws {
        let f = try Fixture()
        let fake = FakeAnthropic(apiKey: Self.key) { turn, _ in
            turn == 0
                ? .message(
                    content: [["type": "tool_use", "id": "toolu_slow", "name": "shell", "input": ["command": "echo started >> /ledger/log; sleep 1; echo ran >> /ledger/log; echo done"]]],
                    stopReason: "tool_use",
                    usage: (10, 1)
                )
                : .message(content: [["type": "text", "text": "finished"]], stopReason: "end_turn", usage: (20, 1))
        }
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let run = try await f.submit(agent: Self.hello)
        let first = Task { try await f.engine(owner: "first", untilIdle: false, modelURL: server.baseURL).run() }
        try await eventually("the tool started", within: 10_000) { !f.ledgerLines("log").isEmpty }
        first.cancel()
        _ = try? await first.value
        _ = try await f.engine(owner: "second", modelURL: server.baseURL).run()
        #expect(try f.state(run) == "succeeded")
        #expect(f.ledgerLines("log") == ["started", "ran"])
        #expect(fake.received.map(\.turn) == [0, 1])
        let results = try Self.toolResults(f, run)
        #expect(results == [ToolResult(isError: false, content: "done\n")])
        #expect(await f.sandboxesLeft().isEmpty)
    }
}
