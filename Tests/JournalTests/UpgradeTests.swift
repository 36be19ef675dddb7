import Foundation
@testable import Journal
import RunStateMachine
import Testing
import TestSupport

/// Upgrades: a database of the first release opened by this build, schema migrations, record
/// formats, and runs of two revisions of one machine in one journal.
@Suite("Upgrades: old journals, schema migrations, record formats, revisions")
struct UpgradeTests {
    static func reader(_ path: String) throws -> SQLiteJournal {
        try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
    }

    static func columns(_ path: String, table: String) throws -> [String] {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        defer { connection.close() }
        let query = try connection.prepare("SELECT name FROM pragma_table_info('\(table)')")
        var names: [String] = []
        while try query.step() {
            names.append(query.text(0))
        }
        return names
    }

    @Test("a schema-2 database of the first release reads and verifies as it is, without being changed")
    func readsReleaseOneAsItIs() throws {
        let directory = TemporaryDirectory()
        let path = try ReleaseFixture.copy(into: directory)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let journal = try Self.reader(path)
        #expect(journal.schema == ReleaseFixture.schema)
        let report = try journal.verify()
        #expect(report.ok, "\(report.problems)")
        #expect(report.runs == ReleaseFixture.runs.count)
        let runs = try journal.runs()
        #expect(runs.map(\.name) == ReleaseFixture.runs.map(\.name))
        #expect(runs.map(\.stateName) == ReleaseFixture.runs.map(\.state))
        #expect(try journal.records(of: runs[0].run).allSatisfy { $0.format == 1 })
        journal.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try rawScalar(path, "PRAGMA user_version") == 2)
    }

    @Test("opening it to write migrates it in place to this build's schema; every record stays format 1 and verify passes")
    func migratesReleaseOne() async throws {
        let directory = TemporaryDirectory()
        let path = try ReleaseFixture.copy(into: directory)
        #expect(try !Self.columns(path, table: "journal").contains("format"))
        let journal = try SQLiteJournal.open(path: path, options: JournalOptions(role: .client))
        #expect(journal.schema == SQLiteJournal.schemaVersion)
        #expect(try Self.columns(path, table: "journal").contains("format"))
        #expect(try rawScalar(path, "SELECT count(*) FROM journal WHERE format <> 1") == 0)
        let report = try journal.verify()
        #expect(report.ok, "\(report.problems)")
        // A new run is appended in the current format, and chains on.
        _ = try await journal.submit(TestJobs.shell(), at: t0)
        journal.close()
        #expect(try rawScalar(path, "SELECT format FROM journal ORDER BY seq DESC LIMIT 1") == HashChain.currentFormat)
        let after = try Self.reader(path)
        defer { after.close() }
        #expect(try after.verify().ok)
    }

    @Test("migrations run in one transaction: one that fails leaves the database at its old schema, unchanged")
    func failedMigrationChangesNothing() throws {
        let directory = TemporaryDirectory()
        let path = try ReleaseFixture.copy(into: directory)
        let broken = Migration.sqlite + [Migration(version: Migration.sqlite.count + 1, file: "9999_broken.sql", sql: "CREATE TABLE x (a); SELECT no_such_function();")]
        let connection = try SQLiteConnection(path: path, readOnly: false)
        #expect(throws: JournalError.self) {
            try SQLiteJournal.Setup.migrate(connection, path: path, migrations: broken)
        }
        connection.close()
        #expect(try rawScalar(path, "PRAGMA user_version") == 2)
        #expect(try !Self.columns(path, table: "journal").contains("format"))
        #expect(try rawScalar(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'x'") == 0)
        let journal = try Self.reader(path)
        defer { journal.close() }
        #expect(try journal.verify().ok)
    }

    @Test("a database of a newer schema is refused, saying a newer Runlog wrote it")
    func newerSchemaIsRefused() throws {
        let directory = TemporaryDirectory()
        let path = try ReleaseFixture.copy(into: directory)
        try rawSQL(path, "PRAGMA user_version = \(SQLiteJournal.schemaVersion + 1)")
        for role in [JournalOptions.Role.reader, .client] {
            do {
                _ = try SQLiteJournal.open(path: path, options: JournalOptions(role: role))
                Issue.record("opened a newer schema as \(role)")
            } catch {
                #expect(error.code == .schemaTooNew)
                #expect(error.message.contains("newer Runlog"))
            }
        }
    }

    @Test("a record in a format this build does not know is reported by verify and stops its run's replay, never a crash")
    func unknownRecordFormat() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await VerifyTests.makeJournal(at: path, runs: 2)
        try rawSQL(path, VerifyTests.dropTriggers + "UPDATE journal SET format = 2 WHERE seq = 14")
        let journal = try Self.reader(path)
        defer { journal.close() }
        let report = try journal.verify()
        #expect(report.problems.contains { $0.code == .unknownFormat && $0.seq == 14 && $0.message.contains("newer Runlog") })
        #expect(!report.problems.contains { $0.code == .hashMismatch || $0.code == .brokenLink })
        #expect(report.problems.contains { $0.code == .replayDivergence && $0.seq == 14 })
        let check = try journal.upgradeCheck()
        #expect(check.blocked.map(\.seq) == [14])
        #expect(!check.ok)
    }

    @Test("upgrade-check on the first release's database: every run replays and can continue, by revision 1")
    func upgradeCheckReleaseOne() throws {
        let directory = TemporaryDirectory()
        let journal = try Self.reader(try ReleaseFixture.copy(into: directory))
        defer { journal.close() }
        let report = try journal.upgradeCheck()
        #expect(report.ok, "\(report.blocked)")
        #expect(report.schema == 2)
        #expect(report.buildSchema == SQLiteJournal.schemaVersion)
        #expect(report.runs == ReleaseFixture.runs.count)
        #expect(report.records == 64)
        let terminal: Set<String> = ["succeeded", "failed", "cancelled"]
        let finished = ReleaseFixture.runs.filter { terminal.contains($0.state) }.count
        #expect(
            report.revisions == [
                UpgradeReport.RevisionCount(
                    machine: "sandbox-job",
                    version: SandboxJob.revisions[0].releasedVersion,
                    revision: 1,
                    finished: finished,
                    unfinished: ReleaseFixture.runs.count - finished
                )
            ]
        )
    }

    // MARK: - Two revisions in one journal

    static let revised = MachineRegistry().registering(RevisedSandboxJob.self)

    static func failingStep(_ run: inout JournaledRun<RevisedSandboxJob>, at: Timestamp) async throws {
        try await run.apply(.job(.start), at: at)
        try await run.apply(.job(.sandboxCreated(intent: run.machine.awaited(in: run.state)[0], sandbox: SandboxID("sbx"))), at: at)
        try await run.apply(.job(.stepFinished(intent: run.machine.awaited(in: run.state)[0], result: StepResult(exit: .exited(code: 1)), at: at)), at: at)
    }

    @Test("runs of revision 1 and 2 share a journal; each is driven and replayed by its own revision")
    func twoRevisionsInOneJournal() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        let journal = try SQLiteJournal.open(path: path)
        let spec = JobSpec(kind: .shell, steps: [StepSpec(name: "flaky", run: "x", retry: RetryPolicy(maxAttempts: 2, backoffMilliseconds: 4000))])
        // Revision 1: what the first release submitted; revision 2: what this (test) build submits.
        let old = try await journal.submit(SandboxJob.self, input: spec, label: "old", idempotencyKey: nil, at: t0)
        let new = try await journal.submit(RevisedSandboxJob.self, input: spec, label: "new", idempotencyKey: nil, at: t0)
        var runs: [JournaledRun<RevisedSandboxJob>] = []
        for submitted in [old, new] {
            let lease = try await journal.acquireLease(run: submitted.run.id, owner: "test", ttlMilliseconds: 60_000, at: t0)
            runs.append(try await JournaledRun<RevisedSandboxJob>.load(lease, from: journal))
        }
        #expect(runs.map(\.machine.revision) == [1, 2])
        let failedAt = t0.adding(seconds: 1)
        for index in runs.indices {
            try await Self.failingStep(&runs[index], at: failedAt)
        }
        // Revision 1 waits out the step's backoff; revision 2 retries at once.
        #expect(runs.map(\.state) == [
            .retryWait(.step(index: 0, attempt: 2, sandbox: SandboxID("sbx")), notBefore: failedAt.adding(milliseconds: 4000)),
            .retryWait(.step(index: 0, attempt: 2, sandbox: SandboxID("sbx")), notBefore: failedAt),
        ])
        // Revision 2's new event: revision 1 refuses it and nothing is journaled.
        let before = runs[0].lastRunSeq
        await #expect(throws: IllegalTransition.self) {
            try await runs[0].apply(.noted("look at this"), at: failedAt)
        }
        #expect(runs[0].lastRunSeq == before)
        try await runs[1].apply(.noted("look at this"), at: failedAt)
        journal.close()

        let reader = try Self.reader(path)
        defer { reader.close() }
        let replays = try reader.replayAll(registry: Self.revised)
        #expect(replays.values.allSatisfy { $0.divergence == nil })
        #expect(replays.keys.sorted().map { replays[$0]?.revision } == [1, 2])
        #expect(try reader.verify(registry: Self.revised).ok)
        #expect(try reader.upgradeCheck(registry: Self.revised).ok)

        // A build that has only revision 1 replays the old run and names the new one.
        let report = try reader.upgradeCheck()
        #expect(!report.ok)
        #expect(report.blocked.map(\.run) == [new.run.id])
        #expect(report.blocked.map(\.reason) == [.unknownRevision])
        #expect(report.blocked.first?.message.contains("newer Runlog") == true)
        #expect(report.revisions.map(\.revision) == [1, nil])
        // And a worker of that build leaves it alone: loading it to drive it is refused, typed.
        let owner = try SQLiteJournal.open(path: directory.file("j.sqlite"))
        defer { owner.close() }
        let lease = try await owner.acquireLease(run: new.run.id, owner: "old build", ttlMilliseconds: 1000, at: t0, takingOver: true)
        await #expect(throws: JournalError(.unknownRevision, "")) {
            _ = try await JournaledRun<SandboxJob>.load(lease, from: owner)
        }
    }

    @Test("revision 2 of the test machine is pinned like a released revision, and passes the checks")
    func revisedMachineIsSound() {
        #expect(RevisedSandboxJob.revisionProblems() == [])
        #expect(RevisedSandboxJob.revisions[0].releasedVersion == SandboxJob.revisions[0].releasedVersion)
    }
}
