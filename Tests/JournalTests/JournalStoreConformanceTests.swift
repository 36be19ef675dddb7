import Journal
import RunStateMachine
import SystemSupport
import Testing
import TestSupport

/// A store the contract runs against: how to open a fresh, empty one.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let open: @Sendable () async throws -> any JournalStore

    var testDescription: String { name }

    /// The embedded store, in a fresh directory.
    static let sqlite = StoreFactory(name: "SQLite") {
        try SQLiteJournal.open(path: TemporaryDirectory().file("j.sqlite"))
    }

    /// The shared store, in a fresh schema of the test cluster (``TestPostgres``).
    static let postgres = StoreFactory(name: "PostgreSQL") {
        try await TestPostgres.freshJournal()
    }

    /// Every store this build has.
    static let all: [StoreFactory] = [.sqlite, .postgres]
}

/// The store protocol's contract, written once against ``JournalStore`` and run against every
/// store (``StoreFactory/all``): what the runtime relies on, whatever holds the journal.
@Suite("Journal store contract")
struct JournalStoreConformanceTests {
    @Test("submit is idempotent by key; another input under the key is a conflict and changes nothing", arguments: StoreFactory.all)
    func idempotentSubmit(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        let first = try await store.submit(TestJobs.shell(key: "order-42"), at: t0)
        let again = try await store.submit(TestJobs.shell(key: "order-42"), at: t0.adding(seconds: 5))
        #expect(first.created && !again.created)
        #expect(again.run == first.run)
        let head = try await store.head()
        await #expect(throws: JournalError(.idempotencyConflict, "")) {
            try await store.submit(TestJobs.shell(steps: 4, key: "order-42"), at: t0)
        }
        #expect(try await store.head()?.seq == head?.seq)
        #expect(try await store.runs(.all, limit: 10).count == 1)
    }

    @Test("appends are fenced: a stale epoch is refused, the journal unchanged; a finished run takes nothing more", arguments: StoreFactory.all)
    func fencedAppends(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        var old = try await submitAndLease(store, owner: "worker-a")
        try await old.apply(.start, at: t0)
        // worker-b knows worker-a is dead (or takes the run after its lease ran out).
        let newer = try await store.acquireLease(run: old.lease.run.id, owner: "worker-b", ttlMilliseconds: 30_000, at: t0.adding(seconds: 60), takingOver: true)
        #expect(newer.epoch == old.lease.epoch + 1)
        let head = try await store.head()
        await #expect(throws: JournalError(.staleEpoch, "")) {
            try await old.apply(.sandboxCreated(intent: IntentID(seq: 3, index: 0), sandbox: SandboxID("sbx")), at: t0)
        }
        #expect(try await store.head()?.seq == head?.seq)
        var current = try await JournaledRun<SandboxJob>.load(newer, from: store)
        try await driveToSuccess(&current)
        #expect(try await store.run(matching: current.lease.run.id.value).terminal)
        await #expect(throws: JournalError(.runFinished, "")) {
            _ = try await store.acquireLease(run: current.lease.run.id, owner: "worker-c", ttlMilliseconds: 1000, at: t0.adding(seconds: 120), takingOver: true)
        }
    }

    @Test("leases: one live owner at a time, kept alive by its heartbeat; run out or released, the next owner takes the next epoch", arguments: StoreFactory.all)
    func leases(_ factory: StoreFactory) async throws {
        // In real time: a server store judges expiry by its own clock, not the callers'.
        let store = try await factory.open()
        defer { store.close() }
        let run = try await store.submit(TestJobs.shell(), at: WallClock.now()).run
        // A lease taken for a moment, kept alive by the owner's heartbeat.
        try await store.heartbeat(owner: "a", ttlMilliseconds: 10_000, at: WallClock.now())
        let first = try await store.acquireLease(run: run.id, owner: "a", ttlMilliseconds: 1, at: WallClock.now(), takingOver: false)
        try await Task.sleep(for: .milliseconds(5))
        await #expect(throws: JournalError(.leaseHeld, "")) {
            _ = try await store.acquireLease(run: run.id, owner: "b", ttlMilliseconds: 10_000, at: WallClock.now(), takingOver: false)
        }
        #expect(try await store.runnable(at: WallClock.now(), limit: 10, ignoringLeases: false).isEmpty)
        // The heartbeat stops (a beat that runs out at once): the lease runs out.
        try await store.heartbeat(owner: "a", ttlMilliseconds: 1, at: WallClock.now())
        try await eventually("the lease runs out with the heartbeat") {
            (try? await store.runnable(at: WallClock.now(), limit: 10, ignoringLeases: false).count) == 1
        }
        let second = try await store.acquireLease(run: run.id, owner: "b", ttlMilliseconds: 10_000, at: WallClock.now(), takingOver: false)
        #expect(second.epoch == first.epoch + 1)
        // a's heartbeat, back, keeps nothing of the run: b holds it.
        try await store.heartbeat(owner: "a", ttlMilliseconds: 10_000, at: WallClock.now())
        #expect(try await store.run(matching: run.id.value).leaseOwner == "b")
        try await store.releaseLease(second)
        let third = try await store.acquireLease(run: run.id, owner: "c", ttlMilliseconds: 10_000, at: WallClock.now(), takingOver: false)
        #expect(third.epoch == second.epoch + 1)
        #expect(try await store.run(matching: run.id.value).leaseOwner == "c")
        // A worker that stops lets all its leases go at once.
        try await store.releaseLeases(owner: "c")
        #expect(try await store.runnable(at: WallClock.now(), limit: 10, ignoringLeases: false).map(\.run) == [run])
    }

    @Test("claims: runs leased before first, then the oldest; each run to one claimer; exclusions and parked runs left alone; a run the claimer leased but does not drive is claimed again", arguments: StoreFactory.all)
    func claims(_ factory: StoreFactory) async throws {
        // In real time: a server store judges expiry by its own clock.
        let store = try await factory.open()
        defer { store.close() }
        var runs: [RunRef] = []
        for index in 0..<6 {
            runs.append(try await store.submit(TestJobs.shell(name: "run-\(index)"), at: WallClock.now()).run)
        }
        // Run 6 was leased by a worker that stopped in the middle of it.
        var interrupted = try await store.acquireLease(run: runs[5].id, owner: "gone", ttlMilliseconds: 60_000, at: WallClock.now(), takingOver: false)
        try await store.releaseLeases(owner: "gone")
        func claim(_ owner: String, _ limit: Int, excluding: Set<Int64> = [], unchanged: [Int64: Int64] = [:]) async throws -> [Lease] {
            try await store.claim(
                ClaimRequest(owner: owner, host: "h1", ttlMilliseconds: 60_000, limit: limit, at: WallClock.now(), excluding: excluding, unchangedSince: unchanged)
            ).map(\.lease)
        }
        let first = try await claim("w1", 2)
        #expect(first.map(\.run) == [runs[5], runs[0]])
        #expect(first[0].epoch == interrupted.epoch + 1 && first[1].epoch == 1)
        #expect(first.allSatisfy { $0.owner == "w1" })
        interrupted = first[0]
        // A cancel request comes with the claimed run.
        _ = try await store.requestCancel(run: runs[1].id.value, reason: "not needed", at: WallClock.now())
        // w2 leaves run 3 alone (excluded), and run 4 while nothing follows its last record.
        let parkedSeq = try await store.run(matching: runs[3].id.value).lastSeq
        let second = try await store.claim(
            ClaimRequest(owner: "w2", host: "h1", ttlMilliseconds: 60_000, limit: 10, at: WallClock.now(), excluding: [runs[2].number], unchangedSince: [runs[3].number: parkedSeq])
        )
        #expect(second.map(\.lease.run) == [runs[1], runs[4]])
        #expect(second.map(\.cancelRequested) == [true, false])
        // A parked run whose last record moved on is claimed.
        #expect(try await claim("w3", 10, unchanged: [runs[3].number: parkedSeq - 1]).map(\.run) == [runs[2], runs[3]])
        // Nothing is left but w1's own runs: one it drives (excluded), one it does not (claimed
        // again at the next epoch, not kept alive undriven by its heartbeat).
        #expect(try await claim("w5", 10).isEmpty)
        let again = try await claim("w1", 10, excluding: [runs[5].number])
        #expect(again.map(\.run) == [runs[0]])
        #expect(again.first?.epoch == first[1].epoch + 1)
        // The claimed lease fences as any other.
        var driven = try await JournaledRun<SandboxJob>.load(again[0], from: store)
        try await driven.apply(.start, at: WallClock.now())
        #expect(try await claim("w1", 0).isEmpty)
        // A finished run is never claimed.
        try await driveToSuccess(&driven)
        try await store.releaseLeases(owner: "w1")
        try await store.releaseLeases(owner: "w2")
        try await store.releaseLeases(owner: "w3")
        let rest = try await claim("w4", 10)
        #expect(Set(rest.map(\.run)) == Set(runs.filter { $0 != runs[0] }))
    }

    @Test("the lease horizon: how long until another owner's first live lease runs out; none for the asker's own, released or finished runs' leases", arguments: StoreFactory.all)
    func leaseHorizon(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        #expect(try await store.millisecondsUntilNextLeaseRunsOut(otherThan: "b", host: "h1", at: WallClock.now()) == nil)
        let first = try await store.submit(TestJobs.shell(name: "first"), at: WallClock.now()).run
        let second = try await store.submit(TestJobs.shell(name: "second"), at: WallClock.now()).run
        _ = try await store.acquireLease(run: first.id, owner: "a", ttlMilliseconds: 60_000, at: WallClock.now(), takingOver: false)
        _ = try await store.acquireLease(run: second.id, owner: "a", ttlMilliseconds: 30_000, at: WallClock.now(), takingOver: false)
        let horizon = try await store.millisecondsUntilNextLeaseRunsOut(otherThan: "b", host: "h1", at: WallClock.now())
        #expect(horizon.map { (25_000...30_000).contains($0) } == true, "\(String(describing: horizon))")
        #expect(try await store.millisecondsUntilNextLeaseRunsOut(otherThan: "a", host: "h1", at: WallClock.now()) == nil)
        try await store.releaseLeases(owner: "a")
        #expect(try await store.millisecondsUntilNextLeaseRunsOut(otherThan: "b", host: "h1", at: WallClock.now()) == nil)
    }

    @Test("host affinity: a run holding resources on a host is taken there as soon as its lease is free, elsewhere only after its grace past the holder's lease and last heartbeat", arguments: StoreFactory.all)
    func hostAffinity(_ factory: StoreFactory) async throws {
        // In real time: a server store judges expiry by its own clock. Graces are either far
        // longer than the test or shorter than a poll, so a slow machine changes nothing.
        let store = try await factory.open()
        defer { store.close() }
        func submit(_ name: String, tiedTo affinity: HostAffinity?) async throws -> RunRef {
            let run = try await submitAndLease(store, spec: TestJobs.shell(name: name), owner: "a", at: WallClock.now(), ttlMilliseconds: 200)
            let transition = try run.machine.checkedTransition(from: run.state, on: .start, seq: run.lastRunSeq + 1)
            _ = try await store.append(
                AppendRequest(
                    machine: run.machine, run: run.lease.run, runSeq: run.lastRunSeq + 1, previousSeq: run.lastSeq, epoch: run.lease.epoch,
                    at: WallClock.now(), event: .start, transition: transition, affinity: affinity
                )
            )
            return run.lease.run
        }
        func claim(_ owner: String, on host: String, _ limit: Int = 10) async throws -> [RunRef] {
            try await store.claim(ClaimRequest(owner: owner, host: host, ttlMilliseconds: 60_000, limit: limit, at: WallClock.now())).map(\.lease.run)
        }
        let grace: Int64 = 600_000
        let untied = try await submit("untied", tiedTo: nil)
        let tied = try await submit("tied", tiedTo: HostAffinity(host: "h1", graceMilliseconds: grace))
        try await store.heartbeat(owner: "a", ttlMilliseconds: 200, at: WallClock.now())
        // Worker a stops: its leases go at once, its last heartbeat stays on record.
        try await store.releaseLeases(owner: "a")
        // A worker on another host takes only the untied run, and learns when the tied one frees up.
        #expect(try await claim("b", on: "h2") == [untied])
        let wait = try await store.millisecondsUntilNextLeaseRunsOut(otherThan: "b", host: "h2", at: WallClock.now())
        #expect(wait.map { (grace - 60_000...grace + 200).contains($0) } == true, "\(String(describing: wait))")
        // On the run's own host it is free now, and taken at once.
        #expect(try await store.millisecondsUntilNextLeaseRunsOut(otherThan: "b", host: "h1", at: WallClock.now()) == nil)
        #expect(try await claim("c", on: "h1") == [tied])
        // Once its grace past the holder's lease (here unrenewed, not released) is over, a run
        // is taken from another host too.
        let brief = try await submit("brief", tiedTo: HostAffinity(host: "h1", graceMilliseconds: 100))
        try await eventually("the other host takes the run", every: 50) { (try? await claim("d", on: "h2")) == [brief] }
    }

    @Test("witnesses: the journal agrees with its own head seen before; a rewritten journal with a valid chain, or one that lost records, does not", arguments: StoreFactory.all)
    func witnesses(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        #expect(try await store.witness() == nil)
        _ = try await store.submit(TestJobs.shell(name: "first"), at: t0)
        let early = try #require(try await store.witness())
        _ = try await store.submit(TestJobs.shell(name: "second"), at: t0)
        let late = try #require(try await store.witness())
        #expect(late.seq > early.seq)
        #expect(try await store.check([early, late, early]).isEmpty)
        // Another history of the same length: its chain is whole, but it is not the one witnessed.
        let rewritten = try await factory.open()
        defer { rewritten.close() }
        _ = try await rewritten.submit(TestJobs.shell(name: "forged"), at: t0)
        _ = try await rewritten.submit(TestJobs.shell(name: "second"), at: t0)
        #expect(try await rewritten.verify(registry: .standard, maxProblems: 10).ok)
        let found = try await rewritten.check([early, late])
        #expect(found.map(\.code) == [.witnessMismatch, .witnessMismatch])
        #expect(found.map(\.seq) == [early.seq, late.seq])
        // A journal that has lost the witnessed records.
        let short = try await factory.open()
        defer { short.close() }
        _ = try await short.submit(TestJobs.shell(name: "first"), at: t0)
        #expect(try await short.check([late]).map(\.code) == [.truncated])
    }

    @Test("a cancel request is kept until cleared, and refused for a finished run", arguments: StoreFactory.all)
    func cancelRequests(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        let run = try await store.submit(TestJobs.shell(), at: t0).run
        _ = try await store.requestCancel(run: run.id.value, reason: "not needed", at: t0)
        #expect(try await store.operatorRequests() == [run.number])
        #expect(try await store.operatorRequest(runNo: run.number) == .cancel(reason: "not needed"))
        try await store.clearOperatorRequest(runNo: run.number)
        #expect(try await store.operatorRequests().isEmpty)
        #expect(try await store.operatorRequest(runNo: run.number) == nil)
        var done = try await submitAndLease(store)
        try await driveToSuccess(&done)
        await #expect(throws: JournalError(.runFinished, "")) {
            _ = try await store.requestCancel(run: done.lease.run.id.value, reason: "late", at: t0)
        }
    }

    @Test("an operator's decision: only for a run parked for one, replaced by a cancel, refused while a cancel waits, kept until cleared", arguments: StoreFactory.all)
    func resolutionRequests(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        func resolve(_ run: RunRef, _ resolution: Resolution = .retry, note: String = "checked") async throws -> RunSummary {
            try await store.requestResolution(run: run.id.value, resolution: resolution, note: note, at: t0, whileIn: "needsAttention")
        }
        let queued = try await store.submit(TestJobs.shell(name: "queued"), at: t0).run
        await #expect(throws: JournalError(.notParked, "")) { _ = try await resolve(queued) }
        #expect(try await store.operatorRequests().isEmpty)
        // A run whose step's outcome was lost waits for an operator.
        var parked = try await submitAndLease(store, spec: TestJobs.shell(name: "parked"))
        try await parked.apply(.start, at: t0)
        try await parked.apply(.sandboxCreated(intent: IntentID(seq: 3, index: 0), sandbox: SandboxID("sbx")), at: t0)
        try await parked.apply(.effectInDoubt(intent: IntentID(seq: 4, index: 0), reason: "the worker died mid-step"), at: t0)
        #expect(parked.state.name == "needsAttention")
        let run = parked.lease.run
        #expect(try await resolve(run, .skip, note: "the ledger shows it ran").run == run)
        #expect(try await store.operatorRequests() == [run.number])
        #expect(try await store.operatorRequest(runNo: run.number) == .resolve(.skip, note: "the ledger shows it ran"))
        // Asking again replaces the decision; a cancel replaces it too, and then decides alone.
        _ = try await resolve(run, .fail, note: "give up")
        #expect(try await store.operatorRequest(runNo: run.number) == .resolve(.fail, note: "give up"))
        _ = try await store.requestCancel(run: run.id.value, reason: "not needed", at: t0)
        #expect(try await store.operatorRequest(runNo: run.number) == .cancel(reason: "not needed"))
        await #expect(throws: JournalError(.notParked, "")) { _ = try await resolve(run) }
        #expect(try await store.operatorRequest(runNo: run.number) == .cancel(reason: "not needed"))
        try await store.clearOperatorRequest(runNo: run.number)
        #expect(try await store.operatorRequest(runNo: run.number) == nil)
        var done = try await submitAndLease(store)
        try await driveToSuccess(&done)
        await #expect(throws: JournalError(.runFinished, "")) { _ = try await resolve(done.lease.run) }
    }

    @Test("queries: filters, runnable runs (interrupted ones first), id prefixes, unknown ids", arguments: StoreFactory.all)
    func queries(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        let waiting = try await store.submit(TestJobs.shell(name: "waiting"), at: t0).run
        let leasedAt = WallClock.now()
        var interrupted = try await submitAndLease(store, at: leasedAt)
        try await interrupted.apply(.start, at: leasedAt)
        var finished = try await submitAndLease(store, at: t0.adding(seconds: 2))
        try await driveToSuccess(&finished)
        #expect(try await store.runs(.all, limit: 10).count == 3)
        #expect(try await store.runs(.unfinished, limit: 10).map(\.run) == [waiting, interrupted.lease.run])
        #expect(try await store.runs(.state("succeeded"), limit: 10).map(\.run) == [finished.lease.run])
        #expect(try await store.unfinishedRunIDs() == [waiting.id.value, interrupted.lease.run.id.value])
        // Before the interrupted run's lease expires (in real time) only the waiting one is
        // runnable; after, the interrupted one comes first.
        #expect(try await store.runnable(at: WallClock.now(), limit: 10, ignoringLeases: false).map(\.run) == [waiting])
        try await store.releaseLeases(owner: interrupted.lease.owner)
        try await eventually("the interrupted run's lease runs out") {
            (try? await store.runnable(at: WallClock.now(), limit: 10, ignoringLeases: false).count) == 2
        }
        #expect(try await store.runnable(at: WallClock.now(), limit: 10, ignoringLeases: false).map(\.run) == [interrupted.lease.run, waiting])
        #expect(try await store.runnable(at: t0, limit: 10, ignoringLeases: true).count == 2)
        #expect(try await store.run(matching: String(waiting.id.value.prefix(12))).run == waiting)
        await #expect(throws: JournalError(.unknownRun, "")) {
            _ = try await store.run(matching: "zzzzzzzzzzzzzzzzzzzzzzzzzz")
        }
    }

    @Test("records chain, replay through the machine, and verify", arguments: StoreFactory.all)
    func audit(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        var run = try await submitAndLease(store)
        try await driveToSuccess(&run)
        let records = try await store.records(of: run.lease.run)
        #expect(records.map(\.runSeq) == Array(1...records.count))
        #expect(try await store.head()?.hash == records.last?.hash)
        #expect(try await store.recordCounts()[.created] == 1)
        #expect(MachineRegistry.standard.replay(records).stateName == "succeeded")
        #expect(try await store.replayAll(registry: .standard, workers: 2)[run.lease.run.number]?.stateName == "succeeded")
        #expect(try await store.verify(registry: .standard, maxProblems: 10).ok)
        #expect(try await store.upgradeCheck(registry: .standard).ok)
    }

    @Test("pages: newest first, older than the cursor, with whether more follow; an unknown cursor is refused", arguments: StoreFactory.all)
    func pages(_ factory: StoreFactory) async throws {
        let store = try await factory.open()
        defer { store.close() }
        var runs: [RunRef] = []
        for index in 0..<5 {
            runs.append(try await store.submit(TestJobs.shell(), at: t0.adding(seconds: index)).run)
        }
        let first = try await store.page(.all, olderThan: nil, limit: 2)
        #expect(first.runs.map(\.run) == [runs[4], runs[3]] && first.hasMore)
        let second = try await store.page(.all, olderThan: runs[3].id, limit: 2)
        #expect(second.runs.map(\.run) == [runs[2], runs[1]] && second.hasMore)
        let last = try await store.page(.all, olderThan: runs[1].id, limit: 2)
        #expect(last.runs.map(\.run) == [runs[0]] && !last.hasMore)
        #expect(try await store.page(.state("queued"), olderThan: nil, limit: 10).runs.count == 5)
        #expect(try await store.page(.state("succeeded"), olderThan: nil, limit: 10).runs.isEmpty)
        await #expect(throws: JournalError(.unknownRun, "")) {
            _ = try await store.page(.all, olderThan: RunID("zzzzzzzzzzzzzzzzzzzzzzzzzz")!, limit: 2)
        }
    }
}
