import Foundation
@testable import Journal
import PropertyBased
import RunStateMachine
import Testing
import TestSupport

@Suite("verify: tampering is detected and named")
struct VerifyTests {
    /// A closed journal of `runs` completed runs (9 records each) at `path`.
    static func makeJournal(at path: String, runs: Int = 3) async throws {
        let journal = try SQLiteJournal.open(path: path)
        for index in 0..<runs {
            var run = try await submitAndLease(journal, at: t0.adding(seconds: index))
            try await driveToSuccess(&run, at: t0.adding(seconds: index))
        }
        journal.close()
    }

    static func verify(_ path: String) throws -> VerifyReport {
        let journal = try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
        defer { journal.close() }
        return try journal.verify()
    }

    /// What a tamperer with write access does first: drop the append-only triggers (and ignore
    /// CHECK constraints, should a table have any).
    static let dropTriggers = "PRAGMA ignore_check_constraints = ON; DROP TRIGGER journal_refuses_update; DROP TRIGGER journal_refuses_delete;"

    @Test("an untouched journal verifies")
    func clean() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        let report = try Self.verify(path)
        #expect(report.ok, "\(report.problems)")
        #expect(report.records == 27)
        #expect(report.runs == 3)
        #expect(report.headFileSeq == 27)
        #expect(report.warnings == [])
    }

    @Test(
        "with the triggers dropped, any edit to a record is named by its sequence number",
        arguments: [
            "UPDATE journal SET event = replace(event, '\"exited\"', '\"signaled\"') WHERE seq = 14",
            "UPDATE journal SET state = replace(state, '\"step\":1', '\"step\":2') WHERE seq = 14",
            "UPDATE journal SET epoch = 2 WHERE seq = 14",
            "UPDATE journal SET at_ms = at_ms + 1 WHERE seq = 14",
            "UPDATE journal SET answers = NULL WHERE seq = 14",
            "UPDATE journal SET run_seq = 99 WHERE seq = 14",
            "UPDATE journal SET intents = '[]' WHERE seq = 14",
            "UPDATE journal SET run_prev = run_prev - 1 WHERE seq = 14",
        ]
    )
    func editedRecord(sql: String) async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        let row = "SELECT quote(event) || quote(state) || epoch || at_ms || quote(answers) || run_seq || quote(intents) || run_prev FROM journal WHERE seq = 14"
        let before = try rawText(path, row)
        try rawSQL(path, Self.dropTriggers + sql)
        #expect(try rawText(path, row) != before, "the edit must change the record")
        let report = try Self.verify(path)
        #expect(!report.ok)
        let first = try #require(report.problems.first)
        #expect(first.code == .hashMismatch && first.seq == 14, "\(report.problems)")
    }

    @Test("a deleted record is named: the gap and the broken link after it")
    func deletedRecord() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        try rawSQL(path, Self.dropTriggers + "DELETE FROM journal WHERE seq = 10")
        let report = try Self.verify(path)
        #expect(report.problems.first { $0.code == .sequenceGap }?.seq == 11)
        #expect(report.problems.first { $0.code == .brokenLink }?.seq == 11)
        #expect(report.problems.first?.message.contains("10") == true)
    }

    @Test("reordered records are named")
    func reordered() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        try rawSQL(path, Self.dropTriggers + "UPDATE journal SET seq = -1 WHERE seq = 5; UPDATE journal SET seq = 5 WHERE seq = 6; UPDATE journal SET seq = 6 WHERE seq = -1;")
        let report = try Self.verify(path)
        #expect(report.problems.first?.seq == 5)
        #expect(Set(report.problems.compactMap(\.seq)).isSuperset(of: [5, 6]))
    }

    @Test("a truncated tail is detected through the head file")
    func truncatedTail() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        try rawSQL(path, Self.dropTriggers + "DELETE FROM journal WHERE seq > 20")
        let report = try Self.verify(path)
        let truncated = try #require(report.problems.first { $0.code == .truncated })
        #expect(truncated.seq == 21)
        #expect(truncated.message.contains("records 21…27 are missing"))
        // A worker refuses to open it too.
        #expect(throws: JournalError(.truncated, "")) { try SQLiteJournal.open(path: path) }
    }

    @Test("an edited projection row is detected")
    func projection() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        try rawSQL(path, "UPDATE run_heads SET state_name = 'running', terminal = 0 WHERE run_no = 2")
        let report = try Self.verify(path)
        #expect(report.problems.contains { $0.code == .projectionMismatch && $0.message.contains("state is 'running'") })
    }

    @Test("a forged record with a recomputed chain still fails: replay disagrees and the head file does not match")
    func forgedChain() async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        try await Self.makeJournal(at: path)
        try rawSQL(path, Self.dropTriggers + "UPDATE journal SET state = replace(state, 'succeeded', 'cancelled') WHERE seq = 27")
        // Recompute the chain from the edit on, as an attacker with write access could.
        let journal = try SQLiteJournal.open(path: path, options: JournalOptions(role: .reader))
        let records = try (1...3).flatMap { try journal.records(of: RunRef(id: RunID.generate(at: t0), number: Int64($0))) }.sorted { $0.seq < $1.seq }
        journal.close()
        var previous = HashChain.genesis
        var statements: [String] = []
        for record in records {
            let hash = try #require(HashChain.hash(of: record, prev: previous))
            if hash != record.hash {
                statements.append("UPDATE journal SET prev_hash = x'\(ContentHash.hex(previous))', hash = x'\(ContentHash.hex(hash))' WHERE seq = \(record.seq);")
            }
            previous = hash
        }
        try rawSQL(path, statements.joined())
        let report = try Self.verify(path)
        #expect(report.problems.contains { $0.code == .replayDivergence && $0.seq == 27 })
        #expect(report.problems.contains { $0.code == .headMismatch })
        #expect(!report.problems.contains { $0.code == .hashMismatch })
    }

    enum Mutation: CaseIterable, Sendable {
        case none, change, drop, reorder, truncate, malform
    }

    @Test("property: the chain verifies if and only if no record was changed, dropped, reordered, truncated or made unreadable")
    func chainProperty() async throws {
        let directory = TemporaryDirectory()
        let pristine = directory.file("pristine.sqlite")
        try await Self.makeJournal(at: pristine, runs: 4)
        let count = try #require(try rawScalar(pristine, "SELECT count(*) FROM journal"))
        let columns = ["event", "state", "intents", "at_ms", "epoch", "run_seq", "kind", "run_prev"]
        await propertyCheck(
            count: 100,
            input: Gen<Mutation>.case, Gen.int64(in: 1...count), Gen.int(in: 0...(columns.count - 1))
        ) { mutation, seq, column in
            let copy = directory.file("copy-\(UInt32.random(in: 0...UInt32.max)).sqlite")
            for suffix in ["", ".head"] {
                try FileManager.default.copyItem(atPath: pristine + suffix, toPath: copy + suffix)
            }
            let change: String
            switch columns[column] {
            case "at_ms", "epoch", "run_seq": change = "\(columns[column]) = \(columns[column]) + 1"
            // "No previous record" is hashed as 0, so NULL → 0 is no change; move it by one instead.
            case "run_prev": change = "run_prev = coalesce(run_prev, 0) + 1"
            case "kind": change = "kind = CASE kind WHEN 'transition' THEN 'lease' ELSE 'transition' END"
            default: change = "\(columns[column]) = coalesce(\(columns[column]), '') || ' '"
            }
            let sql: String
            switch mutation {
            case .none: sql = ""
            case .change: sql = "UPDATE journal SET \(change) WHERE seq = \(seq)"
            case .drop: sql = "DELETE FROM journal WHERE seq = \(seq)"
            case .reorder:
                let other = seq == count ? seq - 1 : seq + 1
                sql = "UPDATE journal SET seq = -1 WHERE seq = \(seq); UPDATE journal SET seq = \(seq) WHERE seq = \(other); UPDATE journal SET seq = \(other) WHERE seq = -1;"
            case .truncate: sql = "DELETE FROM journal WHERE seq >= \(seq)"
            case .malform: sql = "UPDATE journal SET hash = x'00' WHERE seq = \(seq)"
            }
            try rawSQL(copy, Self.dropTriggers + sql)
            let opened = try SQLiteJournal.open(path: copy, options: JournalOptions(role: .reader))
            let chain = try opened.verifyChain()
            // Checked in ranges at once, the chain shows exactly what one pass in order shows.
            for segments in [2, 3, 7] {
                let split = try opened.verifyChain(segments: segments)
                #expect(split.problems == chain.problems, "\(mutation) of record \(seq), \(segments) ranges")
                #expect(split.records == chain.records && split.lastSeq == chain.lastSeq && split.lastHash == chain.lastHash)
            }
            opened.close()
            let report = try Self.verify(copy)
            // Losing records at the end leaves the chain itself intact; only the head file shows it.
            let lostTail = mutation == .truncate || (mutation == .drop && seq == count)
            #expect(chain.problems.isEmpty == (mutation == .none || lostTail), "\(mutation) of record \(seq): \(chain.problems)")
            #expect(report.ok == (mutation == .none), "\(mutation) of record \(seq) \(columns[column]): \(report.problems)")
        }
    }
}
