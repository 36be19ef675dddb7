import Foundation
@testable import Journal
import RunStateMachine
import Testing
import TestSupport

/// The built `worker` binary, run as a user would.
@Suite("worker command line")
struct WorkerCLITests {
    static func worker(_ arguments: [String], stdin: String? = nil) async throws -> WorkerBinary.Output {
        try await WorkerBinary.run(arguments, stdin: stdin)
    }

    static let spec = #"{"kind":"shell","name":"cli","steps":[{"name":"a","run":"true"},{"name":"b","run":"true"}]}"#

    /// A fresh journal holding one submitted run of ``spec``: its directory, path and run id.
    static func submitted() async throws -> (directory: TemporaryDirectory, db: String, run: String) {
        let directory = TemporaryDirectory()
        let db = directory.file("cli.sqlite")
        let specFile = directory.file("spec.json")
        try spec.write(toFile: specFile, atomically: false, encoding: .utf8)
        let submitted = try await worker(["submit", "--db", db, specFile])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        return (directory, db, submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("submit, list, status, history, replay and verify work together")
    func roundTrip() async throws {
        let directory = TemporaryDirectory()
        let db = directory.file("cli.sqlite")
        let specFile = directory.file("spec.json")
        try Self.spec.write(toFile: specFile, atomically: false, encoding: .utf8)
        let submitted = try await Self.worker(["submit", "--db", db, specFile])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let run = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(RunID(run) != nil)
        let listed = try await Self.worker(["list", "--db", db, "--json"])
        #expect(listed.status == 0)
        let runs = try JSONValue.parse(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        guard case .array(let rows) = runs else { Issue.record("not an array: \(listed.stdout)"); return }
        #expect(rows.count == 1)
        #expect(try JSONFields(rows[0]).string("run") == run)
        #expect(try JSONFields(rows[0]).string("state") == "queued")
        let status = try await Self.worker(["status", "--db", db, String(run.prefix(10))])
        #expect(status.status == 0 && status.stdout.contains("queued") && status.stdout.contains("waiting for a worker"))
        let history = try await Self.worker(["history", "--db", db, run, "--json"])
        #expect(history.status == 0)
        let record = try JournalRecord(json: JSONValue.parse(history.stdout.split(separator: "\n")[0].description))
        #expect(record.kind == .created)
        #expect(try await Self.worker(["replay", "--db", db, run]).status == 0)
        #expect(try await Self.worker(["verify", "--db", db]).status == 0)
        #expect(try await Self.worker(["graph", "--check"]).status == 0)
    }

    @Test("worker head prints a witness that worker verify --witness checks; a witness the journal contradicts fails it; a malformed one is refused")
    func witnesses() async throws {
        let (directory, db, _) = try await Self.submitted()
        let head = try await Self.worker(["head", "--db", db])
        #expect(head.status == 0, "\(head.stderr)")
        let witness = head.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ChainWitness(witness) != nil, "\(witness)")
        let agreed = try await Self.worker(["verify", "--db", db, "--witness", witness])
        #expect(agreed.status == 0 && agreed.stdout.contains("1 witness(es) agree"), "\(agreed.stdout)")
        // A witness file of log lines, as `worker run` writes them.
        let file = directory.file("witnesses.log")
        try "2026-12-08T01:00:00+0000 notice runlog.witness: witness=\(witness) journal head\n".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(try await Self.worker(["verify", "--db", db, "--witness-file", file]).status == 0)
        let forged = String(witness.prefix { $0 != ":" }) + ":" + String(repeating: "ab", count: 32)
        let failed = try await Self.worker(["verify", "--db", db, "--witness", forged, "--json"])
        #expect(failed.status == 1 && failed.stdout.contains("witnessMismatch"), "\(failed.stdout)")
        let malformed = try await Self.worker(["verify", "--db", db, "--witness", "12:xyz"])
        #expect(malformed.status != 0 && malformed.stderr.contains("SEQ:HASH"), "\(malformed.stderr)")
        // The worker publishes the head it leaves behind in its log; the log is a witness file.
        let worked = try await Self.worker(["run", "--db", db, "--until-idle", "--quiet", "--sandboxes", directory.file("sandboxes")])
        #expect(worked.status == 0, "\(worked.stderr)")
        let published = ChainWitness.all(in: worked.stderr)
        // At least the head it leaves behind, after its run's records.
        #expect(published.last.map { $0.seq > ChainWitness(witness)!.seq } == true, "\(worked.stderr)")
        try worked.stderr.write(toFile: file, atomically: false, encoding: .utf8)
        let checked = try await Self.worker(["verify", "--db", db, "--witness-file", file])
        #expect(checked.status == 0 && checked.stdout.contains("witness(es) agree"), "\(checked.stdout)")
        try "no witness here\n".write(toFile: file, atomically: false, encoding: .utf8)
        let empty = try await Self.worker(["verify", "--db", db, "--witness-file", file])
        #expect(empty.status == 2 && empty.stderr.contains("holds no SEQ:HASH witness"), "\(empty.stderr)")
    }

    @Test("worker resolve refuses a run that is not waiting for an operator, and a decision it does not know")
    func resolveRefusals() async throws {
        let (_, db, run) = try await Self.submitted()
        let queued = try await Self.worker(["resolve", "--db", db, run, "retry", "--note", "why not"])
        #expect(queued.status == 2 && queued.stderr.contains("not waiting for an operator"), "\(queued.stderr)")
        let json = try await Self.worker(["resolve", "--db", db, run, "skip", "--json"])
        #expect(json.status == 2 && json.stdout.contains("notParked"), "\(json.stdout)")
        let unknown = try await Self.worker(["resolve", "--db", db, run, "later"])
        #expect(unknown.status != 0 && unknown.stderr.contains("later"), "\(unknown.stderr)")
        // A pending request is shown by status.
        #expect(try await Self.worker(["cancel", "--db", db, run, "--reason", "wrong branch"]).status == 0)
        let status = try await Self.worker(["status", "--db", db, run])
        #expect(status.stdout.contains("cancel (wrong branch), for the next worker to journal"), "\(status.stdout)")
    }

    @Test("names with control or text-reordering characters are shown escaped, not acted on by the terminal")
    func hostileNamesEscaped() async throws {
        let directory = TemporaryDirectory()
        let db = directory.file("cli.sqlite")
        let specFile = directory.file("spec.json")
        // Validation refuses control characters in names; a bidirectional override passes it.
        try #"{"kind":"shell","name":"invoice\u202efdp.exe","steps":[{"name":"a","run":"true"}]}"#.write(toFile: specFile, atomically: false, encoding: .utf8)
        let submitted = try await Self.worker(["submit", "--db", db, specFile])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let run = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // An operator's reason may hold anything.
        #expect(try await Self.worker(["cancel", "--db", db, run, "--reason", "stop\u{1b}[2J now"]).status == 0)
        for arguments in [["list"], ["status", run], ["history", run]] {
            let output = try await Self.worker(arguments + ["--db", db]).stdout
            #expect(output.contains(#"invoice\u{202e}fdp.exe"#), "\(arguments): \(output)")
            #expect(!output.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x1B }, "\(arguments)")
        }
        #expect(try await Self.worker(["status", "--db", db, run]).stdout.contains(#"stop\u{1b}[2J now"#))
    }

    @Test("a journal in a directory that does not exist is refused naming the directory")
    func missingDirectory() async throws {
        let directory = TemporaryDirectory()
        let specFile = directory.file("spec.json")
        try Self.spec.write(toFile: specFile, atomically: false, encoding: .utf8)
        let missing = directory.file("no/such/dir")
        let result = try await Self.worker(["submit", "--db", missing + "/runs.sqlite", specFile])
        #expect(result.status == 2 && result.stderr.contains("the directory \(missing) does not exist; create it, or pass another --db"), "\(result.stderr)")
    }

    @Test("an invalid spec exits 2 naming each problem's path and fix; nothing is journaled")
    func invalidSpec() async throws {
        let directory = TemporaryDirectory()
        let db = directory.file("cli.sqlite")
        let result = try await Self.worker(["submit", "--db", db, "-"], stdin: #"{"kind":"shell","steps":[{"run":"x","timeout":1}]}"#)
        #expect(result.status == 2)
        #expect(result.stderr.contains("$.steps[0].timeout"))
        #expect(result.stderr.contains("did you mean \"timeoutSeconds\""))
        #expect(!result.stderr.contains("Fatal"))
        #expect(!FileManager.default.fileExists(atPath: db))
        let json = try await Self.worker(["submit", "--db", db, "--json", "-"], stdin: "{not json")
        #expect(json.status == 2)
        #expect(try JSONFields(JSONValue.parse(json.stdout.trimmingCharacters(in: .newlines))).string("error") == "invalidSpec")
        let huge = try await Self.worker(["submit", "--db", db, "-"], stdin: String(repeating: " ", count: SpecLimits.maxSpecBytes + 10))
        #expect(huge.status == 2 && huge.stderr.contains("limit is \(SpecLimits.maxSpecBytes)"))
    }

    @Test("list: newest first, a page at a time with --after, a hint when more follow; bad --limit and --state refused")
    func listPages() async throws {
        let temporary = try TemporaryJournal()
        var ids: [String] = []
        for index in 0..<5 {
            ids.append(try await temporary.journal.submit(TestJobs.shell(name: "r\(index)"), at: t0.adding(seconds: index)).run.id.value)
        }
        temporary.close()
        let db = temporary.path
        let first = try await Self.worker(["list", "--db", db, "--limit", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix(ids[4]) } && lines.contains { $0.hasPrefix(ids[3]) } && !lines.contains { $0.hasPrefix(ids[2]) })
        #expect(lines.firstIndex { $0.hasPrefix(ids[4]) }! < lines.firstIndex { $0.hasPrefix(ids[3]) }!)
        #expect(first.stdout.contains("more runs follow: worker list --after \(ids[3])"))
        let json = try await Self.worker(["list", "--db", db, "--limit", "2", "--after", ids[3], "--json"])
        guard case .array(let rows) = try JSONValue.parse(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Issue.record("not an array: \(json.stdout)")
            return
        }
        #expect(try rows.map { try JSONFields($0).string("run") } == [ids[2], ids[1]])
        #expect(json.stderr.contains("--after \(ids[1])"))
        let last = try await Self.worker(["list", "--db", db, "--after", ids[1]])
        #expect(last.stdout.contains(ids[0]) && !last.stdout.contains("more runs follow"))
        for bad in [["--limit", "0"], ["--limit", "20000"], ["--state", "bogus"]] {
            let refused = try await Self.worker(["list", "--db", db] + bad)
            #expect(refused.status != 0 && (refused.stderr.contains("--limit must be") || refused.stderr.contains("no state of a sandbox job")), "\(bad): \(refused.stderr)")
        }
    }

    @Test("status says a released lease is released, not held until 1970")
    func releasedLease() async throws {
        let temporary = try TemporaryJournal()
        let run = try await temporary.journal.submit(TestJobs.shell(), at: t0).run
        let lease = try await temporary.journal.acquireLease(run: run.id, owner: "w", ttlMilliseconds: 1000, at: t0)
        try await temporary.journal.releaseLease(lease)
        temporary.close()
        let text = try await Self.worker(["status", "--db", temporary.path, run.id.value])
        #expect(text.stdout.contains("epoch 1, w, released") && !text.stdout.contains("1970"), "\(text.stdout)")
        let json = try await Self.worker(["status", "--db", temporary.path, run.id.value, "--json"])
        #expect(json.stdout.contains("\"leaseReleased\":true") && !json.stdout.contains("1970"), "\(json.stdout)")
    }

    @Test("an unknown run exits 2 with a message, not a stack trace")
    func unknownRun() async throws {
        let directory = TemporaryDirectory()
        let db = directory.file("cli.sqlite")
        let specFile = directory.file("spec.json")
        try Self.spec.write(toFile: specFile, atomically: false, encoding: .utf8)
        _ = try await Self.worker(["submit", "--db", db, specFile])
        let result = try await Self.worker(["status", "--db", db, "zzzzzz"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no run has an id starting with 'zzzzzz'"))
        let missing = try await Self.worker(["list", "--db", directory.file("none.sqlite")])
        #expect(missing.status == 2 && missing.stderr.contains("there is no journal"))
    }

    @Test(
        "with the triggers dropped, worker verify exits 1 and names the tampered record",
        arguments: [
            ("UPDATE journal SET event = event || ' ' WHERE seq = 4", "record 4"),
            ("DELETE FROM journal WHERE seq = 3", "record 4"),
            ("UPDATE journal SET seq = -1 WHERE seq = 2; UPDATE journal SET seq = 2 WHERE seq = 3; UPDATE journal SET seq = 3 WHERE seq = -1;", "record 2"),
            ("DELETE FROM journal WHERE seq >= 5", "record 5"),
        ]
    )
    func verifyNamesRecord(sql: String, named: String) async throws {
        let directory = TemporaryDirectory()
        let db = directory.file("cli.sqlite")
        try await VerifyTests.makeJournal(at: db, runs: 1)
        let clean = try await Self.worker(["verify", "--db", db])
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.sorted() ?? []
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)\nfiles: \(files)")
        try rawSQL(db, VerifyTests.dropTriggers + sql)
        let result = try await Self.worker(["verify", "--db", db])
        #expect(result.status == 1)
        #expect(result.stdout.contains(named), "\(result.stdout)")
    }
}
