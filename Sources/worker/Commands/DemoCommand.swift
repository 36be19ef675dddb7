import ArgumentParser
import Journal
import RunStateMachine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `worker demo`: Runlog's foundation on a fresh embedded journal, end to end.
///
/// Until the sandbox runtime lands, effect outcomes in the demo are scripted (and labelled so):
/// what it shows for real is the machine, the write-ahead journal, idempotent submit, replay and
/// verification.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the foundation demo on a fresh ./runlog-demo.sqlite (under a minute, no network).",
        discussion: """
            Submits sample shell jobs, shows a malformed spec refused and an idempotent resubmit, \
            drives the runs through the sandbox-job machine with every transition journaled before \
            the next (effect outcomes are scripted until the sandbox runtime lands), prints a \
            run's timeline, replays it and verifies the whole journal.
            """
    )

    @Option(help: "The demo database (replaced if it exists).")
    var db: String = "./runlog-demo.sqlite"

    func run() async throws {
        try await Console.run(json: false) {
            for suffix in ["", "-wal", "-shm", ".head", ".lock"] { unlink(db + suffix) }
            let journal = try SQLiteJournal.open(path: db)
            defer { journal.close() }
            print("Runlog demo: a fresh journal at \(db)")

            section("1. Submit")
            let build = demoSpec(name: "build and test", key: "demo-build", steps: [("build", "make"), ("test", "make test")], retries: 2)
            let flaky = demoSpec(name: "flaky download", key: "demo-flaky", steps: [("fetch", "curl -fsSO https://example.com/data")], retries: 3)
            let long = demoSpec(name: "long report", key: "demo-long", steps: [("report", "sleep 600")], retries: 1)
            var runs: [(label: String, run: JournaledRun<SandboxJob>)] = []
            for spec in [build, flaky, long] {
                let submitted = try await journal.submit(spec, at: .now())
                print("  submitted \(submitted.run.id)  \(spec.name ?? "")")
                let lease = try await journal.acquireLease(run: submitted.run.id, owner: "demo-worker", ttlMilliseconds: 60_000, at: .now())
                runs.append((spec.name ?? "", try JournaledRun<SandboxJob>.load(lease, from: journal)))
            }
            let again = try await journal.submit(build, at: .now())
            print("  resubmitted 'build and test' with the same idempotency key: same run \(again.run.id), created: \(again.created)")
            do {
                _ = try JobSpec.validate(Array(#"{"kind":"shell","steps":[{"run":"make","timout":60}],"deadlineSeconds":"1h"}"#.utf8))
            } catch let error as SpecValidationError {
                print("  a malformed spec is refused before anything is journaled:")
                for problem in error.problems { print("    \(problem)") }
            }

            section("2. Drive (effect outcomes scripted until the sandbox runtime lands)")
            let ok = StepResult(exit: .exited(code: 0), durationMilliseconds: 40)
            try await drive(&runs[0].run, outcomes: [ok, ok])
            try await drive(&runs[1].run, outcomes: [StepResult(exit: .exited(code: 6), durationMilliseconds: 900), ok])
            try await drive(&runs[2].run, outcomes: [], cancelWhileRunning: true)
            for (label, run) in runs {
                print("  \(run.lease.run.id)  \(label): \(run.state)")
            }

            section("3. The timeline of 'flaky download' (worker history)")
            let summary = try journal.run(matching: runs[1].run.lease.run.id.value)
            let view = RunView(summary: summary, records: try journal.records(of: summary.run))
            for record in view.records {
                let state = record.state.flatMap { try? SandboxJobState(json: JSONValue.parse($0)) }.map { " → \($0.name)" } ?? ""
                print("  \(record.runSeq). \(view.describe(record))\(state)")
                for intent in RunView.decodeIntents(record.intents) {
                    print("       ⇢ \(view.key(intent.id)): \(intent.effect) [\(intent.policy.rawValue)], \(view.intents[intent.id]?.fate ?? "pending")")
                }
            }

            section("4. Replay and verify")
            let replay = MachineRegistry.standard.replay(view.records)
            print("  replay of 'flaky download': \(replay.divergence.map { "DIVERGES: \($0)" } ?? "all \(replay.records) records match; ends \(replay.stateName ?? "-")")")
            let report = try journal.verify()
            print("  verify: \(report.ok ? "ok" : "FAILED"), \(report.records) records, \(report.runs) runs, chain head at record \(report.lastSeq)")
            guard report.ok, replay.divergence == nil else { throw ExitCode(Console.verificationFailed) }

            section("Next")
            print("  worker list --db \(db)")
            print("  worker history --db \(db) \(runs[1].run.lease.run.id)")
            print("  worker graph --check")
        }
    }

    private func section(_ title: String) {
        print("\n\(title)")
    }

    private func demoSpec(name: String, key: String, steps: [(String, String)], retries: Int) -> JobSpec {
        JobSpec(
            kind: .shell,
            name: name,
            idempotencyKey: key,
            deadlineSeconds: 900,
            steps: steps.map { StepSpec(name: $0.0, run: $0.1, timeoutSeconds: 60, retry: RetryPolicy(maxAttempts: retries, backoffMilliseconds: 500)) }
        )
    }

    /// Drives a run with successful effects, giving its steps `outcomes` in order.
    private func drive(_ run: inout JournaledRun<SandboxJob>, outcomes: [StepResult], cancelWhileRunning: Bool = false) async throws {
        var remaining = outcomes[...]
        try await run.apply(.start, at: .now())
        while !SandboxJob.definition.isTerminal(run.state.name) {
            let intent = run.machine.awaited(in: run.state).first
            let event: SandboxJobEvent
            switch run.state {
            case .provisioning:
                event = .sandboxCreated(intent: intent!, sandbox: SandboxID("demo-\(run.lease.run.number)"))
            case .running where cancelWhileRunning:
                event = .cancelRequested(reason: "requested in the demo")
            case .running:
                event = .stepFinished(intent: intent!, result: remaining.popFirst() ?? StepResult(exit: .exited(code: 0)), at: .now())
            case .retryWait(_, let notBefore):
                while Timestamp.now() < notBefore { try await Task.sleep(for: .milliseconds(50)) }
                event = .retryDue(at: .now())
            case .collecting:
                event = .collected(intent: intent!, artifacts: [])
            case .tearingDown, .compensating:
                event = .sandboxReleased(intent: intent!)
            case .reporting:
                event = .statusReported(intent: intent!)
            default:
                return
            }
            try await run.apply(event, at: .now())
        }
    }
}
