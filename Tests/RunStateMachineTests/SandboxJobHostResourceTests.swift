import RunStateMachine
import Testing

/// Which states tie a run to its worker's host: those that hold a local sandbox or may be
/// creating one, for the sandbox's lease and a margin.
@Suite("Sandbox job: host resources")
struct SandboxJobHostResourceTests {
    @Test("a local sandbox held or being created ties the run to the host for its lease and a margin; no sandbox, or an E2B one, does not")
    func hostResourceGrace() {
        let job = Fixture.shell
        let grace = Int64(Fixture.shellSpec.sandbox.timeoutSeconds) * 1000 + 2_000
        let tied: [SandboxJobState] = [
            .provisioning(attempt: 1, intent: Fixture.awaited, stop: nil),
            .running(step: 0, attempt: 1, sandbox: Fixture.sandbox, intent: Fixture.awaited),
            .collecting(sandbox: Fixture.sandbox, intent: Fixture.awaited),
            .tearingDown(sandbox: Fixture.sandbox, attempt: 1, intent: Fixture.awaited),
            .needsAttention(reason: "step outcome unknown", subject: .step(index: 0, attempt: 1, sandbox: Fixture.sandbox)),
        ]
        for state in tied {
            #expect(job.hostResourceGrace(in: state) == grace, "\(state.name)")
        }
        let untied: [SandboxJobState] = [
            .queued, .succeeded, .cancelled(reason: "no"),
            .reporting(outcome: .succeeded, attempt: 1, intent: Fixture.awaited),
        ]
        for state in untied {
            #expect(job.hostResourceGrace(in: state) == nil, "\(state.name)")
        }
        var remote = Fixture.shellSpec
        remote.sandbox.provider = .e2b
        let e2b = SandboxJob(input: remote, submittedAt: Fixture.t0)
        #expect(e2b.hostResourceGrace(in: tied[1]) == nil)
        #expect(e2b.hostResourceGrace(in: tied[0]) == nil)
    }
}
