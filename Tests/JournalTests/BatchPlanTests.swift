@testable import Journal
@testable import JournalPostgres
import PostgresNIO
import RunStateMachine
import Testing
import TestSupport

/// The PostgreSQL store's batch planner, without a database: (snapshot, writes) → (records,
/// heads, leases, replies). Each write is decided as if the writes before it had committed.
@Suite("PostgreSQL batch plan")
struct BatchPlanTests {
    static let now: Int64 = 1_000_000

    /// A run at its lease record (number 2, record 2 at seq 10), leased by `owner` at `epoch`
    /// until `expires`.
    static func snapshot(owner: String = "a", epoch: Int64 = 1, expires: Int64 = now + 5000) -> BatchSnapshot {
        var snapshot = BatchSnapshot()
        snapshot.chainSeq = 10
        snapshot.chainHash = Array(repeating: 7, count: 32)
        snapshot.nowMilliseconds = now
        let id = RunID.generate(at: t0)
        snapshot.heads[2] = BatchSnapshot.Head(
            runNo: 2, runID: id.value, stateName: "queued", terminal: false, lastRunSeq: 2, lastSeq: 10, leaseEpoch: epoch,
            updatedMilliseconds: 0, lease: BatchSnapshot.LeaseRow(owner: owner, epoch: epoch, expiresMilliseconds: expires)
        )
        snapshot.numbers[id.value] = 2
        return snapshot
    }

    static func append(_ snapshot: BatchSnapshot, runSeq: Int, previous: Int64, epoch: Int64 = 1, terminal: Bool = false) -> AppendRequest {
        let head = snapshot.heads[2]!
        var request = AppendRequest(
            machine: SandboxJob(input: TestJobs.shell(), submittedAt: t0, revision: 1),
            run: RunRef(id: RunID(head.runID)!, number: 2),
            runSeq: runSeq,
            previousSeq: previous,
            epoch: epoch,
            at: t0,
            event: .start,
            transition: try! SandboxJob(input: TestJobs.shell(), submittedAt: t0, revision: 1).checkedStart()
        )
        request.terminal = terminal
        request.stateName = terminal ? "succeeded" : "running"
        return request
    }

    @Test("two appends to one run in one batch: the second follows the first; the chain advances by two")
    func appendsInOrder() throws {
        let snapshot = Self.snapshot()
        let plan = BatchPlan([.append(Self.append(snapshot, runSeq: 3, previous: 10)), .append(Self.append(snapshot, runSeq: 4, previous: 11))], over: snapshot)
        #expect(plan.records.map(\.seq) == [11, 12])
        #expect(plan.records.map(\.runPrev) == [10, 11])
        #expect(plan.records[0].prevHash == snapshot.chainHash && plan.records[1].prevHash == plan.records[0].hash)
        #expect(plan.chainSeq == 12 && plan.chainHash == plan.records[1].hash)
        #expect(plan.heads[2]?.lastRunSeq == 4 && plan.heads[2]?.lastSeq == 12)
        #expect(try plan.replies.map { try $0.get() }.count == 2)
        // Appends leave the lease row alone: it is not rewritten with every record.
        #expect(plan.leases.isEmpty)
    }

    @Test("a stale epoch, a wrong position and a finished run are refused; the refusal appends nothing and the next write goes on")
    func refusals() {
        var snapshot = Self.snapshot(epoch: 2)
        let stale = Self.append(snapshot, runSeq: 3, previous: 10, epoch: 1)
        let misplaced = Self.append(snapshot, runSeq: 5, previous: 10, epoch: 2)
        let good = Self.append(snapshot, runSeq: 3, previous: 10, epoch: 2)
        let plan = BatchPlan([.append(stale), .append(misplaced), .append(good)], over: snapshot)
        #expect(plan.replies.map(\.code) == [.staleEpoch, .sequenceConflict, nil])
        #expect(plan.records.map(\.seq) == [11])
        snapshot.heads[2]?.terminal = true
        #expect(BatchPlan([.append(good)], over: snapshot).replies.map(\.code) == [.runFinished])
    }

