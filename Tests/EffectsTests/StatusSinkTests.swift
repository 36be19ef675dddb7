import Crypto
import Effects
import Foundation
import RunStateMachine
import Synchronization
import Testing
import TestSupport

@Suite("Status sinks against loopback servers")
struct StatusSinkTests {
    static let key = "pgrst-service-key-77"

    static func update(_ seq: Int, _ status: String, run: String = "run1") -> StatusUpdate {
        StatusUpdate(runID: run, seq: seq, status: status, state: status == "running" ? "awaitingModel" : status, detail: "", at: Timestamp(milliseconds: 1_700_000_000_000 + Int64(seq)))
    }

    @Test("PostgREST: the row is inserted once, moves only forward by seq, and every update is appended once")
    func postgrest() async throws {
        let fake = FakePostgREST(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let sink = PostgRESTSink(baseURL: server.baseURL + "/rest/v1", table: "runs", eventsTable: "run_events") { Self.key }
        try await sink.deliver(Self.update(3, "running"))
        #expect(fake.rows("runs").map { $0["seq"] } == [3])
        try await sink.deliver(Self.update(7, "succeeded"))
        try await sink.deliver(Self.update(5, "running"))
        try await sink.deliver(Self.update(7, "succeeded"))
        let rows = fake.rows("runs")
        #expect(rows.count == 1)
        #expect(rows.first?["seq"] == 7)
        #expect(rows.first?["status"] == "succeeded")
        #expect(fake.rows("run_events").compactMap { $0["seq"] } == [3, 7, 5])
        // The stale update and the repeat were detected as such: a 200 [] followed by a read, no write.
        #expect(fake.requests.filter { $0.hasPrefix("POST /rest/v1/runs") }.count == 1)
    }

    @Test("PostgREST: an outage is retryable, a wrong or missing key is not")
    func postgrestFailures() async throws {
        let fake = FakePostgREST(apiKey: Self.key)
        let server = try await fake.serve()
        defer { Task { await server.stop() } }
        let sink = PostgRESTSink(baseURL: server.baseURL, table: "runs") { Self.key }
        fake.failNext(1)
        await #expect { try await sink.deliver(Self.update(1, "running")) } throws: { ($0 as? StatusSinkError)?.retryable == true }
        try await sink.deliver(Self.update(1, "running"))
        let wrong = PostgRESTSink(baseURL: server.baseURL, table: "runs") { "nope" }
        await #expect { try await wrong.deliver(Self.update(2, "running")) } throws: { ($0 as? StatusSinkError)?.retryable == false }
        let none = PostgRESTSink(baseURL: server.baseURL, table: "runs") { nil }
        await #expect { try await none.deliver(Self.update(2, "running")) } throws: { error in
            (error as? StatusSinkError).map { !$0.retryable && $0.message.contains("POSTGREST_API_KEY") } ?? false
        }
    }

    @Test("webhook: the body is signed with HMAC-SHA256 and carries a delivery id that repeats on retry")
    func webhook() async throws {
        let received = Mutex<[LoopbackRequest]>([])
        let status = Mutex(500)
        let server = try await LoopbackHTTPServer.start { request in
            received.withLock { $0.append(request) }
            return LoopbackResponse(status: status.withLock { $0 })
        }
        defer { Task { await server.stop() } }
        let sink = WebhookSink(url: server.baseURL + "/hooks/runlog") { "whsec-1" }
        await #expect { try await sink.deliver(Self.update(4, "failed")) } throws: { ($0 as? StatusSinkError)?.retryable == true }
        status.withLock { $0 = 204 }
        try await sink.deliver(Self.update(4, "failed"))
        status.withLock { $0 = 400 }
        await #expect { try await sink.deliver(Self.update(5, "failed")) } throws: { ($0 as? StatusSinkError)?.retryable == false }
        let requests = received.withLock { $0 }
        #expect(requests.count == 3)
        #expect(requests[0].headers["x-runlog-delivery"] == "run1-4")
        #expect(requests[1].headers["x-runlog-delivery"] == "run1-4")
        #expect(requests[0].body == requests[1].body)
        let mac = HMAC<SHA256>.authenticationCode(for: requests[1].body, using: SymmetricKey(data: Array("whsec-1".utf8)))
        #expect(requests[1].headers["x-runlog-signature"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        #expect(String(decoding: requests[1].body, as: UTF8.self).contains(#""status":"failed""#))
    }
}
