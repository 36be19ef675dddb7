import Journal
import RunStateMachine
@testable import Runtime
import Testing

/// The engine's decisions, input by input: which runs it takes, when it looks for more, when it
/// is idle. Each action is written as one line (runs by number, times relative to ``t0``).
@Suite("Engine machine")
struct EngineMachineTests {
    static let t0 = Timestamp(milliseconds: 1_900_000_000_000)

    static func options(concurrency: Int = 2, untilIdle: Bool = true) -> EngineOptions {
        EngineOptions(owner: "test", concurrency: concurrency, leaseMilliseconds: 3000, pollMilliseconds: 100, untilIdle: untilIdle)
    }

    static func run(_ number: Int64) -> RunRef {
        RunRef(id: RunID("01hz00000000000000000000" + (number < 10 ? "0\(number)" : "\(number)"))!, number: number)
    }

    static func summary(_ number: Int64, lastSeq: Int64 = 10, state: String = "queued") -> RunSummary {
        RunSummary(
            run: run(number), machine: "sandbox-job", machineVersion: "v", name: nil, idempotencyKey: nil, inputHash: "h",
            stateName: state, terminal: false, lastRunSeq: 2, lastSeq: lastSeq, leaseEpoch: 0, leaseOwner: nil,
            leaseExpiresAt: nil, createdAt: t0, updatedAt: t0
        )
    }

    /// Run `number` as a claim returns it.
    static func lease(_ number: Int64, seq: Int64 = 11, cancelRequested: Bool = false) -> ClaimedRun {
        ClaimedRun(
            lease: Lease(run: run(number), owner: "test", epoch: 1, expiresAt: t0.adding(milliseconds: 3000), runSeq: 3, seq: seq),
            cancelRequested: cancelRequested
        )
    }

    struct Step {
        var engine: EngineMachine
        var now = EngineMachineTests.t0

        init(_ options: EngineOptions) { engine = EngineMachine(options: options) }

        mutating func start() -> [String] { engine.start(now: now).map(Self.describe) }

        /// Starts the engine, its first claim returning these runs; what it does then.
        mutating func started(with runs: [Int64]) -> [String] {
            _ = start()
            return feed(.claimed(runs.map { EngineMachineTests.lease($0) }))
        }
        /// Whether a read of the lease horizon is answered at once with "no other worker holds a
        /// lease" and left out of what is returned (the tests of other decisions).
        var answersHorizon = true

        mutating func feed(_ input: EngineMachine.Input) -> [String] {
            let actions = engine.handle(input, now: now)
            if answersHorizon, case .loadLeaseHorizon? = actions.last {
                return actions.dropLast().map(Self.describe) + feed(.leaseHorizon(nil))
            }
            return actions.map(Self.describe)
        }

        static func describe(_ action: EngineMachine.Action) -> String {
            switch action {
            case .claim(let request):
                "claim \(request.limit)"
                    + (request.excluding.isEmpty ? "" : " excluding \(request.excluding.sorted())")
                    + (request.unchangedSince.isEmpty ? "" : " unchanged \(request.unchangedSince.sorted { $0.key < $1.key }.map { "\($0.key)@\($0.value)" })")
            case .loadCancelRequests: "loadCancelRequests"
            case .loadUnfinished: "loadUnfinished"
            case .loadLeaseHorizon: "loadLeaseHorizon"
            case .drive(let lease, let checkCancel): "drive \(lease.run.number)\(checkCancel ? " checkCancel" : "")"
            case .release(let lease): "release \(lease.run.number)"
            case .signalCancel(let number): "signalCancel \(number)"
            case .armPoll(let at): "armPoll +\(at.milliseconds - EngineMachineTests.t0.milliseconds)"
            case .awaitWakeUp: "awaitWakeUp"
            case .heartbeat(let at): "heartbeat +\(at.milliseconds - EngineMachineTests.t0.milliseconds)"
            case .armHeartbeat(let at): "armHeartbeat +\(at.milliseconds - EngineMachineTests.t0.milliseconds)"
            case .stopDrivers: "stopDrivers"
            case .finish(let summary): "finish \(summary.finished) finished, \(summary.parked) parked, \(summary.halted.count) halted, \(summary.broken.count) broken, \(summary.stopped) stopped"
            }
        }
    }

