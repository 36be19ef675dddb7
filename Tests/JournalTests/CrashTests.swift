import Foundation
@testable import Journal
import RunStateMachine
import Synchronization
import Testing
import TestSupport

/// A child process appends concurrently and is killed with SIGKILL mid-stream; afterwards
/// every append it saw acknowledged must be in the journal, and the journal must verify.
@Suite("Crash: SIGKILL while appending")
struct CrashTests {
    @Test("no acknowledged append is lost when the appender is killed mid-stream", arguments: [1, 40, 250, 900])
    func killMidStream(killAfterAcks: Int) async throws {
        let directory = TemporaryDirectory()
        let path = directory.file("j.sqlite")
        let acks = directory.file("acks.log")
        await #expect(processExitsWith: .signal(SIGKILL)) { [path = path as String, acks = acks as String, threshold = killAfterAcks as Int] in
            let journal = try SQLiteJournal.open(path: path)
            let log = open(acks, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            let count = Counter()
            // Once `threshold` appends are acknowledged, die within 2 ms, while 31 other drivers
            // have appends queued or committing.
            let die: @Sendable () -> Void = {
                DispatchQueue.global().asyncAfter(deadline: .now() + .microseconds(Int.random(in: 0...2000))) {
                    kill(getpid(), SIGKILL)
                }
            }
            // 32 concurrent drivers, each submitting and finishing runs until the process dies.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<32 {
                    group.addTask {
                        for round in 0..<1_000_000 {
                            var run = try await submitAndLease(journal, owner: "w\(worker)", at: t0.adding(seconds: round))
                            try await driveStepwise(&run) { record in
                                let line = Array("\(record.number) \(record.runSeq)\n".utf8)
                                _ = line.withUnsafeBytes { write(log, $0.baseAddress, $0.count) }
                                if count.increment() == threshold { die() }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let acknowledged = try String(contentsOfFile: acks, encoding: .utf8).split(separator: "\n")
        #expect(acknowledged.count >= killAfterAcks)
        // Reopening as a worker runs the head-file check: the head may lag, never lead.
        let journal = try SQLiteJournal.open(path: path)
        defer { journal.close() }
        for line in acknowledged {
            let parts = line.split(separator: " ")
            let present = try rawScalar(path, "SELECT count(*) FROM journal WHERE run_no = \(parts[0]) AND run_seq = \(parts[1])")
            #expect(present == 1, "acknowledged record \(line) is missing")
        }
        let report = try journal.verify()
        #expect(report.ok, "\(report.problems)")
    }
}

/// Drives a run to success like ``driveToSuccess(_:at:)``, calling `acknowledged` after each
/// append returns.
func driveStepwise(_ run: inout JournaledRun<SandboxJob>, acknowledged: (_ record: (number: Int64, runSeq: Int)) -> Void) async throws {
    while !SandboxJob.latest.definition.isTerminal(run.state.name) {
        let event: SandboxJobEvent
        let intent = run.machine.awaited(in: run.state).first
        switch run.state {
        case .queued: event = .start
        case .provisioning: event = .sandboxCreated(intent: intent!, sandbox: SandboxID("sbx"))
        case .running: event = .stepFinished(intent: intent!, result: StepResult(exit: .exited(code: 0)), at: t0)
        case .tearingDown, .compensating: event = .sandboxReleased(intent: intent!)
        case .reporting: event = .statusReported(intent: intent!)
        default: return
        }
        try await run.apply(event, at: t0)
        acknowledged((run.lease.run.number, run.lastRunSeq))
    }
}

/// A shared counter.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        value.add(1, ordering: .relaxed).newValue
    }
}