    @Test("a lease is judged by the database's clock: held until it runs out there, whatever the caller's clock says")
    func leaseByDatabaseClock() throws {
        let snapshot = Self.snapshot(owner: "a", expires: Self.now + 1)
        let id = RunID(snapshot.heads[2]!.runID)!
        let farFuture = t0.adding(seconds: 86_400)
        let held = BatchPlan([.acquire(LeaseRequest(run: id, owner: "b", ttlMilliseconds: 1000, at: farFuture, takingOver: false))], over: snapshot)
        #expect(held.replies.map(\.code) == [.leaseHeld])
        #expect(held.records.isEmpty)
        var expired = snapshot
        expired.nowMilliseconds = Self.now + 1
        let taken = BatchPlan([.acquire(LeaseRequest(run: id, owner: "b", ttlMilliseconds: 1000, at: t0, takingOver: false))], over: expired)
        guard case .leased(let lease) = try taken.replies[0].get() else { Issue.record("no lease"); return }
        #expect(lease.epoch == 2 && lease.runSeq == 3 && lease.seq == 11)
        #expect(taken.leases[2] == BatchSnapshot.LeaseRow(owner: "b", epoch: 2, expiresMilliseconds: Self.now + 1 + 1000))
        #expect(taken.records.map(\.kind) == [.lease])
    }

    @Test("a lease lives as long as its owner's heartbeat; a heartbeat and a retirement are written for the owner")
    func heartbeats() throws {
        var snapshot = Self.snapshot(owner: "a", expires: Self.now - 1)
        snapshot.heads[2]?.lease?.heartbeatMilliseconds = Self.now + 100
        let id = RunID(snapshot.heads[2]!.runID)!
        let held = BatchPlan([.acquire(LeaseRequest(run: id, owner: "b", ttlMilliseconds: 1000, at: t0, takingOver: false))], over: snapshot)
        #expect(held.replies.map(\.code) == [.leaseHeld])
        snapshot.heads[2]?.lease?.heartbeatMilliseconds = Self.now
        let taken = BatchPlan([.acquire(LeaseRequest(run: id, owner: "b", ttlMilliseconds: 1000, at: t0, takingOver: false))], over: snapshot)
        #expect(taken.replies.map(\.code) == [nil])
        let beats = BatchPlan([.heartbeat(owner: "a", ttlMilliseconds: 500), .retire(owner: "c")], over: snapshot)
        #expect(beats.heartbeats == ["a": Self.now + 500] && beats.retired == ["c"])
        #expect(beats.records.isEmpty)
    }

    @Test("a claim leases the runs it locked, unless a write before it in the batch took one or the run is one it leaves alone")
    func claims() throws {
        var snapshot = Self.snapshot(owner: "a", expires: Self.now - 1)
        let id = RunID(snapshot.heads[2]!.runID)!
        let other = RunID.generate(at: t0.adding(seconds: 1))
        snapshot.heads[3] = BatchSnapshot.Head(
            runNo: 3, runID: other.value, stateName: "queued", terminal: false, lastRunSeq: 1, lastSeq: 9, leaseEpoch: 0,
            updatedMilliseconds: 0, lease: nil
        )
        snapshot.claimed[1] = [2, 3]
        let claim = ClaimRequest(owner: "c", host: "h1", ttlMilliseconds: 1000, limit: 2, at: t0)
        // b takes run 2 first in the same batch: the claim gets run 3 alone.
        let plan = BatchPlan([.acquire(LeaseRequest(run: id, owner: "b", ttlMilliseconds: 1000, at: t0, takingOver: false)), .claim(claim)], over: snapshot)
        guard case .claimed(let runs) = try plan.replies[1].get() else { Issue.record("no claim"); return }
        let leases = runs.map(\.lease)
        #expect(leases.map(\.run) == [RunRef(id: other, number: 3)])
        #expect(leases.first?.epoch == 1 && leases.first?.runSeq == 2 && leases.first?.seq == 12)
        #expect(plan.records.map(\.kind) == [.lease, .lease] && plan.records.map(\.runNo) == [2, 3])
        #expect(plan.leases[3] == BatchSnapshot.LeaseRow(owner: "c", epoch: 1, expiresMilliseconds: Self.now + 1000))
        // Alone, it takes both; left alone while unchanged, run 3 is not taken.
        var alone = snapshot
        alone.claimed = [0: [2, 3]]
        let both = BatchPlan([.claim(claim)], over: alone)
        #expect(both.records.map(\.runNo) == [2, 3])
        var parked = claim
        parked.unchangedSince = [3: 9]
        #expect(BatchPlan([.claim(parked)], over: alone).records.map(\.runNo) == [2])
    }