    @Test("claims runs for its free slots, drives them, claims again as slots free up, and returns once idle")
    func drivesUntilIdle() {
        var step = Step(Self.options())
        #expect(step.start() == ["heartbeat +0", "awaitWakeUp", "claim 2"])
        #expect(step.feed(.claimed([Self.lease(1), Self.lease(2)])) == ["drive 1", "drive 2", "armPoll +100"])
        // The claim was full: there may be more.
        #expect(step.feed(.drove(Self.run(1), .finished(state: "succeeded"))) == ["claim 1 excluding [2]"])
        #expect(step.feed(.claimed([])) == [])
        // It came back short: every runnable run is taken; no claim until the poll.
        #expect(step.feed(.drove(Self.run(2), .finished(state: "succeeded"))) == ["loadUnfinished"])
        #expect(step.feed(.unfinished([])) == ["stopDrivers", "finish 2 finished, 0 parked, 0 halted, 0 broken, 0 stopped"])
    }

    @Test("back-pressure: a run is claimed only once a driver slot is free; one claim at a time, the slots freed meanwhile filled by the next")
    func concurrencyLimit() {
        var step = Step(Self.options())
        #expect(step.started(with: [1, 2]) == ["drive 1", "drive 2", "armPoll +100"])
        #expect(step.feed(.drove(Self.run(1), .finished(state: "succeeded"))) == ["claim 1 excluding [2]"])
        #expect(step.feed(.drove(Self.run(2), .finished(state: "succeeded"))) == [])
        #expect(step.feed(.claimed([Self.lease(3)])) == ["drive 3", "claim 1 excluding [3]"])
    }

    @Test("a parked run is not claimed again until a record follows its last, or its wakeup comes")
    func parkedRuns() {
        var step = Step(Self.options(untilIdle: false))
        _ = step.started(with: [1])
        let wakeup = Self.t0.adding(milliseconds: 60_000)
        #expect(step.feed(.drove(Self.run(1), .parked(state: "retryWait", wakeup: wakeup, lastSeq: 10))) == ["loadUnfinished"])
        // Not idle-returning (the engine serves until stopped): it waits for the next poll.
        #expect(step.feed(.unfinished([Self.summary(1)])) == [])
        #expect(step.feed(.pollDue) == ["claim 2 unchanged [\"1@10\"]"])
        #expect(step.feed(.claimed([])) == ["loadUnfinished"])
        #expect(step.feed(.unfinished([Self.summary(1)])) == ["armPoll +100"])
        // A record was appended (an operator's decision): the store returns it.
        #expect(step.feed(.pollDue) == ["claim 2 unchanged [\"1@10\"]"])
        #expect(step.feed(.claimed([Self.lease(1, seq: 12)])) == ["drive 1", "armPoll +100"])
    }

    @Test("a parked run whose wakeup came is claimed again")
    func wakeupComes() {
        var step = Step(Self.options(untilIdle: false))
        _ = step.started(with: [1])
        let wakeup = Self.t0.adding(milliseconds: 60_000)
        _ = step.feed(.drove(Self.run(1), .parked(state: "retryWait", wakeup: wakeup, lastSeq: 10)))
        _ = step.feed(.unfinished([Self.summary(1)]))
        step.now = wakeup
        #expect(step.feed(.pollDue) == ["claim 2"])
        #expect(step.feed(.claimed([Self.lease(1)])) == ["drive 1", "armPoll +60100"])
    }

