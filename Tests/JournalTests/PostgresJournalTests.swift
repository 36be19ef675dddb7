import Foundation
import Journal
@testable import JournalPostgres
import RunStateMachine
import SystemSupport
import Testing
import TestSupport

/// What only the shared store has: migrating once under an advisory lock, refusing a newer
/// schema, append-only triggers, tamper evidence against the chain head, the database's clock,
/// and clear errors for a database that is not there. The store contract itself runs in
/// `JournalStoreConformanceTests`.
@Suite("PostgreSQL journal")
struct PostgresJournalTests {
    @Test("workers starting at once migrate the schema once; a database of a newer Runlog is refused")
    func migrateOnce() async throws {
        let location = try await TestPostgres.freshLocation()
        let journals = try await withThrowingTaskGroup(of: PostgresJournal.self) { group in
            for _ in 0..<4 {
                group.addTask { try await PostgresJournal.open(location) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(journals.allSatisfy { $0.schema == PostgresJournal.schemaVersion })
        journals.forEach { $0.close() }
        try await TestPostgres.execute("UPDATE runlog_schema SET version = \(PostgresJournal.schemaVersion + 1)", at: location)
        await #expect(throws: JournalError(.schemaTooNew, "")) {
            _ = try await PostgresJournal.open(location)
        }
    }

    @Test("the journal refuses UPDATE, DELETE and TRUNCATE, whoever asks")
    func appendOnly() async throws {
        let location = try await TestPostgres.freshLocation()
        let journal = try await PostgresJournal.open(location)
        defer { journal.close() }
        _ = try await journal.submit(TestJobs.shell(), at: t0)
        for sql in ["UPDATE journal SET at_ms = 0", "DELETE FROM journal", "TRUNCATE journal", "DELETE FROM chain_head"] {
            await #expect(throws: (any Error).self, "\(sql) was allowed") {
                try await TestPostgres.execute(sql, at: location)
            }
        }
        #expect(try await journal.verify(registry: .standard, maxProblems: 10).ok)
    }

    @Test("verify finds an edited record, a deleted run, a reordered pair and a truncated tail", arguments: ["edit", "delete run", "reorder", "truncate"])
    func tamperEvidence(_ tampering: String) async throws {
        let location = try await TestPostgres.freshLocation()
        let journal = try await PostgresJournal.open(location)
        defer { journal.close() }
        var first = try await submitAndLease(journal)
        try await driveToSuccess(&first)
        var second = try await submitAndLease(journal)
        try await driveToSuccess(&second)
        #expect(try await journal.verify(registry: .standard, maxProblems: 10).ok)
        // The owner of the tables can switch the triggers off; the chain still tells.
        let sql: String
        switch tampering {
        case "edit": sql = "UPDATE journal SET event = replace(event, 'start', 'START') WHERE seq = 3"
        case "delete run": sql = "DELETE FROM journal WHERE run_no = \(first.lease.run.number); DELETE FROM run_heads WHERE run_no = \(first.lease.run.number)"
        case "reorder": sql = "UPDATE journal SET seq = -seq WHERE seq IN (4, 5); UPDATE journal SET seq = 9 - (-seq) WHERE seq IN (-4, -5)"
        default: sql = "DELETE FROM journal WHERE seq > (SELECT max(seq) - 2 FROM journal)"
        }
        for statement in ["ALTER TABLE journal DISABLE TRIGGER USER"] + sql.split(separator: ";").map(String.init) {
            try await TestPostgres.execute(statement, at: location)
        }
        let report = try await journal.verify(registry: .standard, maxProblems: 50)
        #expect(!report.ok, "verify missed: \(tampering)")
        let codes = Set(report.problems.map(\.code))
        switch tampering {
        case "edit": #expect(codes.contains(.hashMismatch))
        case "delete run": #expect(codes.contains(.sequenceGap) || codes.contains(.brokenLink))
        case "reorder": #expect(codes.contains(.brokenLink))
        default: #expect(codes.contains(.truncated))
        }
    }

    @Test("a lease is kept by the database's clock: a caller whose clock runs a day ahead cannot take a live lease")
    func databaseClock() async throws {
        let journal = try await TestPostgres.freshJournal()
        defer { journal.close() }
        let run = try await journal.submit(TestJobs.shell(), at: WallClock.now()).run
        _ = try await journal.acquireLease(run: run.id, owner: "a", ttlMilliseconds: 30_000, at: WallClock.now(), takingOver: false)
        let tomorrow = WallClock.now().adding(seconds: 86_400)
        await #expect(throws: JournalError(.leaseHeld, "")) {
            _ = try await journal.acquireLease(run: run.id, owner: "b", ttlMilliseconds: 30_000, at: tomorrow, takingOver: false)
        }
        #expect(try await journal.runnable(at: tomorrow, limit: 10, ignoringLeases: false).isEmpty)
    }

