import Foundation
@testable import Journal
import RunStateMachine
import Testing
import TestSupport

/// Rows at the edges of their types, as a damaged or forged database holds them: each is a typed
/// error or a reported problem, never a trap. Each of these trapped before.
@Suite("Hostile input never traps: journal rows")
struct HostileRowTests {
    @Test("a lease epoch or record count at the 64-bit limit makes taking the run a typed corrupt error")
    func leaseAtLimit() async throws {
        let temporary = try TemporaryJournal()
        let (path, journal) = (temporary.path, temporary.journal)
        defer { journal.close() }
        let first = try await journal.submit(TestJobs.shell(), at: t0)
        let second = try await journal.submit(TestJobs.shell(), at: t0)
        try rawSQL(path, "UPDATE run_heads SET lease_epoch = 9223372036854775807 WHERE run_no = \(first.run.number)")
        try rawSQL(path, "UPDATE run_heads SET last_run_seq = 9223372036854775807 WHERE run_no = \(second.run.number)")
        for run in [first.run, second.run] {
            await #expect(throws: JournalError(.corrupt, "")) {
                _ = try await journal.acquireLease(run: run.id, owner: "w", ttlMilliseconds: 1000, at: t0)
            }
        }
        // The writer goes on for the others.
        _ = try await journal.submit(TestJobs.shell(), at: t0)
    }

    @Test("a record numbered at the 64-bit limit: verify reports it, and the writer refuses to append after it")
    func sequenceAtLimit() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await VerifyTests.makeJournal(at: path, runs: 1)
        try rawSQL(
            path,
            "INSERT INTO journal SELECT 9223372036854775807, run_no, run_seq + 100, run_prev, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash, format FROM journal WHERE seq = 9"
        )
        let reader = try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
        let report = try reader.verify()
        reader.close()
        #expect(report.problems.contains { $0.code == .sequenceGap && $0.seq == .max })
        let journal = try SQLiteJournal.open(path: path)
        defer { journal.close() }
        await #expect(throws: JournalError(.corrupt, "")) {
            _ = try await journal.submit(TestJobs.shell(), at: t0)
        }
    }

    @Test("verify of a journal whose first and last records are 2^63 apart, in many segments, reports the gap")
    func spanAtLimit() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await VerifyTests.makeJournal(at: path, runs: 1)
        try rawSQL(
            path,
            "INSERT INTO journal SELECT -9223372036854775808, run_no, run_seq, run_prev, kind, epoch, at_ms, event, state, intents, abandons, answers, prev_hash, hash, format FROM journal WHERE seq = 1"
        )
        let reader = try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader, readers: 4))
        defer { reader.close() }
        for segments in [1, 3, 4] {
            let chain = try reader.verifyChain(segments: segments)
            #expect(!chain.problems.isEmpty)
        }
    }

    @Test("a malformed run id on the row holding an idempotency key is a typed corrupt error")
    func malformedIdempotentRun() async throws {
        let temporary = try TemporaryJournal()
        let (path, journal) = (temporary.path, temporary.journal)
        defer { journal.close() }
        _ = try await journal.submit(TestJobs.shell(key: "k"), at: t0)
        try rawSQL(path, "UPDATE runs SET run_id = 'not an id' WHERE idempotency_key = 'k'")
        await #expect(throws: JournalError(.corrupt, "")) {
            _ = try await journal.submit(TestJobs.shell(key: "k"), at: t0)
        }
    }

    @Test("a malformed run id in the runs table is a typed corrupt error from every query, never a made-up id")
    func malformedRunID() async throws {
        let temporary = try TemporaryJournal()
        let (path, journal) = (temporary.path, temporary.journal)
        defer { journal.close() }
        let run = try await journal.submit(TestJobs.shell(), at: t0).run
        try rawSQL(path, "UPDATE runs SET run_id = 'not an id' WHERE run_no = \(run.number)")
        #expect(throws: JournalError(.corrupt, "")) { _ = try journal.runs() }
        #expect(throws: JournalError(.corrupt, "")) { _ = try journal.runnable(at: t0) }
        #expect(throws: JournalError(.corrupt, "")) { _ = try journal.run(matching: "not an id") }
    }

    @Test("a record whose intents or event are damaged is a typed corrupt error naming the record, never fewer intents")
    func damagedIntents() async throws {
        let temporary = try TemporaryJournal()
        let (path, journal) = (temporary.path, temporary.journal)
        defer { journal.close() }
        var run = try await submitAndLease(journal)
        try await run.apply(.start, at: t0)
        let start = try #require(try journal.records(of: run.lease.run).last)
        #expect(try start.decodedIntents(as: SandboxJobEffect.self).count == 1)
        try rawSQL(path, VerifyTests.dropTriggers + "UPDATE journal SET intents = '[{\"id\": \"x\"}]', event = '{}' WHERE seq = \(start.seq)")
        let damaged = try #require(try journal.records(of: run.lease.run).last)
        #expect(throws: JournalError(.corrupt, "")) { _ = try damaged.decodedIntents(as: SandboxJobEffect.self) }
        #expect(throws: JournalError(.corrupt, "")) { _ = try damaged.decodedEvent(as: SandboxJobEvent.self) }
        do {
            _ = try damaged.decodedIntents(as: SandboxJobEffect.self)
        } catch {
            #expect(error.message.contains("record \(start.seq)"))
        }
    }
}
