import Effects
import Foundation
import Journal
import RunStateMachine
import Runtime
import SystemSupport
import Testing
import TestSupport

/// The engine driving sandbox jobs through real local sandboxes (bubblewrap, supervisors).
@Suite("Sandbox runs", .serialized)
struct SandboxRunTests {
    /// A journal, a sandbox root and a host directory mounted at `/ledger` in every sandbox.
    final class Fixture: Sendable {
        let directory = TemporaryDirectory()
        let journal: SQLiteJournal
        let ledger: String

        init() throws {
            chmod(directory.path, 0o711)
            journal = try SQLiteJournal.open(path: directory.file("runs.sqlite"))
            ledger = directory.file("ledger")
            mkdir(ledger, 0o777)
            chmod(ledger, 0o777)
        }

        deinit { journal.close() }

        var options: LocalSandboxOptions {
            LocalSandboxOptions(root: directory.file("sandboxes"), supervisorPath: LocalSandboxOptions.defaultSupervisorPath())
        }

        /// The executor; agent runs call the model at `modelURL` with `secrets`' ANTHROPIC_API_KEY.
        func executor(
            modelURL: String = "http://127.0.0.1:9",
            secrets: [String: String] = Fixture.secrets,
            e2bURL: String? = nil,
            sinks: [any StatusSink] = []
        ) -> SandboxJobExecutor {
            let clock = SystemClock()
            var model = AnthropicConfiguration(baseURL: modelURL)
            model.requestTimeoutSeconds = 5
            return SandboxJobExecutor(
                performer: SandboxJobPerformer(
                    local: LocalSandboxProvider(options: options),
                    e2b: e2bURL.map { url in
                        var configuration = E2BConfiguration(requestTimeoutSeconds: 5, scope: "runlog-test")
                        configuration.apiURL = url
                        configuration.sandboxURL = url
                        let key = secrets[E2BConfiguration.apiKeySecret]
                        return E2BSandboxProvider(client: E2BClient(configuration: configuration) { key }, now: { clock.now() })
                    },
                    secrets: SecretStore(values: secrets),
                    artifactsDirectory: directory.file("artifacts"),
                    model: AnthropicClient(configuration: model),
                    sinks: sinks,
                    now: { clock.now() }
                )
            )
        }

        static let secrets = ["DEMO_TOKEN": "token-value", "ANTHROPIC_API_KEY": "sk-ant-canary-7f3a9c", "E2B_API_KEY": "e2b_canary_91ad"]

        /// An engine over the journal: by default its only worker, as `worker run` is on SQLite
        /// (it takes leases over at once and renews sandboxes for as long as it lives).
        func engine(
            owner: String = "test",
            host: String = HostName.current,
            exclusive: Bool = true,
            untilIdle: Bool = true,
            modelURL: String = "http://127.0.0.1:9",
            secrets: [String: String] = Fixture.secrets,
            e2bURL: String? = nil,
            sinks: [any StatusSink] = []
        ) -> Engine<SandboxJobExecutor> {
            Engine(
                journal: journal,
                executor: executor(modelURL: modelURL, secrets: secrets, e2bURL: e2bURL, sinks: sinks),
                options: EngineOptions(owner: owner, host: host, concurrency: 8, leaseMilliseconds: 1_000, pollMilliseconds: 20, untilIdle: untilIdle, exclusive: exclusive)
            )
        }

        /// Every test job's sandbox: the demo secret, `/ledger` mounted.
        var sandbox: SandboxSpec {
            SandboxSpec(timeoutSeconds: 10, secrets: ["DEMO_TOKEN"], mounts: [MountSpec(host: ledger, sandbox: "/ledger", readOnly: false)])
        }

        func submit(_ steps: [StepSpec], collect: [String] = [], deadlineSeconds: Int = 600, sandboxTimeoutSeconds: Int = 10) async throws -> RunRef {
            var sandbox = self.sandbox
            sandbox.timeoutSeconds = sandboxTimeoutSeconds
            let spec = JobSpec(kind: .shell, name: "test", deadlineSeconds: deadlineSeconds, sandbox: sandbox, steps: steps, collect: collect)
            return try await journal.submit(spec, at: SystemClock().now()).run
        }

        func submit(agent: AgentSpec, deadlineSeconds: Int = 600, sandbox: SandboxSpec? = nil) async throws -> RunRef {
            let spec = JobSpec(kind: .agent, name: "agent", deadlineSeconds: deadlineSeconds, sandbox: sandbox ?? self.sandbox, agent: agent)
            return try await journal.submit(spec, at: SystemClock().now()).run
        }

