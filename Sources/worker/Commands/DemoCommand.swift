import ArgumentParser
import Effects
import FoundationEssentials
import Journal
import RunStateMachine
import Runtime
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// `worker demo`: Runlog end to end on a fresh embedded journal: real sandboxes, a worker killed
/// with SIGKILL mid-run and another finishing its runs, a verified journal.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the demo on a fresh ./runlog-demo.sqlite (under a minute, no network).",
        discussion: """
            Submits sample shell jobs (success, a retried failure, a step timeout, a deadline, a \
            cancellation) and runs them in local bubblewrap sandboxes with live progress; then \
            starts a worker as a child process, kills it with SIGKILL mid-run, starts another, \
            and shows the interrupted runs resuming (their sandboxes survived) with every step \
            run exactly once; ends with the journal verified and a summary. Installs bubblewrap \
            if it is missing and it can (root, apt-get); otherwise runs the sample jobs unisolated \
            and says so.
            """
    )

    @Option(help: "The demo database (replaced if it exists).")
    var db: String = "./runlog-demo.sqlite"

    @Flag(help: "Run a real agent job instead: Anthropic's model in a tool-use loop whose tools run in a local sandbox (needs ANTHROPIC_API_KEY).")
    var agent = false

    @Option(help: "With --agent: a secrets file (mode 600) holding ANTHROPIC_API_KEY, instead of the environment.")
    var secretsFile: String?

    func run() async throws {
        if agent {
            try await runAgent()
            return
        }
        try await Console.run(json: false) {
            let started = Timestamp.now()
            let sandbox = try await prepare()
            let root = sandbox.root(forDatabase: db)
            // Beside the sandboxes rather than the database: the sandboxes' user must be able to
            // reach it, and the database's directory may be private (a home directory).
            let ledger = root + ".ledger"
            Self.removeTree(ledger)
            Self.removeTree(SandboxOptions.absolute(db) + ".artifacts")
            FileIO.makeDirectories(String(root[..<(root.lastIndex(of: "/") ?? root.startIndex)]), mode: 0o711)
            mkdir(ledger, 0o777)
            chmod(ledger, 0o777)
            print("Runlog demo: a fresh journal at \(db), sandboxes under \(root)")

            section("1. Submit")
            let journal = try await GlobalOptions.openJournal(db)
            var labels: [String: String] = [:]
            var firstRuns: [RunRef] = []
            for spec in Self.sampleJobs() {
                let run = try await journal.submit(spec, at: .now()).run
                labels[run.id.value] = spec.name
                firstRuns.append(run)
                print("  submitted \(run.id)  \(spec.name ?? "")")
            }
            let again = try await journal.submit(Self.sampleJobs()[0], at: .now())
            print("  resubmitted 'hello' with its idempotency key: same run \(again.run.id), created: \(again.created)")
            do {
                _ = try JobSpec.validate(Array(#"{"kind":"shell","steps":[{"run":"make","timout":60}],"deadlineSeconds":"1h"}"#.utf8))
            } catch let error as SpecValidationError {
                print("  a malformed spec is refused before anything is journaled:")
                for problem in error.problems { print("    \(problem)") }
            }

            section("2. Run them in sandboxes (a worker in this process; 'cancel me' is cancelled after a second)")
            let cancelTarget = firstRuns[4]
            let canceller = Task {
                while (try? await journal.run(matching: cancelTarget.id.value).stateName) != "running" {
                    try await Task.sleep(for: .milliseconds(50))
                }
                try await Task.sleep(for: .seconds(1))
                _ = try await journal.requestCancel(run: cancelTarget.id.value, reason: "cancelled by the demo", at: .now())
            }
            _ = try await RunCommand.drive(
                journal: journal,
                executor: sandbox.executor(forDatabase: db),
                options: EngineOptions(owner: "demo:\(getpid())", concurrency: 8, leaseMilliseconds: 15_000, untilIdle: true, exclusive: true),
                progress: ProgressBoard(journal: journal, runs: Set(firstRuns.map(\.id.value)), labels: labels)
            )
            _ = try? await canceller.value
            if let report = FileIO.readText(SandboxOptions.absolute(db) + ".artifacts/\(firstRuns[0].id)/report.txt") {
                print("  'hello' collected report.txt from its sandbox:")
                for line in report.split(separator: "\n") { print("    \(line)") }
            }

            section("3. Kill a worker with SIGKILL mid-run; another finishes its runs")
            var crashRuns: [RunRef] = []
            for name in ["ledger-a", "ledger-b", "ledger-c"] {
                let run = try await journal.submit(Self.ledgerJob(name, ledger: ledger), at: .now()).run
                labels[run.id.value] = name
                crashRuns.append(run)
            }
            print("  submitted 3 runs of 3 non-idempotent steps, each appending a line to a host file in \(ledger)")
            journal.close()
            let reader = try await GlobalOptions.openJournal(db, role: .reader)
            defer { reader.close() }
            let worker = [ChildProcess.currentExecutable(), "run", "--db", db, "--until-idle", "--quiet", "--sandboxes", root]
                + (sandbox.allowUnisolated ? ["--allow-unisolated"] : [])
            let log = SandboxOptions.absolute(db) + ".worker.log"
            unlink(log)
            let first = try ChildProcess.start(worker, log: log)
            print("  started worker pid \(first.pid)")
            let ledgerFiles = ["ledger-a", "ledger-b", "ledger-c"].map { "\(ledger)/\($0)" }
            for _ in 0..<400 {
                if ledgerFiles.filter({ (FileIO.readText($0) ?? "").split(separator: "\n").count >= 1 }).count >= 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            first.signal(SIGKILL)
            _ = await first.wait()
            var interrupted: [RunSummary] = []
            for run in crashRuns { interrupted.append(try await reader.run(matching: run.id.value)) }
            print("  killed worker pid \(first.pid) with SIGKILL; the journal says:")
            for summary in interrupted {
                let lines = (FileIO.readText("\(ledger)/\(labels[summary.run.id.value] ?? "")") ?? "").split(separator: "\n").count
                print("    \(summary.run.id.value.prefix(12))  \(labels[summary.run.id.value] ?? "")  \(summary.stateName), \(lines) step(s) done, lease of the dead worker")
            }
            let alive = await LocalSandboxProvider(options: LocalSandboxOptions(root: root, supervisorPath: "")).list().filter(\.isAlive)
            print("  \(alive.count) sandbox supervisor(s) still alive, holding the interrupted steps")
            let second = try ChildProcess.start(worker, log: log)
            print("  started worker pid \(second.pid): it takes the runs over (their leases died with the worker), reattaches, finishes")
            let watcher = ProgressBoard(journal: reader, runs: Set(crashRuns.map(\.id.value)), labels: labels)
            let board = Task { await watcher.watch() }
            let status = await second.wait()
            board.cancel()
            await board.value
            guard status == 0 else {
                Console.error("the second worker exited with status \(status); see \(log)")
                throw ExitCode(1)
            }
            var exactlyOnce = true
            for (name, file) in zip(["ledger-a", "ledger-b", "ledger-c"], ledgerFiles) {
                let lines = (FileIO.readText(file) ?? "").split(separator: "\n").map(String.init)
                let expected = (1...3).map { "\(name) step \($0)" }
                exactlyOnce = exactlyOnce && lines == expected
                print("  \(file.split(separator: "/").last ?? ""): \(lines.joined(separator: " | "))")
            }
            print(exactlyOnce ? "  every step ran exactly once, in order" : "  A STEP RAN TWICE OR NEVER")

            section("4. Verify and summarize")
            let report = try await reader.verify(registry: .standard, maxProblems: 50)
            print("  verify: \(report.ok ? "ok" : "FAILED"), \(report.records) records, \(report.runs) runs, every state replayed, chain head at record \(report.lastSeq)")
            let left = await LocalSandboxProvider(options: LocalSandboxOptions(root: root, supervisorPath: "")).list()
            print("  sandboxes left: \(left.count)")
            var rows: [[String]] = []
            for run in firstRuns + crashRuns {
                let summary = try await reader.run(matching: run.id.value)
                let records = try await reader.records(of: summary.run)
                let final = records.last(where: { $0.state != nil }).flatMap { try? $0.stateJSON() }.flatMap { try? SandboxJobState(json: $0) }
                let seconds = Double(summary.updatedAt.milliseconds - summary.createdAt.milliseconds) / 1000
                rows.append([summary.run.id.value.prefix(12).description, labels[run.id.value] ?? "", final.map(\.description) ?? summary.stateName, "\(records.count)", format(seconds, places: 1) + " s"])
            }
            print("")
            Table.print(["RUN", "JOB", "OUTCOME", "RECORDS", "TOOK"], rows)
            let took = Double(Timestamp.now().milliseconds - started.milliseconds) / 1000
            print("\ndemo finished in \(format(took, places: 1)) s. Next: worker history --db \(db) \(firstRuns[1].id.value.prefix(8)); worker graph --check")
            guard report.ok, exactlyOnce, left.isEmpty else { throw ExitCode(Console.verificationFailed) }
        }
    }

    func section(_ title: String) {
        print("\n\(title)")
    }

    /// Removes a previous demo's database and artifacts; the sandbox options of the demo
    /// (bubblewrap installed if it can be, else sandboxes unisolated).
    func prepare() async throws -> SandboxOptions {
        for suffix in ["", "-wal", "-shm", ".head", ".lock"] { unlink(db + suffix) }
        var sandbox = try SandboxOptions.parse(secretsFile.map { ["--secrets-file", $0] } ?? [])
        sandbox.allowUnisolated = await !Self.ensureBubblewrap()
        return sandbox
    }

    /// The sample jobs: success, a retried failure, a step timeout, a deadline, a cancellation.
    static func sampleJobs() -> [JobSpec] {
        func job(_ name: String, _ steps: [StepSpec], deadline: Int = 300, collect: [String] = [], key: String? = nil) -> JobSpec {
            JobSpec(kind: .shell, name: name, idempotencyKey: key, deadlineSeconds: deadline, sandbox: SandboxSpec(timeoutSeconds: 30), steps: steps, collect: collect)
        }
        let report = """
            { echo "user $(id -u), PID 1 is $(cat /proc/1/comm), network: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"; \
            echo "writable: /workspace; / is $(touch /usr/x 2>/dev/null && echo writable || echo read-only)"; } > report.txt
            """
        let flaky = #"n=$(cat .tries 2>/dev/null || echo 0); echo $((n+1)) > .tries; [ "$n" -ge 2 ] || { echo "attempt $((n+1)) failed" >&2; exit 1; }"#
        return [
            job("hello", [StepSpec(name: "greet", run: "echo hello from the sandbox", timeoutSeconds: 10), StepSpec(name: "report", run: report, timeoutSeconds: 10)], collect: ["report.txt"], key: "demo-hello"),
            job("flaky, retried", [StepSpec(name: "flaky", run: flaky, timeoutSeconds: 10, retry: RetryPolicy(maxAttempts: 3, backoffMilliseconds: 300))]),
            job("times out", [StepSpec(name: "stubborn", run: "trap '' TERM; sleep 60", timeoutSeconds: 2)]),
            job("misses deadline", (1...4).map { StepSpec(name: "slow \($0)", run: "sleep 1.5", timeoutSeconds: 3) }, deadline: 3),
            job("cancel me", [StepSpec(name: "forever", run: "sleep 60", timeoutSeconds: 120)]),
        ]
    }

    /// Three non-idempotent steps, each appending a line to the host file `<ledger>/<name>`.
    static func ledgerJob(_ name: String, ledger: String) -> JobSpec {
        JobSpec(
            kind: .shell,
            name: name,
            deadlineSeconds: 300,
            sandbox: SandboxSpec(timeoutSeconds: 30, mounts: [MountSpec(host: ledger, sandbox: "/ledger", readOnly: false)]),
            steps: (1...3).map { StepSpec(name: "step \($0)", run: "sleep 1; echo '\(name) step \($0)' >> /ledger/\(name)", timeoutSeconds: 20) }
        )
    }

    /// Removes a previous demo's directory.
    static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Whether bubblewrap is available, installing it with apt-get when possible.
    static func ensureBubblewrap() async -> Bool {
        if LocalSandboxOptions.findBubblewrap() != nil { return true }
        if geteuid() == 0, access("/usr/bin/apt-get", X_OK) == 0 {
            print("bubblewrap is missing: installing it (apt-get install -y bubblewrap)…")
            let install = "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap"
            if let child = try? ChildProcess.start(["/bin/sh", "-c", install]) {
                _ = await child.wait()
            }
            if LocalSandboxOptions.findBubblewrap() != nil { return true }
        }
        print("note: bubblewrap is not installed and could not be installed here, so the demo runs its own sample jobs")
        print("      without isolation (--allow-unisolated). Install it with: apt-get install -y bubblewrap")
        return false
    }
}