    @Test("a claim from another host leaves a run tied to a host until the grace after its holder's lease and heartbeat; the host's own takes it at once; an append ties and unties")
    func hostAffinity() throws {
        // Run 2's holder let go (a stopped worker): its heartbeat ran until now + 100.
        var snapshot = Self.snapshot(owner: "a", expires: 0)
        snapshot.heads[2]?.lease?.heartbeatMilliseconds = Self.now + 100
        snapshot.heads[2]?.affinity = HostAffinity(host: "h1", graceMilliseconds: 1000)
        snapshot.claimed[0] = [2]
        func claimed(on host: String, _ snapshot: BatchSnapshot) throws -> [Int64] {
            let plan = BatchPlan([.claim(ClaimRequest(owner: "c", host: host, ttlMilliseconds: 1000, limit: 1, at: t0))], over: snapshot)
            guard case .claimed(let runs) = try plan.replies[0].get() else { return [] }
            return runs.map(\.lease.run.number)
        }
        #expect(try claimed(on: "h2", snapshot).isEmpty)
        #expect(try claimed(on: "h1", snapshot) == [2])
        snapshot.heads[2]?.lease?.heartbeatMilliseconds = Self.now - 1000
        #expect(try claimed(on: "h2", snapshot) == [2])
        // Each append writes the affinity its request carries, none included.
        var tie = Self.append(Self.snapshot(), runSeq: 3, previous: 10)
        tie.affinity = HostAffinity(host: "h3", graceMilliseconds: 5)
        let tied = BatchPlan([.append(tie)], over: Self.snapshot())
        #expect(tied.heads[2]?.affinity == tie.affinity)
        var untied = Self.snapshot()
        untied.heads[2]?.affinity = tie.affinity
        #expect(BatchPlan([.append(Self.append(untied, runSeq: 3, previous: 10))], over: untied).heads[2].map { $0.affinity == nil } == true)
    }

    @Test("a release of a stale lease changes nothing")
    func staleRelease() {
        let snapshot = Self.snapshot(owner: "b", epoch: 2)
        let head = snapshot.heads[2]!
        let old = Lease(run: RunRef(id: RunID(head.runID)!, number: 2), owner: "a", epoch: 1, expiresAt: t0, runSeq: 2, seq: 10)
        let plan = BatchPlan([.release(old)], over: snapshot)
        #expect(plan.replies.map(\.code) == [nil] && plan.leases.isEmpty)
    }

    @Test("submits: a created run gets its first record; a known key with the same input returns the run, another input is a conflict")
    func submits() throws {
        let spec = TestJobs.shell(key: "k")
        let first = try PreparedSubmit(SandboxJob.self, input: spec, label: nil, idempotencyKey: "k", at: t0, id: nil)
        let again = try PreparedSubmit(SandboxJob.self, input: spec, label: nil, idempotencyKey: "k", at: t0, id: nil)
        let other = try PreparedSubmit(SandboxJob.self, input: TestJobs.shell(steps: 4, key: "k"), label: nil, idempotencyKey: "k", at: t0, id: nil)
        var snapshot = BatchSnapshot()
        snapshot.created[0] = 5
        snapshot.keyed["k"] = BatchSnapshot.KeyedRun(runNo: 5, runID: first.runID.value, inputHash: first.inputHash)
        let plan = BatchPlan([.submit(first), .submit(again), .submit(other)], over: snapshot)
        #expect(plan.replies.map(\.code) == [nil, nil, .idempotencyConflict])
        guard case .submitted(let created) = try plan.replies[0].get(), case .submitted(let found) = try plan.replies[1].get() else {
            Issue.record("not submitted")
            return
        }
        #expect(created.created && !found.created && found.run == created.run)
        #expect(plan.records.map(\.kind) == [.created] && plan.records[0].runNo == 5)
        #expect(plan.heads[5]?.lastSeq == 1)
    }
}

@Suite("PostgreSQL write statement")
struct WriteStatementTests {
    @Test("parts become CTEs of one statement, their parameters numbered on from the parts before")
    func renumbering() throws {
        var statement = WriteStatement()
        statement.add("INSERT INTO a SELECT * FROM unnest($1::int8[], $2::text[])", [PostgresArray(int8: [1]), PostgresArray(text: ["x"])])
        statement.add("UPDATE b SET x = ($1::int8[])[1], y = ($2::int8[])[1]", [PostgresArray(int8: [2]), PostgresArray(int8: [3])])
        let query = try #require(statement.query)
        #expect(query.sql == "WITH w0 AS (INSERT INTO a SELECT * FROM unnest($1::int8[], $2::text[])),\nw1 AS (UPDATE b SET x = ($3::int8[])[1], y = ($4::int8[])[1])\nSELECT 1")
        #expect(query.binds.count == 4)
        #expect(WriteStatement().query == nil)
    }
}

extension Result where Failure == JournalError {
    /// The error's code, `nil` for a success.
    fileprivate var code: JournalError.Code? {
        if case .failure(let error) = self { error.code } else { nil }
    }
}
