import Effects
import Foundation
import Journal
import JournalPostgres
import RunStateMachine
import TestSupport

/// The built `worker` binary against a fresh database (an SQLite file, or the PostgreSQL one a
/// URL names), sandbox root and host ledger directory.
final class WorkerHarness: Sendable {
    let directory: TemporaryDirectory
    /// The journal: what the workers get as `--db`.
    let db: String
    var sandboxes: String { directory.file("sandboxes") }
    var ledger: String { directory.file("ledger") }

    init(database: String? = nil) {
        let directory = TemporaryDirectory()
        self.directory = directory
        db = database ?? directory.file("runs.sqlite")
        chmod(directory.path, 0o711)
        mkdir(ledger, 0o777)
        chmod(ledger, 0o777)
    }

    /// How a worker process ended.
    typealias Ending = WorkerBinary.Ending

    /// Starts `worker ARGUMENTS` with `environment` added; output goes to a log in the directory.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        try WorkerBinary.start(arguments, environment: environment, log: directory.file("worker.log"))
    }

    /// Waits for `process` without blocking the cooperative pool.
    static func wait(_ process: Process) async -> Ending {
        await WorkerBinary.wait(process)
    }

    /// `worker run --until-idle` on this harness's database.
    var runArguments: [String] {
        ["run", "--db", db, "--sandboxes", sandboxes, "--until-idle", "--quiet", "--lease-seconds", "1", "--concurrency", "8"]
    }

    /// Runs `worker ARGUMENTS` to completion: how it ended, and its standard output followed by
    /// its standard error.
    func worker(_ arguments: [String]) async throws -> (Ending, String) {
        let output = try await WorkerBinary.run(arguments)
        return (output.ending, output.text)
    }

    /// Submits `count` runs of `steps` non-idempotent steps; step k of run `name` appends
    /// `name k` to the ledger file `name`. With a `gate`, each run's last step first waits until
    /// the file of that name exists in the ledger directory.
    func submitLedgerRuns(_ count: Int, steps: Int = 3, pause: String = "0.2", gate: String? = nil) async throws -> [String] {
        var names: [String] = []
        for index in 0..<count {
            let name = "run\(index)"
            let stepsJSON = (1...steps).map { step in
                let wait = step == steps ? gate.map { "while [ ! -e /ledger/\($0) ]; do sleep 0.05; done; " } ?? "" : ""
                return #"{"name":"s\#(step)","run":"\#(wait)sleep \#(pause); echo '\#(name) \#(step)' >> /ledger/\#(name)","timeoutSeconds":30}"#
            }
            let spec = #"{"kind":"shell","name":"\#(name)","sandbox":{"timeoutSeconds":20,"mounts":[{"host":"\#(ledger)","sandbox":"/ledger","readOnly":false}]},"steps":[\#(stepsJSON.joined(separator: ","))]}"#
            let file = directory.file("\(name).json")
            try spec.write(toFile: file, atomically: true, encoding: .utf8)
            let (ending, output) = try await worker(["submit", "--db", db, file])
            precondition(ending == .exited(0), output)
            names.append(name)
        }
        return names
    }

    /// The lines of ledger file `name`.
    func ledgerLines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: "\(ledger)/\(name)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Runs whose state is not `succeeded`, each with its last records' events (why it ended).
    func unsuccessful() async throws -> [String] {
        let journal: any JournalStore =
            PostgresLocation.isURL(db)
            ? try await PostgresJournal.open(try PostgresLocation(url: db), options: JournalOptions(role: .reader))
            : try SQLiteJournal.open(path: db, options: JournalOptions(role: .reader))
        defer { journal.close() }
        var result: [String] = []
        for summary in try await journal.runs(.all, limit: 100_000) where summary.stateName != "succeeded" {
            let events = try await journal.records(of: summary.run).suffix(6).map { String(decoding: $0.event, as: UTF8.self) }
            result.append("\(summary.run.id) \(summary.stateName): \(events.joined(separator: " | "))")
        }
        return result
    }

    /// Processes whose command line mentions this harness's sandbox root (supervisors).
    func supervisorsLeft() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).compactMap { pid -> String? in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            guard text.contains(sandboxes) else { return nil }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            return state == "Z" ? nil : "\(pid): \(text)"
        }
    }

    /// Sandboxes still on disk.
    func sandboxesLeft() async -> [SandboxInfo] {
        await LocalSandboxProvider(options: LocalSandboxOptions(root: sandboxes, supervisorPath: "")).list()
    }

    /// The worker log, for failure messages.
    var log: String { (try? String(contentsOfFile: directory.file("worker.log"), encoding: .utf8)) ?? "" }
}
