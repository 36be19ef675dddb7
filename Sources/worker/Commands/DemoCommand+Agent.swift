import ArgumentParser
import Effects
import Journal
import RunStateMachine
import Runtime

#if canImport(Glibc)
import Glibc
#endif

extension DemoCommand {
    /// The agent job of the issue: create `hello.txt` containing `hi`, then show it.
    static func agentJob(model: String) -> JobSpec {
        JobSpec(
            kind: .agent,
            name: "hello agent",
            deadlineSeconds: 600,
            sandbox: SandboxSpec(timeoutSeconds: 300),
            agent: AgentSpec(model: model, prompt: "Create hello.txt containing hi, then show it.", maxTurns: 10, maxTokens: 1024, tokenBudget: 50_000)
        )
    }

    /// `worker demo --agent`: one real agent run in a local sandbox, its transcript, its cost
    /// and the verified journal; without a key, what to set.
    func runAgent() async throws {
        try await Console.run(json: false) {
            let environment = ProcessEnvironment.current()
            let secrets = try secretsFile.map { path throws(ConfigurationError) in try SecretStore.file(at: path) } ?? .environment
            guard case .success(let values) = secrets.resolve([AnthropicConfiguration.apiKeySecret]),
                values[AnthropicConfiguration.apiKeySecret]?.isEmpty == false
            else {
                Console.error(
                    """
                    The agent demo calls Anthropic's Messages API, so it needs a key:
                      export ANTHROPIC_API_KEY=sk-ant-...      (or put it in a file given with --secrets-file)
                    and optionally ANTHROPIC_MODEL (default claude-sonnet-4-5), ANTHROPIC_BASE_URL,
                    ANTHROPIC_VERSION, ANTHROPIC_AUTH_STYLE. Then run: swift run worker demo --agent
                    The key is read when each model call is made and is never written to the journal.
                    """
                )
                throw ExitCode(Console.invalidInput)
            }
            let started = Timestamp.now()
            let sandbox = try await prepare()
            let model = environment["ANTHROPIC_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "claude-sonnet-4-5"
            print("Runlog agent demo: \(model) in a tool-use loop, tools in a local sandbox, journal at \(db)")
            let journal = try await GlobalOptions.openJournal(db)
            defer { journal.close() }
            let run = try await journal.submit(Self.agentJob(model: model), at: .now()).run
            print("  submitted \(run.id): \"Create hello.txt containing hi, then show it.\"")
            section("Running (each model response is journaled before any tool runs)")
            _ = try await RunCommand.drive(
                journal: journal,
                executor: sandbox.executor(forDatabase: db),
                options: EngineOptions(owner: "demo:\(getpid())", concurrency: 1, leaseMilliseconds: 15_000, untilIdle: true, exclusive: true),
                progress: ProgressBoard(journal: journal, runs: [run.id.value], labels: [run.id.value: "hello agent"])
            )
            section("Transcript (from the journal)")
            var cost = RunCost()
            let records = try await journal.records(of: run)
            for record in records {
                guard let event = try record.decodedEvent(as: SandboxJobEvent.self) else { continue }
                cost.record(event, at: record.at)
                for line in Self.transcriptLines(event) { print("  \(line)") }
            }
            let summary = try await journal.run(matching: run.id.value)
            let report = try await journal.verify(registry: .standard, maxProblems: 50)
            section("Outcome")
            print("  \(summary.stateName); cost: \(cost.summary(asOf: .now()))")
            print("  verify: \(report.ok ? "ok" : "FAILED"), \(report.records) records")
            let took = Double(Timestamp.now().milliseconds - started.milliseconds) / 1000
            print("\nagent demo finished in \(format(took, places: 1)) s. Next: worker history --db \(db) \(run.id.value.prefix(8))")
            guard report.ok, summary.stateName == "succeeded" else { throw ExitCode(Console.verificationFailed) }
        }
    }

    /// What an event says in the transcript: the model's text and tool calls, tool results,
    /// failures.
    static func transcriptLines(_ event: SandboxJobEvent) -> [String] {
        func clip(_ text: String) -> String {
            let line = text.replacing("\n", with: "⏎")
            return line.count > 100 ? line.prefix(100) + "…" : line
        }
        switch event {
        case .modelResponded(_, let response):
            guard case .array(let blocks) = response.content else { return [] }
            return blocks.compactMap { block -> String? in
                guard case .object(let fields) = block else { return nil }
                switch fields["type"] {
                case "text":
                    if case .string(let text)? = fields["text"] { return "model: \(clip(text))" }
                case "tool_use":
                    if case .string(let name)? = fields["name"] { return "model → \(name) \(clip(fields["input"]?.canonicalString ?? "{}"))" }
                default:
                    break
                }
                return nil
            }
        case .toolFinished(_, let result):
            return ["  ← \(result.isError ? "error: " : "")\(clip(result.content))"]
        case .modelCallFailed(_, let reason, let retryable, _, _):
            return ["model call failed\(retryable ? " (will retry)" : ""): \(clip(reason))"]
        case .effectInDoubt(_, let reason):
            return ["  ← in doubt: \(clip(reason))"]
        default:
            return []
        }
    }
}
