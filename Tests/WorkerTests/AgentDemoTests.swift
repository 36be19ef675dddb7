import Foundation
import RunStateMachine
import Testing
import TestSupport

/// `worker demo --agent` against the loopback Messages API (with a real key and no
/// ANTHROPIC_BASE_URL it calls the real one).
@Suite("Agent demo")
struct AgentDemoTests {
    @Test("with a key, the demo runs the agent job to success and prints its transcript and cost")
    func runs() async throws {
        let fake = FakeAnthropic(apiKey: "sk-ant-demo-test")
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let harness = WorkerHarness()
        let demo = try harness.start(
            ["demo", "--agent", "--db", harness.directory.file("demo.sqlite")],
            environment: ["ANTHROPIC_BASE_URL": server.baseURL, "ANTHROPIC_API_KEY": "sk-ant-demo-test", "ANTHROPIC_MODEL": "claude-fake"]
        )
        #expect(await WorkerHarness.wait(demo) == .exited(0), "\(harness.log)")
        let log = harness.log
        #expect(log.contains(#"model → write_file {"content":"hi\n","path":"hello.txt"}"#), "\(log)")
        #expect(log.contains("  ← hi⏎"), "\(log)")
        #expect(log.contains("succeeded; cost: 900 in / 60 out tokens (3 model calls)"), "\(log)")
        #expect(log.contains("verify: ok"), "\(log)")
        #expect(!log.contains("sk-ant-demo-test"))
        #expect(fake.received.allSatisfy { $0.body.canonicalString.contains("\"model\":\"claude-fake\"") })
    }

    @Test("without a key, the demo says what to set and runs nothing")
    func withoutKey() async throws {
        let harness = WorkerHarness()
        let demo = try harness.start(["demo", "--agent", "--db", harness.directory.file("demo.sqlite")], environment: ["ANTHROPIC_API_KEY": ""])
        #expect(await WorkerHarness.wait(demo) == .exited(2))
        #expect(harness.log.contains("export ANTHROPIC_API_KEY=sk-ant-..."), "\(harness.log)")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.file("demo.sqlite")))
    }
}