        func state(_ run: RunRef) throws -> String { try journal.run(matching: run.id.value).stateName }

        func ledgerLines(_ name: String) -> [String] {
            ((try? String(contentsOfFile: "\(ledger)/\(name)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func sandboxesLeft() async -> [SandboxInfo] { await LocalSandboxProvider(options: options).list() }
    }

    @Test("steps run in order in one sandbox, secrets reach them, artifacts are collected, the sandbox is killed")
    func success() async throws {
        let f = try Fixture()
        let run = try await f.submit(
            [TestJobs.step("one", "echo one >> /ledger/log; echo \"$DEMO_TOKEN\" > out.txt"), TestJobs.step("two", "echo two >> /ledger/log")],
            collect: ["out.txt"]
        )
        let summary = try await f.engine().run()
        #expect(summary.finished == 1)
        #expect(try f.state(run) == "succeeded")
        #expect(f.ledgerLines("log") == ["one", "two"])
        #expect((try? String(contentsOfFile: f.directory.file("artifacts/\(run.id)/out.txt"), encoding: .utf8)) == "token-value\n")
        #expect(await f.sandboxesLeft().isEmpty)
        #expect(try f.journal.verify().ok)
        // The secret is nowhere in the journal.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: f.directory.file("runs.sqlite")))
        #expect(bytes.range(of: Data("token-value".utf8)) == nil)
    }

    @Test("a FIFO named in collect fails the collect at once: the run ends instead of waiting in collecting for ever")
    func fifoInCollect() async throws {
        let f = try Fixture()
        let run = try await f.submit([TestJobs.step("plant", "mkfifo f")], collect: ["f"])
        let ended = await completes(within: 60) {
            _ = try? await f.engine().run()
        }
        #expect(ended, "the run stayed in \((try? f.state(run)) ?? "?")")
        #expect(try f.journal.run(matching: run.id.value).terminal)
        #expect(await f.sandboxesLeft().isEmpty)
    }

    @Test("a failing step is retried; one that times out fails the run; both leave no sandbox")
    func retryAndTimeout() async throws {
        let f = try Fixture()
        let flaky = try await f.submit([TestJobs.step("flaky", "n=$(cat /ledger/n 2>/dev/null || echo 0); echo $((n+1)) > /ledger/n; [ $n -ge 1 ]", attempts: 3)])
        let slow = try await f.submit([TestJobs.step("slow", "sleep 30", timeout: 1)])
        _ = try await f.engine().run()
        #expect(try f.state(flaky) == "succeeded")
        #expect(f.ledgerLines("n") == ["2"])
        #expect(try f.state(slow) == "failed")
        #expect(await f.sandboxesLeft().isEmpty)
    }

    @Test("worker cancel: the running step is killed, the sandbox released, the run cancelled")
    func cancel() async throws {
        let f = try Fixture()
        let run = try await f.submit([TestJobs.step("forever", "echo started >> /ledger/log; sleep 60")])
        let engine = Task { try await f.engine(untilIdle: true).run() }
        try await eventually("the step started") { !f.ledgerLines("log").isEmpty }
        _ = try await f.journal.requestCancel(run: run.id.value, reason: "test says stop", at: SystemClock().now())
        _ = try await engine.value
        #expect(try f.state(run) == "cancelled")
        #expect(await f.sandboxesLeft().isEmpty)
        #expect(try f.journal.operatorRequests().isEmpty)
    }

    @Test("a worker stopped mid-step: the next one reattaches to the live sandbox and the step runs once")
    func reattach() async throws {
        let f = try Fixture()
        let run = try await f.submit([TestJobs.step("slow", "sleep 1; echo ran >> /ledger/log"), TestJobs.step("after", "echo after >> /ledger/log")])
        let first = Task { try await f.engine(owner: "first", untilIdle: false).run() }
        try await eventually("the run is running") { (try? f.state(run)) == "running" }
        first.cancel()
        _ = try? await first.value
        #expect(await f.sandboxesLeft().count == 1)
        _ = try await f.engine(owner: "second").run()
        #expect(try f.state(run) == "succeeded")
        #expect(f.ledgerLines("log") == ["ran", "after"])
        #expect(await f.sandboxesLeft().isEmpty)
    }

    @Test("a worker on another host takes a run whose local sandbox lives here only once the sandbox has surely ended, and finds it lost")
    func otherHostWaitsOutTheSandbox() async throws {
        let f = try Fixture()
        // The shortest sandbox lease a spec may ask for, 10 s: a grace of 12 s with the margin.
        let run = try await f.submit([TestJobs.step("slow", "echo started >> /ledger/log; sleep 40; echo finished >> /ledger/log", timeout: 60)], sandboxTimeoutSeconds: 10)
        // Workers sharing the journal, as on PostgreSQL.
        let first = Task { try await f.engine(owner: "first", host: "host-1", exclusive: false, untilIdle: false).run() }
        try await eventually("the step started") { !f.ledgerLines("log").isEmpty }
        first.cancel()
        _ = try? await first.value
        let stopped = SystemClock().now()
        _ = try await f.engine(owner: "second", host: "host-2", exclusive: false).run()
        let records = try f.journal.records(of: run)
        let taken = try #require(records.last { $0.kind == .lease })
        #expect(String(decoding: taken.event, as: UTF8.self).contains("second"))
        // Not before the sandbox's lease and margin past the first worker's leases.
        #expect(taken.at.milliseconds - stopped.milliseconds >= 12_000, "taken \(taken.at.milliseconds - stopped.milliseconds) ms after the first worker stopped")
        // The sandbox had ended by its lease: the step never finished, and the run ends as one
        // whose sandbox was lost.
        #expect(f.ledgerLines("log") == ["started"])
        let final = try f.journal.records(of: run).compactMap { $0.state.map { String(decoding: $0, as: UTF8.self) } }.last
        #expect(final == #"{"failed":{"reason":{"sandboxLost":{"reason":"lease expired"}}}}"#)
        #expect(try f.journal.verify().ok)
    }

    @Test("the orphan sweep kills sandboxes whose run is finished or unknown, and keeps the others")
    func orphanSweep() async throws {
        let f = try Fixture()
        let provider = LocalSandboxProvider(options: f.options)
        let lease = SystemClock().now().adding(milliseconds: 60_000)
        let orphan = try await provider.create(SandboxRequest(runID: "no-such-run", effectKey: "no-such-run/1/0", epoch: 1, spec: SandboxSpec(), leaseUntil: lease))
        let run = try await f.submit([TestJobs.step("s", "true")])
        let kept = try await provider.create(SandboxRequest(runID: run.id.value, effectKey: "\(run.id)/9/0", epoch: 1, spec: SandboxSpec(), leaseUntil: lease))
        let summary = try await SandboxJobExecutor.sweep(f.executor(), f.journal)
        #expect(summary == ["killed orphan sandbox \(orphan.id)"])
        #expect(await f.sandboxesLeft().map(\.id) == [kept.id])
        try await provider.kill(kept.id, reason: "test done")
    }

    @Test("the orphan sweep ends E2B sandboxes of its scope whose run is finished or unknown, and keeps the others")
    func e2bOrphanSweep() async throws {
        let f = try Fixture()
        let e2b = FakeE2B(apiKey: Fixture.secrets["E2B_API_KEY"]!)
        let cloud = try await e2b.serve()
        defer { Task { await cloud.stop() } }
        let executor = f.executor(e2bURL: cloud.baseURL)
        let provider = try #require(executor.performer.sandboxes.e2b)
        let lease = SystemClock().now().adding(milliseconds: 60_000)
        let spec = SandboxSpec(provider: .e2b)
        let orphan = try await provider.create(SandboxRequest(runID: "nosuchrun", effectKey: "nosuchrun/1/0", epoch: 1, spec: spec, leaseUntil: lease))
        let run = try await f.submit([TestJobs.step("s", "true")])
        let kept = try await provider.create(SandboxRequest(runID: run.id.value, effectKey: "\(run.id)/9/0", epoch: 1, spec: spec, leaseUntil: lease))
        #expect(try await SandboxJobExecutor.sweep(executor, f.journal) == ["killed orphan sandbox \(orphan.id)"])
        #expect(await provider.list().map(\.id) == [kept.id])
        try await provider.kill(kept.id, reason: "test done")
    }
}

extension SandboxJobExecutor {
    /// The engine's sweep, called directly.
    static func sweep(_ executor: SandboxJobExecutor, _ journal: SQLiteJournal) async throws -> [String] {
        await executor.sweepOrphans(in: journal)
    }
}
