import Foundation
import Testing
import TestSupport

/// The command line and the environment at the edges of their types: a clear refusal, never a
/// crash. Each of these crashed before.
@Suite("Hostile input never traps: the command line")
struct HostileCommandLineTests {
    @Test("the issue's spec is refused naming steps[0].retry.backoffSeconds, and nothing is journaled")
    func backoffAtLimit() async throws {
        let harness = WorkerHarness()
        let spec = harness.directory.file("x.json")
        try #"{"kind":"shell","steps":[{"run":"true","retry":{"maxAttempts":2,"backoffSeconds":-9223372036854775808}}]}"#
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let (ending, output) = try await harness.worker(["submit", "--db", harness.db, spec])
        #expect(ending == .exited(2), "\(output)")
        #expect(output.contains("steps[0].retry.backoffSeconds"), "\(output)")
        let (listed, list) = try await harness.worker(["list", "--db", harness.db])
        #expect(listed != .exited(0) || !list.contains("queued"), "\(list)")
    }

    @Test("numbers beyond their bounds on the command line are refused with a usage error", arguments: [
        ["run", "--concurrency", "9223372036854775807"],
        ["run", "--lease-seconds", "9223372036854775807"],
        ["graph", "--revision", "-9223372036854775808"],
        ["graph", "--revision", "9223372036854775807"],
    ])
    func boundsOnOptions(arguments: [String]) async throws {
        let harness = WorkerHarness()
        let (ending, output) = try await harness.worker(arguments + ["--db", harness.db])
        guard case .exited(let status) = ending, status != 0 else {
            Issue.record("\(arguments) ended with \(ending): \(output)")
            return
        }
        #expect(output.lowercased().contains("error"), "\(output)")
    }

    @Test("a failpoint setting without a name is ignored", arguments: [":", ":3", "::"])
    func emptyFailpoint(value: String) async throws {
        let harness = WorkerHarness()
        let spec = harness.directory.file("ok.json")
        try #"{"kind":"shell","steps":[{"run":"true"}]}"#.write(toFile: spec, atomically: true, encoding: .utf8)
        // A submit commits, and every commit passes a failpoint.
        let process = try harness.start(["submit", "--db", harness.db, spec], environment: ["RUNLOG_FAILPOINT": value])
        let ending = await WorkerHarness.wait(process)
        #expect(ending == .exited(0), "\(harness.log)")
    }
}