    @Test("cancel requests: an active run's driver is signalled; a parked run is woken and driven with a check")
    func cancelRequests() {
        var step = Step(Self.options(concurrency: 4, untilIdle: false))
        #expect(step.started(with: [1, 2]) == ["drive 1", "drive 2", "armPoll +100"])
        #expect(step.feed(.drove(Self.run(2), .parked(state: "needsAttention", wakeup: nil, lastSeq: 10))) == [])
        #expect(step.feed(.pollDue) == ["loadCancelRequests"])
        #expect(step.feed(.cancelRequests([1, 2])) == ["signalCancel 1", "claim 3 excluding [1]"])
        #expect(step.feed(.claimed([Self.lease(2)])) == ["drive 2 checkCancel", "armPoll +100"])
    }

    @Test("a run claimed with a cancel request (read in the claim's transaction) is driven with a check")
    func claimedWithCancelRequest() {
        var step = Step(Self.options())
        _ = step.start()
        #expect(step.feed(.claimed([Self.lease(1, cancelRequested: true)])) == ["drive 1 checkCancel", "armPoll +100"])
    }

    @Test("a short claim on a shared store asks when another worker's first lease runs out, and claims again just after, before the poll")
    func leaseHorizon() {
        var step = Step(Self.options(concurrency: 2, untilIdle: false))
        step.answersHorizon = false
        _ = step.start()
        #expect(step.feed(.claimed([Self.lease(1)])) == ["drive 1", "loadLeaseHorizon"])
        // Another worker's lease runs out in 60 ms: the engine wakes 20 ms after that.
        #expect(step.feed(.leaseHorizon(60)) == ["armPoll +80"])
        step.now = Self.t0.adding(milliseconds: 80)
        #expect(step.feed(.pollDue) == ["loadCancelRequests"])
        #expect(step.feed(.cancelRequests([])) == ["claim 1 excluding [1]"])
        #expect(step.feed(.claimed([Self.lease(2)])) == ["drive 2", "armPoll +180"])
        // Later than the poll already armed: nothing more is armed.
        #expect(step.feed(.drove(Self.run(2), .finished(state: "succeeded"))) == ["claim 1 excluding [1]"])
        #expect(step.feed(.claimed([])) == ["loadLeaseHorizon"])
        #expect(step.feed(.leaseHorizon(5000)).isEmpty)
        // No other worker holds a lease: the poll alone.
        #expect(step.feed(.drove(Self.run(1), .finished(state: "succeeded"))) == ["loadUnfinished"])
        #expect(step.feed(.unfinished([])).isEmpty)
        step.now = Self.t0.adding(milliseconds: 180)
        #expect(step.feed(.pollDue) == ["claim 2"])
        #expect(step.feed(.claimed([])) == ["loadLeaseHorizon"])
        #expect(step.feed(.leaseHorizon(nil)) == ["loadUnfinished"])
        // An engine that owns its store takes over any lease at once: it never asks.
        var exclusive = Self.options(concurrency: 2, untilIdle: false)
        exclusive.exclusive = true
        var owner = Step(exclusive)
        owner.answersHorizon = false
        _ = owner.start()
        #expect(owner.feed(.claimed([Self.lease(1)])) == ["drive 1", "armPoll +100"])
    }

    @Test("a broken run is left alone; a halted one waits like a parked one; both are in the summary")
    func brokenAndHalted() {
        var step = Step(Self.options())
        _ = step.started(with: [1, 2])
        #expect(step.feed(.broken(Self.run(1), reason: "corrupt")) == ["claim 1 excluding [1, 2]"])
        #expect(step.feed(.claimed([])) == [])
        #expect(step.feed(.drove(Self.run(2), .halted(state: "provisioning", lastSeq: 10, reason: "undeclared edge"))) == ["loadUnfinished"])
        #expect(step.feed(.unfinished([Self.summary(1), Self.summary(2)])) == ["stopDrivers", "finish 0 finished, 0 parked, 1 halted, 1 broken, 0 stopped"])
        #expect(step.engine.summary.halted == ["undeclared edge"])
        #expect(step.engine.summary.broken == ["corrupt"])
    }

