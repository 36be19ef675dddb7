import Effects
import RunStateMachine
import Testing

/// When the keeper renews a sandbox: never past the worker's own leases, so that a sandbox ends
/// within its lease of the worker losing its runs (another worker, on another host, counts on it).
@Suite("Sandbox keeper")
struct SandboxKeeperTests {
    static let t0 = Timestamp(milliseconds: 1_700_000_000_000)

    @Test("a sandbox is renewed for its lease's length only while the worker's leases are surely held, not before that is known, always for a journal's sole owner")
    func renewalsStopAtTheLeaseHorizon() {
        let horizon = Self.t0.adding(milliseconds: 15_000)
        #expect(SandboxKeeper.renewal(at: Self.t0, ttlMilliseconds: 60_000, horizon: .unknown) == nil)
        #expect(SandboxKeeper.renewal(at: Self.t0, ttlMilliseconds: 60_000, horizon: .until(horizon)) == Self.t0.adding(milliseconds: 60_000))
        let last = horizon.adding(milliseconds: -1)
        #expect(SandboxKeeper.renewal(at: last, ttlMilliseconds: 60_000, horizon: .until(horizon)) == last.adding(milliseconds: 60_000))
        #expect(SandboxKeeper.renewal(at: horizon, ttlMilliseconds: 60_000, horizon: .until(horizon)) == nil)
        #expect(SandboxKeeper.renewal(at: horizon.adding(milliseconds: 5_000), ttlMilliseconds: 60_000, horizon: .until(horizon)) == nil)
        #expect(SandboxKeeper.renewal(at: horizon.adding(milliseconds: 5_000), ttlMilliseconds: 60_000, horizon: .unbounded) == horizon.adding(milliseconds: 65_000))
    }
}