    @Test("claimers on separate connections split the runs (SKIP LOCKED): none waits for another, no run goes to two; a claim of a day-ahead caller takes no live lease")
    func concurrentClaims() async throws {
        let location = try await TestPostgres.freshLocation()
        let journals = [try await PostgresJournal.open(location), try await PostgresJournal.open(location), try await PostgresJournal.open(location)]
        defer { journals.forEach { $0.close() } }
        let total = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                group.addTask { _ = try await journals[index % 3].submit(TestJobs.shell(name: "run-\(index)"), at: WallClock.now()) }
            }
            try await group.waitForAll()
        }
        // Three workers claim small batches as fast as they can, each on its own connection, so
        // that their claims' transactions overlap.
        let claimed = try await withThrowingTaskGroup(of: [Lease].self) { group in
            for (index, journal) in journals.enumerated() {
                group.addTask {
                    var mine: [Lease] = []
                    while true {
                        let batch = try await journal.claim(
                            ClaimRequest(owner: "worker-\(index)", host: "h1", ttlMilliseconds: 60_000, limit: 7, at: WallClock.now(), excluding: Set(mine.map(\.run.number)))
                        ).map(\.lease)
                        if batch.isEmpty { return mine }
                        mine += batch
                    }
                }
            }
            return try await group.reduce(into: [[Lease]]()) { $0.append($1) }
        }
        let numbers = claimed.flatMap { $0.map(\.run.number) }
        #expect(numbers.count == total)
        #expect(Set(numbers).count == total)
        #expect(claimed.allSatisfy { !$0.isEmpty }, "each worker got runs: \(claimed.map(\.count))")
        #expect(claimed.joined().allSatisfy { $0.epoch == 1 })
        let tomorrow = WallClock.now().adding(seconds: 86_400)
        #expect(try await journals[1].claim(ClaimRequest(owner: "late", host: "h1", ttlMilliseconds: 60_000, limit: 10, at: tomorrow)).isEmpty)
        #expect(try await journals[0].verify(registry: .standard, maxProblems: 10).ok)
    }

    @Test("a database that is not there: a clear error naming the URL without its password")
    func unreachable() async throws {
        let free = try PostgresLocation(url: "postgres://runlog:s3cret-pw@127.0.0.1:1/runlog?sslmode=disable")
        do {
            _ = try await PostgresJournal.open(free)
            Issue.record("opened a database that is not there")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("postgres://runlog@127.0.0.1:1/runlog"))
            #expect(!error.message.contains("s3cret-pw"))
        }
        var missing = try await TestPostgres.freshLocation()
        missing.database = "no_such_database"
        missing.password = "s3cret-pw"
        do {
            _ = try await PostgresJournal.open(missing)
            Issue.record("opened a database that does not exist")
        } catch {
            #expect(error.code == .notFound)
            #expect(!error.message.contains("s3cret-pw"))
        }
    }

    @Test("the server ends a session between two statements: the next fails at once as unavailable, not never; the pool reconnects")
    func sessionEndedBetweenStatements() async throws {
        let admin = try await TestPostgres.freshLocation()
        var location = admin
        location.applicationName = "ended-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let source = try ConnectionSource(location, limit: 1)
        defer { source.close() }
        let tag = location.applicationName
        let ended = await completes(within: 30) {
            do {
                try await source.withConnection { session in
                    _ = try await PostgresJournal.rows("BEGIN", on: session, logger: source.logger) { _ in 0 }
                    try await TestPostgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(tag)'", at: admin)
                    while !session.isClosed { try await Task.sleep(for: .milliseconds(5)) }
                    // Written to a connection that has closed: postgres-nio alone never answers.
                    _ = try await PostgresJournal.rows("SELECT 1", on: session, logger: source.logger) { _ in 0 }
                }
                Issue.record("a statement on an ended session was answered")
            } catch let error as JournalError {
                #expect(error.code == .unavailable)
                #expect(error.message.contains("closed before the statement was answered"), "\(error)")
            } catch {
                Issue.record("\(error)")
            }
            let answer = try? await source.withConnection { session in
                try await PostgresJournal.rows("SELECT 7::int8", on: session, logger: source.logger) { (row) throws(JournalError) in try row.int64(0) }
            }
            #expect(answer == [7])
        }
        #expect(ended, "the statement waited for ever")
    }

    @Test("hints: a run submitted or a cancel requested by another writer wakes a listening journal at once; the listener comes back after the server ends its session")
    func wakeUpHints() async throws {
        let location = try await TestPostgres.freshLocation()
        var tagged = location
        tagged.applicationName = "hinted-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let journal = try await PostgresJournal.open(tagged)
        defer { journal.close() }
        let other = try await PostgresJournal.open(location)
        defer { other.close() }
        let wakeUps = try #require(journal.wakeUps)
        // Listening: the first hint says anything may have happened before.
        #expect(await completes(within: 10) { await wakeUps.next() }, "the listener never started")

        let run = try await other.submit(TestJobs.shell(), at: WallClock.now()).run
        #expect(await completes(within: 5) { await wakeUps.next() }, "no hint of the submitted run")
        _ = try await other.requestCancel(run: run.id.value, reason: "test", at: WallClock.now())
        #expect(await completes(within: 5) { await wakeUps.next() }, "no hint of the cancel request")

        try await TestPostgres.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(tagged.applicationName)'", at: location)
        _ = try await other.submit(TestJobs.shell(), at: WallClock.now())
        #expect(await completes(within: 10) { await wakeUps.next() }, "the listener did not come back")
    }

    @Test("URLs: libpq's form, percent-encoded parts, TLS modes; the password never in the description; bad parts refused")
    func urls() throws {
        let location = try PostgresLocation(url: "postgresql://ops%40acme:p%3Ass@db.internal:6432/runs?sslmode=verify-full&sslrootcert=/ca.pem", environment: [:])
        #expect(location.user == "ops@acme" && location.password == "p:ss")
        #expect(location.host == "db.internal" && location.port == 6432 && location.database == "runs")
        #expect(location.tls == .verifyFull && location.rootCertificate == "/ca.pem")
        #expect(location.redacted == "postgres://ops@acme@db.internal:6432/runs?sslmode=verify-full")
        #expect(!"\(location)".contains("p:ss"))
        #expect(try PostgresLocation(url: "postgres://u@h/d", environment: ["PGPASSWORD": "from-env"]).password == "from-env")
        #expect(try PostgresLocation(url: "postgres://u@h/d?application_name=worker-7", environment: [:]).applicationName == "worker-7")
        #expect(try PostgresLocation(url: "postgres://u@h/d", environment: [:]).applicationName == "runlog")
        // What a child process is given: every setting but the password, which goes by PGPASSWORD.
        var withOptions = location
        withOptions.sessionOptions = "-csearch_path=tenant 7"
        withOptions.applicationName = "bench & co"
        let child = withOptions.urlWithoutPassword
        #expect(!child.contains("p:ss") && !child.contains("p%3Ass"))
        var reread = try PostgresLocation(url: child, environment: ["PGPASSWORD": "p:ss"])
        #expect(reread == withOptions)
        reread = try PostgresLocation(url: child, environment: [:])
        #expect(reread.password == nil)
        for bad in ["postgres://u@h:99999/d", "postgres://u@h/d?sslmode=always", "postgres://u@h", "postgres://u@h/d?nope=1", "postgres://u@h/d%zz"] {
            #expect(throws: JournalError(.invalidInput, ""), "\(bad) was accepted") {
                _ = try PostgresLocation(url: bad, environment: [:])
            }
        }
    }
}