    @Test("an interrupted run is left out of claims until the next poll, then claimed like any other run")
    func interruptedThenClaimed() {
        var step = Step(Self.options(untilIdle: false))
        _ = step.started(with: [1])
        #expect(step.feed(.drove(Self.run(1), .interrupted(reason: "down"))) == ["loadUnfinished"])
        #expect(step.feed(.unfinished([Self.summary(1)])) == [])
        #expect(step.feed(.pollDue) == ["claim 2"])
        // Another worker took it meanwhile: the claim finds nothing, and the engine waits.
        #expect(step.feed(.claimed([])) == ["loadUnfinished"])
    }

    @Test("shutdown stops the drivers, takes nothing more, and returns once they have")
    func shutdown() {
        var step = Step(Self.options(untilIdle: false))
        _ = step.started(with: [1, 2])
        #expect(step.feed(.shutdown) == ["stopDrivers"])
        #expect(step.feed(.drove(Self.run(1), .stopped)) == [])
        #expect(step.feed(.drove(Self.run(2), .stopped)) == ["finish 0 finished, 0 parked, 0 halted, 0 broken, 2 stopped"])
        // Stopped while a claim is in flight: it finishes once the claim is back, driving none
        // of its runs (their leases are let go as the engine finishes).
        var claiming = Step(Self.options(untilIdle: false))
        #expect(claiming.start().last == "claim 2")
        #expect(claiming.feed(.shutdown) == ["stopDrivers"])
        #expect(claiming.feed(.claimed([Self.lease(1)])) == ["finish 0 finished, 0 parked, 0 halted, 0 broken, 0 stopped"])
    }

    @Test("the heartbeat: one at the start, the next a third of a lease after each, sooner after a failure, on while stopping")
    func heartbeat() {
        var step = Step(Self.options())
        #expect(step.start().first == "heartbeat +0")
        #expect(step.feed(.heartbeatDone(failure: nil)) == ["armHeartbeat +1000"])
        step.now = Self.t0.adding(milliseconds: 1000)
        #expect(step.feed(.heartbeatDue) == ["heartbeat +1000"])
        #expect(step.feed(.heartbeatDone(failure: "unreachable")) == ["armHeartbeat +1500"])
        _ = step.feed(.claimed([]))
        #expect(step.feed(.heartbeatDue) == ["heartbeat +1000"])
    }

    @Test("the store out of reach: a failed claim waits for a poll; an interrupted run is left out of claims until one, then claimed again (the store takes runs leased before first)")
    func storeOutOfReach() {
        var step = Step(Self.options(concurrency: 2, untilIdle: true))
        _ = step.start()
        #expect(step.feed(.claimFailed("down")) == ["loadUnfinished"])
        #expect(step.feed(.loadFailed("down")) == ["armPoll +100"])
        step.now = Self.t0.adding(milliseconds: 100)
        #expect(step.feed(.pollDue) == ["claim 2"])
        #expect(step.feed(.claimed([Self.lease(1), Self.lease(2)])) == ["drive 1", "drive 2", "armPoll +200"])
        // Run 1's driver lost the store mid-append: the run stays leased to this worker.
        #expect(step.feed(.drove(Self.run(1), .interrupted(reason: "down"))) == ["claim 1 excluding [1, 2]"])
        #expect(step.feed(.claimed([Self.lease(3)])) == ["drive 3"])
        #expect(step.feed(.drove(Self.run(2), .finished(state: "succeeded"))) == ["claim 1 excluding [1, 3]"])
        _ = step.feed(.claimed([]))
        step.now = Self.t0.adding(milliseconds: 200)
        #expect(step.feed(.pollDue) == ["loadCancelRequests"])
        #expect(step.feed(.cancelRequests([])) == ["claim 1 excluding [3]"])
        #expect(step.feed(.claimed([Self.lease(1, seq: 30)])) == ["drive 1", "armPoll +300"])
        #expect(step.engine.summary.interrupted == 1)
    }

