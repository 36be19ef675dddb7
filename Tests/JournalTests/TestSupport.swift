import Foundation
@testable import Journal
import RunStateMachine
import Testing
import TestSupport

let t0 = Timestamp(milliseconds: 1_800_000_000_000)

/// Runs a leased shell run to the end with successful outcomes for every intent, appending
/// each transition; returns the records appended.
@discardableResult
func driveToSuccess(_ run: inout JournaledRun<SandboxJob>, at time: Timestamp = t0) async throws -> Int {
    var appended = 0
    if case .queued = run.state {
        try await run.apply(.start, at: time)
        appended += 1
    }
    while !SandboxJob.latest.definition.isTerminal(run.state.name) {
        guard let intent = run.machine.awaited(in: run.state).first else {
            Issue.record("no intent awaited in \(run.state.name)")
            return appended
        }
        let event: SandboxJobEvent
        switch run.state {
        case .provisioning: event = .sandboxCreated(intent: intent, sandbox: SandboxID("sbx-\(run.lease.run.number)"))
        case .running: event = .stepFinished(intent: intent, result: StepResult(exit: .exited(code: 0)), at: time)
        case .collecting: event = .collected(intent: intent, artifacts: [])
        case .tearingDown, .compensating: event = .sandboxReleased(intent: intent)
        case .reporting: event = .statusReported(intent: intent)
        default:
            Issue.record("unexpected state \(run.state.name)")
            return appended
        }
        try await run.apply(event, at: time)
        appended += 1
    }
    return appended
}

/// Submits a spec, leases the run and loads it for driving.
func submitAndLease(
    _ journal: any JournalStore,
    spec: JobSpec = TestJobs.shell(),
    owner: String = "test-worker",
    at: Timestamp = t0,
    ttlMilliseconds: Int64 = 30_000
) async throws -> JournaledRun<SandboxJob> {
    let submitted = try await journal.submit(spec, at: at)
    let lease = try await journal.acquireLease(run: submitted.run.id, owner: owner, ttlMilliseconds: ttlMilliseconds, at: at, takingOver: false)
    return try await JournaledRun<SandboxJob>.load(lease, from: journal)
}

/// Runs raw SQL on a separate connection (for tampering with a journal in tests).
func rawSQL(_ path: String, _ sql: String) throws {
    let connection = try SQLiteConnection(path: path, readOnly: false)
    try connection.execute("PRAGMA busy_timeout = 5000")
    try connection.execute(sql)
    connection.close()
}

func rawScalar(_ path: String, _ sql: String) throws -> Int64? {
    let connection = try SQLiteConnection(path: path, readOnly: false)
    defer { connection.close() }
    return try connection.scalarInt(sql)
}

func rawText(_ path: String, _ sql: String) throws -> String? {
    let connection = try SQLiteConnection(path: path, readOnly: false)
    defer { connection.close() }
    return try connection.scalarText(sql)
}
