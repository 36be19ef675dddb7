import Failpoints
import Foundation
import Journal
import RunStateMachine
import Testing
import TestSupport

/// A canary secret given to the worker in a secrets file, and its model API key, never appear in
/// the database, its WAL, the worker's log, any command's captured output, `history` or `status`.
@Suite("Secret canary")
struct SecretCanaryTests {
    static let canary = "canary-7c41e0-never-recorded"
    static let key = "sk-ant-canary-key-3b9d"

    @Test("the secrets file's values reach the sandbox only, and are recorded nowhere")
    func canary() async throws {
        let fake = FakeAnthropic(apiKey: Self.key) { turn, _ in
            turn == 0
                ? .message(
                    content: [["type": "tool_use", "id": "toolu_leak", "name": "shell", "input": ["command": "echo token=$CANARY_TOKEN; echo $CANARY_TOKEN >&2; env | grep -c ANTHROPIC_API_KEY"]]],
                    stopReason: "tool_use",
                    usage: (10, 1)
                )
                : .message(content: [["type": "text", "text": "done"]], stopReason: "end_turn", usage: (10, 1))
        }
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let harness = WorkerHarness()
        let secrets = harness.directory.file("secrets.env")
        try "# worker secrets\nCANARY_TOKEN=\(Self.canary)\nANTHROPIC_API_KEY=\"\(Self.key)\"\n".write(toFile: secrets, atomically: true, encoding: .utf8)
        chmod(secrets, 0o600)
        try await AgentCrashTests.submitAgentRun(harness, secrets: ["CANARY_TOKEN"])
        let arguments = harness.runArguments + ["--secrets-file", secrets]
        let environment = ["ANTHROPIC_BASE_URL": server.baseURL]

        // Stopped after the tool ran, before its result is journaled: its captured output is
        // still in the sandbox, redacted.
        let first = try harness.start(arguments, environment: environment.merging(["RUNLOG_FAILPOINT": Failpoint.afterToolFinish.rawValue]) { $1 })
        #expect(await WorkerHarness.wait(first) == .killed(SIGKILL), "\(harness.log)")
        #expect(FileSearch.files(under: harness.sandboxes, containing: Self.canary).isEmpty)
        #expect(FileSearch.files(under: harness.sandboxes, containing: Self.key).isEmpty)
        #expect(!FileSearch.files(under: harness.sandboxes, containing: "[redacted CANARY_TOKEN]").isEmpty, "the tool printed the secret, redacted")
        let walAfterCrash = FileManager.default.contents(atPath: harness.db + "-wal") ?? Data()
        #expect(walAfterCrash.range(of: Data(Self.canary.utf8)) == nil)
        #expect(walAfterCrash.range(of: Data(Self.key.utf8)) == nil)

        #expect(await WorkerHarness.wait(try harness.start(arguments, environment: environment)) == .exited(0), "\(harness.log)")
        let unsuccessful = try await harness.unsuccessful()
        #expect(unsuccessful.isEmpty, "\(unsuccessful)\n\(harness.log)")
        let journal = try SQLiteJournal.open(path: harness.db, options: JournalOptions(role: .reader))
        let runID = try #require(try journal.runs().first?.run.id.value)
        journal.close()
        let (_, readable) = try await harness.worker(["history", "--db", harness.db, runID])
        let (_, status) = try await harness.worker(["status", "--db", harness.db, runID, "--json"])
        #expect(readable.contains("[redacted CANARY_TOKEN]"), "\(readable)")
        #expect(readable.contains("cost: "), "\(readable)")
        for (name, text) in [("history", readable), ("status", status), ("log", harness.log)] {
            #expect(!text.contains(Self.canary), "\(name) holds the canary")
            #expect(!text.contains(Self.key), "\(name) holds the key")
        }
        // The model saw the redacted output and that the key is not in the sandbox's environment.
        let results = fake.received.last.map { $0.body.canonicalString } ?? ""
        #expect(results.contains(#"token=[redacted CANARY_TOKEN]\n0\n[stderr]\n[redacted CANARY_TOKEN]\n"#), "\(results)")
        for file in [harness.db, harness.db + "-wal", harness.db + "-journal"] {
            let bytes = FileManager.default.contents(atPath: file) ?? Data()
            #expect(bytes.range(of: Data(Self.canary.utf8)) == nil, "\(file) holds the canary")
            #expect(bytes.range(of: Data(Self.key.utf8)) == nil, "\(file) holds the key")
        }
    }
}