    @Test("a hint from the store is a poll come early: an idle engine claims at once, a busy one reads cancel requests; the poll timer stays armed")
    func wakeUps() {
        var step = Step(Self.options(concurrency: 2, untilIdle: false))
        _ = step.start()
        #expect(step.feed(.claimed([])) == ["loadUnfinished"])
        #expect(step.feed(.unfinished([])) == ["armPoll +100"])
        // A run was submitted: looked for now, not at the poll.
        #expect(step.feed(.wakeUp) == ["awaitWakeUp", "claim 2"])
        #expect(step.feed(.claimed([Self.lease(1)])) == ["drive 1"])
        // A cancel was requested while run 1 runs: its driver is told now.
        #expect(step.feed(.wakeUp) == ["awaitWakeUp", "loadCancelRequests"])
        #expect(step.feed(.cancelRequests([1])) == ["signalCancel 1", "claim 1 excluding [1]"])
        #expect(step.feed(.claimed([])).isEmpty)
        // The poll armed before the hints still comes.
        step.now = Self.t0.adding(milliseconds: 100)
        #expect(step.feed(.pollDue) == ["loadCancelRequests"])
        // A stopping engine waits for no more hints.
        #expect(step.feed(.cancelRequests([1])) == ["signalCancel 1", "claim 1 excluding [1]"])
        _ = step.feed(.claimed([]))
        #expect(step.feed(.shutdown).first == "stopDrivers")
        #expect(step.feed(.wakeUp).isEmpty)
    }

    @Test("poll jitter: each poll comes 0 to the jitter later, a sequence of its own for each worker, the same in every replay")
    func pollJitter() {
        func polls(owner: String) -> [Int64] {
            var options = Self.options(concurrency: 1, untilIdle: false)
            options.owner = owner
            options.pollJitterMilliseconds = 50
            var step = Step(options)
            _ = step.start()
            _ = step.feed(.claimed([]))
            var armed: [Int64] = []
            for round in 0..<20 {
                let actions = round == 0 ? step.feed(.unfinished([])) : step.feed(.pollDue) + step.feed(.claimed([])) + step.feed(.unfinished([]))
                for action in actions where action.hasPrefix("armPoll +") {
                    armed.append(Int64(action.dropFirst("armPoll +".count))! - step.now.milliseconds + Self.t0.milliseconds)
                }
                step.now = step.now.adding(milliseconds: 1000)
            }
            return armed
        }
        let first = polls(owner: "host-a:1:x")
        #expect(first.count == 20)
        #expect(first.allSatisfy { (100...150).contains($0) }, "\(first)")
        #expect(Set(first).count > 5, "\(first)")
        #expect(polls(owner: "host-a:1:x") == first)
        #expect(polls(owner: "host-b:1:x") != first)
    }

    @Test("an interrupted run is driven by one driver at a time: claims leave it out until the next poll, a store that returns it anyway gets its lease back")
    func interruptedRunOneDriver() {
        var step = Step(Self.options(concurrency: 2, untilIdle: true))
        _ = step.start()
        #expect(step.feed(.claimed([Self.lease(1), Self.lease(2)])) == ["drive 1", "drive 2", "armPoll +100"])
        #expect(step.feed(.drove(Self.run(1), .interrupted(reason: "down"))) == ["claim 1 excluding [1, 2]"])
        #expect(step.feed(.claimed([Self.lease(3)])) == ["drive 3"])
        #expect(step.feed(.drove(Self.run(2), .finished(state: "succeeded"))) == ["claim 1 excluding [1, 3]"])
        // A store that broke the contract: the interrupted run is not driven before the poll.
        #expect(step.feed(.claimed([Self.lease(1, seq: 20)])) == ["release 1", "claim 1 excluding [1, 3]"])
        _ = step.feed(.claimed([]))
        step.now = Self.t0.adding(milliseconds: 100)
        #expect(step.feed(.pollDue) == ["loadCancelRequests"])
        #expect(step.feed(.cancelRequests([])) == ["claim 1 excluding [3]"])
    }
}
