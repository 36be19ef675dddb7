import Foundation
@testable import Journal
import RunStateMachine
import Testing
import TestSupport

@Suite("SQLite journal: opening, submit, leases, appends")
struct SQLiteJournalTests {
    @Test("a new journal is in WAL mode with synchronous=FULL, mmap off, secure delete on, and the current schema")
    func settings() throws {
        let temporary = try TemporaryJournal()
        let (path, journal) = (temporary.path, temporary.journal)
        defer { journal.close() }
        let connection = try SQLiteConnection(path: path, readOnly: true)
        defer { connection.close() }
        #expect(try connection.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try connection.scalarInt("PRAGMA user_version") == Int64(SQLiteJournal.schemaVersion))
        #expect(try connection.scalarInt("PRAGMA application_id") == SQLiteJournal.Setup.applicationID)
        // Per-connection settings are asserted by the journal at open; check the assertion itself.
        let writer = try SQLiteConnection(path: path, readOnly: false)
        defer { writer.close() }
        #expect(throws: JournalError.self) { try SQLiteJournal.Setup.assertSettings(writer, path: path) }
        try writer.execute("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; PRAGMA mmap_size = 0")
        try SQLiteJournal.Setup.assertSettings(writer, path: path)
    }

    @Test("submit journals the creation record and the runs row in one commit")
    func submit() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let result = try await journal.submit(TestJobs.shell(), at: t0)
        #expect(result.created)
        let records = try journal.records(of: result.run)
        #expect(records.count == 1)
        #expect(records[0].kind == .created)
        #expect(records[0].runSeq == 1)
        #expect(records[0].seq == 1)
        #expect(records[0].prevHash == HashChain.genesis)
        let creation = try RunCreation(payload: records[0].event)
        #expect(creation.runID == result.run.id)
        #expect(creation.machine == "sandbox-job")
        #expect(creation.version == SandboxJob.latest.definition.version)
        #expect(try JobSpec(json: creation.input) == TestJobs.shell())
        let summary = try journal.run(matching: result.run.id.value)
        #expect(summary.stateName == "queued")
        #expect(!summary.terminal)
        #expect(summary.name == "test")
        #expect(try journal.run(matching: String(result.run.id.value.prefix(8))) == summary)
    }

    @Test("the same idempotency key returns the same run; a different spec under it is a conflict and changes nothing")
    func idempotentSubmit() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let first = try await journal.submit(TestJobs.shell(key: "order-42"), at: t0)
        let again = try await journal.submit(TestJobs.shell(key: "order-42"), at: t0.adding(seconds: 5))
        #expect(again.run == first.run)
        #expect(!again.created)
        let before = try journal.head()
        await #expect(throws: JournalError(.idempotencyConflict, "")) {
            try await journal.submit(TestJobs.shell(steps: 4, key: "order-42"), at: t0)
        }
        #expect(try journal.head()?.seq == before?.seq)
        #expect(try journal.runs().count == 1)
    }

    @Test("1,000 concurrent submits of one key create exactly one run")
    func concurrentSubmits() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let runs = try await withThrowingTaskGroup(of: RunRef.self) { group in
            for index in 0..<1000 {
                group.addTask { try await journal.submit(TestJobs.shell(key: "same"), at: t0.adding(milliseconds: Int64(index))).run }
            }
            var runs: Set<RunRef> = []
            for try await run in group { runs.insert(run) }
            return runs
        }
        #expect(runs.count == 1)
        #expect(try journal.runs().count == 1)
        #expect(try journal.head()?.seq == 1)
    }

    @Test("a run driven to success: every record chained, projection up to date, replay agrees")
    func driveRun() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        var run = try await submitAndLease(journal)
        let appended = try await driveToSuccess(&run)
        // start, created, 3 steps, released, reported
        #expect(appended == 7)
        let records = try journal.records(of: run.lease.run)
        #expect(records.map(\.runSeq) == Array(1...9))
        #expect(records.map(\.kind) == [.created, .lease] + Array(repeating: .transition, count: 7))
        #expect(records.first?.runPrev == nil)
        for (previous, record) in zip(records, records.dropFirst()) {
            #expect(record.runPrev == previous.seq)
            #expect(record.prevHash == previous.hash)
            #expect(HashChain.hash(of: record, prev: previous.hash) == record.hash)
        }
        let summary = try journal.run(matching: run.lease.run.id.value)
        #expect(summary.stateName == "succeeded")
        #expect(summary.terminal)
        #expect(summary.lastRunSeq == 9)
        #expect(summary.leaseEpoch == 1)
        let replay = MachineRegistry.standard.replay(records)
        #expect(replay.divergence == nil)
        #expect(replay.stateName == "succeeded")
        #expect(replay.pending == [])
        #expect(try journal.verify().ok)
    }

    @Test("an owner whose lease passed to a newer epoch cannot append; the journal is unchanged")
    func staleEpoch() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        var old = try await submitAndLease(journal, owner: "worker-a")
        try await old.apply(.start, at: t0)
        await #expect(throws: JournalError(.leaseHeld, "")) {
            try await journal.acquireLease(run: old.lease.run.id, owner: "worker-b", ttlMilliseconds: 30_000, at: t0.adding(seconds: 1))
        }
        let newer = try await journal.acquireLease(run: old.lease.run.id, owner: "worker-b", ttlMilliseconds: 30_000, at: t0.adding(seconds: 31))
        #expect(newer.epoch == 2)
        let head = try journal.head()
        let intent = try #require(old.machine.awaited(in: old.state).first)
        await #expect(throws: JournalError(.staleEpoch, "")) {
            try await old.apply(.sandboxCreated(intent: intent, sandbox: SandboxID("sbx")), at: t0.adding(seconds: 32))
        }
        #expect(try journal.head()?.seq == head?.seq)
        // The old owner's heartbeat keeps nothing of the run: its lease is worker-b's now.
        try await journal.heartbeat(owner: "worker-a", ttlMilliseconds: 60_000, at: t0.adding(seconds: 32))
        #expect(try journal.run(matching: old.lease.run.id.value).leaseOwner == "worker-b")
        var current = try await JournaledRun<SandboxJob>.load(newer, from: journal)
        try await driveToSuccess(&current, at: t0.adding(seconds: 33))
        #expect(try journal.verify().ok)
    }

    @Test("runnable: interrupted runs come before new ones, live leases keep runs out unless told otherwise")
    func runnableOrder() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        let fresh = try await journal.submit(TestJobs.shell(), at: t0)
        var interrupted = try await submitAndLease(journal, owner: "worker-a", at: t0.adding(seconds: 1))
        try await interrupted.apply(.start, at: t0.adding(seconds: 1))
        let later = try await journal.submit(TestJobs.shell(name: "later"), at: t0.adding(seconds: 2))
        // While worker-a's lease lives, its run is not runnable, except for an exclusive owner.
        #expect(try journal.runnable(at: t0.adding(seconds: 2)).map(\.run) == [fresh.run, later.run])
        #expect(
            try journal.runnable(at: t0.adding(seconds: 2), ignoringLeases: true).map(\.run) == [interrupted.lease.run, fresh.run, later.run]
        )
        // Once it expired, the interrupted run comes first although it was submitted later.
        #expect(try journal.runnable(at: t0.adding(seconds: 60)).map(\.run) == [interrupted.lease.run, fresh.run, later.run])
        #expect(try journal.runnable(at: t0.adding(seconds: 60), limit: 1).map(\.run) == [interrupted.lease.run])
    }

    @Test("appends out of sequence, without a lease, or after the end are refused")
    func refusals() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        var run = try await submitAndLease(journal)
        let transition = try run.machine.checkedTransition(from: run.state, on: .start, seq: run.lastRunSeq + 2)
        await #expect(throws: JournalError(.sequenceConflict, "")) {
            try await journal.append(AppendRequest(machine: run.machine, run: run.lease.run, runSeq: run.lastRunSeq + 2, previousSeq: run.lastSeq, epoch: run.lease.epoch, at: t0, event: .start, transition: transition))
        }
        await #expect(throws: JournalError(.sequenceConflict, "")) {
            try await journal.append(AppendRequest(machine: run.machine, run: run.lease.run, runSeq: run.lastRunSeq + 1, previousSeq: run.lastSeq - 1, epoch: run.lease.epoch, at: t0, event: .start, transition: transition))
        }
        await #expect(throws: JournalError(.notLeased, "")) {
            try await journal.append(AppendRequest(machine: run.machine, run: run.lease.run, runSeq: run.lastRunSeq + 1, previousSeq: run.lastSeq, epoch: 0, at: t0, event: .start, transition: transition))
        }
        try await driveToSuccess(&run)
        let finished = try run.machine.checkedTransition(from: .queued, on: .start, seq: run.lastRunSeq + 1)
        await #expect(throws: JournalError(.runFinished, "")) {
            try await journal.append(AppendRequest(machine: run.machine, run: run.lease.run, runSeq: run.lastRunSeq + 1, previousSeq: run.lastSeq, epoch: run.lease.epoch, at: t0, event: .start, transition: finished))
        }
        await #expect(throws: JournalError(.runFinished, "")) {
            try await journal.acquireLease(run: run.lease.run.id, owner: "w", ttlMilliseconds: 1000, at: t0)
        }
        await #expect(throws: JournalError(.unknownRun, "")) {
            try await journal.acquireLease(run: RunID.generate(at: t0), owner: "w", ttlMilliseconds: 1000, at: t0)
        }
        #expect(try journal.verify().ok)
    }

    @Test("the journal's triggers refuse UPDATE and DELETE")
    func appendOnly() async throws {
        let temporary = try TemporaryJournal()
        let (path, journal) = (temporary.path, temporary.journal)
        _ = try await journal.submit(TestJobs.shell(), at: t0)
        journal.close()
        #expect {
            try rawSQL(path, "UPDATE journal SET event = '{}' WHERE seq = 1")
        } throws: { error in
            "\(error)".contains("append-only")
        }
        #expect {
            try rawSQL(path, "DELETE FROM journal")
        } throws: { error in
            "\(error)".contains("append-only")
        }
        #expect(try rawScalar(path, "SELECT count(*) FROM journal") == 1)
    }

    @Test("a second owner is refused while the first holds the lock; clients and readers are not")
    func ownerLock() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        let owner = try SQLiteJournal.open(path: path)
        #expect(throws: JournalError(.locked, "")) { try SQLiteJournal.open(path: path) }
        let client = try SQLiteJournal.open(path: path, options: JournalOptions(role: .client))
        _ = try await client.submit(TestJobs.shell(), at: t0)
        client.close()
        let reader = try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
        #expect(try reader.runs().count == 1)
        reader.close()
        owner.close()
        let next = try SQLiteJournal.open(path: path)
        next.close()
    }

    @Test("a journal written by a newer Runlog, or a database that is not a journal, is refused")
    func identity() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try SQLiteJournal.open(path: path).close()
        try rawSQL(path, "PRAGMA user_version = 99")
        #expect(throws: JournalError(.schemaTooNew, "")) { try SQLiteJournal.open(path: path) }
        #expect(throws: JournalError(.schemaTooNew, "")) { try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader)) }
        let other = directory.file("other.sqlite")
        try rawSQL(other, "CREATE TABLE accounts (id INTEGER)")
        #expect(throws: JournalError(.notAJournal, "")) { try SQLiteJournal.open(path: other) }
        #expect(throws: JournalError(.notFound, "")) {
            try SQLiteJournal.open(path: directory.file("missing.sqlite"), options: JournalOptions(role: .reader))
        }
    }

    @Test("concurrent appends share commits: 256 runs advance together in far fewer transactions")
    func groupCommit() async throws {
        let journal = try TemporaryJournal().journal
        defer { journal.close() }
        var runs: [JournaledRun<SandboxJob>] = []
        for _ in 0..<256 {
            runs.append(try await submitAndLease(journal))
        }
        let before = journal.writer!.statistics
        try await withThrowingTaskGroup(of: Void.self) { group in
            for run in runs {
                group.addTask {
                    var run = run
                    try await driveToSuccess(&run)
                }
            }
            try await group.waitForAll()
        }
        let after = journal.writer!.statistics
        let operations = after.operations - before.operations
        let commits = after.commits - before.commits
        #expect(operations == 256 * 7)
        #expect(commits * 4 < operations, "\(operations) appends took \(commits) commits")
        #expect(try journal.verify().ok)
    }

    @Test("a new journal's files are its owner's only: database, WAL, shared memory, head and lock are 0600")
    func ownerOnlyFiles() async throws {
        let temporary = try TemporaryJournal()
        defer { temporary.close() }
        _ = try await temporary.journal.submit(TestJobs.shell(), at: t0)
        for suffix in ["", "-wal", "-shm", ".head", ".lock"] {
            var info = stat()
            #expect(stat(temporary.path + suffix, &info) == 0, "\(suffix) missing")
            #expect(info.st_mode & 0o777 == 0o600, "\(temporary.path + suffix) is \(String(info.st_mode & 0o777, radix: 8))")
        }
    }
}