/// The roles the documentation ships (docs/postgres-roles.sql, docs/postgres-grants.sql), set up
/// in the test cluster under names of their own: the owner migrates, the worker role drives runs
/// and cannot change the journal.
@Suite("PostgreSQL roles")
struct PostgresRolesTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs").standardized

    @Test("the worker role appends, and may not update, delete or truncate the journal; the owner migrates")
    func workerRole() async throws {
        let admin = try await TestPostgres.freshLocation()
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        func named(_ file: String) throws -> String {
            try String(contentsOf: Self.docs.appendingPathComponent(file), encoding: .utf8)
                .replacingOccurrences(of: "runlog_owner", with: "rlo_\(tag)")
                .replacingOccurrences(of: "runlog_worker", with: "rlw_\(tag)")
                .replacingOccurrences(of: "runlog.", with: "rl_\(tag).")
                .replacingOccurrences(of: "SCHEMA runlog ", with: "SCHEMA rl_\(tag) ")
                .replacingOccurrences(of: "search_path = runlog;", with: "search_path = rl_\(tag);")
        }
        for statement in try SQLScript.statements(named("postgres-roles.sql")) {
            try await TestPostgres.execute(statement, at: admin)
        }
        var owner = admin
        owner.user = "rlo_\(tag)"
        owner.sessionOptions = nil
        let migrated = try await PostgresJournal.open(owner)
        migrated.close()
        for statement in try SQLScript.statements(named("postgres-grants.sql")) {
            try await TestPostgres.execute(statement, at: owner)
        }
        var worker = owner
        worker.user = "rlw_\(tag)"
        let journal = try await PostgresJournal.open(worker)
        defer { journal.close() }
        var run = try await submitAndLease(journal)
        try await driveToSuccess(&run)
        #expect(try await journal.verify(registry: .standard, maxProblems: 10).ok)
        for sql in ["UPDATE journal SET at_ms = 0", "DELETE FROM journal", "TRUNCATE journal", "DELETE FROM runs", "DROP TABLE journal"] {
            do {
                try await TestPostgres.execute(sql, at: worker)
                Issue.record("the worker role may run \(sql)")
            } catch {
                #expect("\(error)".contains("42501") || "\(error)".contains("permission denied") || "\(error)".contains("must be owner"), "\(sql): \(error)")
            }
        }
    }
}
