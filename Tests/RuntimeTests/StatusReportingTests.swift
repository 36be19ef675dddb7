import Effects
import Foundation
import Journal
import RunStateMachine
import Runtime
import Testing
import TestSupport

/// Runs reporting to a PostgREST status sink: the outcome is an idempotent effect, an outage is
/// waited out, and progress is published while the run is under way.
@Suite("Status reporting", .serialized)
struct StatusReportingTests {
    typealias Fixture = SandboxRunTests.Fixture
    static let key = "pgrst-key-runtime"

    static func sink(_ server: LoopbackHTTPServer) -> PostgRESTSink {
        PostgRESTSink(baseURL: server.baseURL + "/rest/v1", table: "runs", eventsTable: "run_events") { Self.key }
    }

    @Test("the outcome reaches the table with the reporting record's sequence; an outage is retried until it converges")
    func outcome() async throws {
        let f = try Fixture()
        let fake = FakePostgREST(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let ok = try await f.submit([TestJobs.step("one", "true")])
        _ = try await f.engine(sinks: [Self.sink(server)]).run()
        #expect(try f.state(ok) == "succeeded")
        let row = try #require(fake.rows("runs").first { $0["run_id"] == .string(ok.id.value) })
        #expect(row["status"] == "succeeded")
        let reporting = try f.journal.records(of: ok).last { record in
            try record.decodedIntents(as: SandboxJobEffect.self).contains { if case .reportStatus = $0.effect { true } else { false } }
        }
        #expect(row["seq"] == .int(Int64(try #require(reporting).runSeq)))

        // The database is down for the first attempts: the machine retries, journaled, and the
        // table ends up with the outcome.
        fake.failNext(2)
        let failing = try await f.submit([TestJobs.step("bad", "exit 4")])
        _ = try await f.engine(sinks: [Self.sink(server)]).run()
        #expect(try f.state(failing) == "failed")
        let failed = try #require(fake.rows("runs").first { $0["run_id"] == .string(failing.id.value) })
        #expect(failed["status"] == "failed")
        let reportFailures = try f.journal.records(of: failing).compactMap { try $0.decodedEvent(as: SandboxJobEvent.self) }.filter {
            if case .statusReportFailed(_, _, true, _) = $0 { true } else { false }
        }
        #expect(reportFailures.count == 2)
    }

    @Test("while a run is under way its state is published; the publisher sends each record once and skips what the run reports itself")
    func progress() async throws {
        let f = try Fixture()
        let fake = FakePostgREST(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let run = try await f.submit([TestJobs.step("slow", "sleep 1")])
        let publisher = StatusPublisher(journal: f.journal, sinks: [Self.sink(server)], intervalMilliseconds: 50)
        let publishing = Task { await publisher.run() }
        _ = try await f.engine(sinks: [Self.sink(server)]).run()
        try await Task.sleep(for: .milliseconds(200))
        publishing.cancel()
        await publishing.value
        let events = fake.rows("run_events").filter { $0["run_id"] == .string(run.id.value) }
        let statuses = events.compactMap { event -> String? in if case .string(let s)? = event["status"] { s } else { nil } }
        #expect(statuses.contains("running"), "\(events)")
        #expect(statuses.last == "succeeded")
        let seqs = events.compactMap { event -> Int64? in if case .int(let n)? = event["seq"] { n } else { nil } }
        #expect(Set(seqs).count == seqs.count, "each update once")
        #expect(fake.rows("runs").first { $0["run_id"] == .string(run.id.value) }?["status"] == "succeeded")
    }
}
