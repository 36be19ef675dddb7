import Effects
import Foundation
import RunStateMachine
import SandboxSupervisor
import SystemSupport
import Testing
import TestSupport

/// The E2B provider's real client against the loopback fake of E2B's control plane and envd.
@Suite("E2B sandboxes against the loopback fake")
struct E2BSandboxProviderTests {
    static let key = "e2b_test_key_5f2a"

    final class Fixture: Sendable {
        let fake = FakeE2B(apiKey: E2BSandboxProviderTests.key)
        let server: LoopbackHTTPServer
        let provider: E2BSandboxProvider

        init() async throws {
            server = try await fake.serve()
            provider = Self.provider(server)
        }

        /// A provider as a fresh worker would have it (no envd tokens remembered).
        static func provider(_ server: LoopbackHTTPServer, key: String? = E2BSandboxProviderTests.key) -> E2BSandboxProvider {
            var configuration = E2BConfiguration(requestTimeoutSeconds: 5, scope: "runlog-test")
            configuration.apiURL = server.baseURL
            configuration.sandboxURL = server.baseURL
            return E2BSandboxProvider(client: E2BClient(configuration: configuration) { key }, now: { Timestamp(milliseconds: WallClock.nowMilliseconds()) })
        }

        func request(key: String = "run1/3/0", leaseSeconds: Int64 = 60) -> SandboxRequest {
            SandboxRequest(
                runID: "run1",
                effectKey: key,
                epoch: 2,
                spec: SandboxSpec(provider: .e2b, timeoutSeconds: Int(leaseSeconds), env: ["GREETING": "hi"]),
                leaseUntil: Timestamp(milliseconds: WallClock.nowMilliseconds() + leaseSeconds * 1000)
            )
        }

        func run(_ command: String, in id: SandboxID, key: String, timeout: Int = 20, secrets: [String: String] = [:]) async throws -> StepResult {
            try await provider.start(CommandRequest(key: key, command: command, timeoutSeconds: timeout, secrets: secrets), in: id)
            return try await provider.wait(forCommand: key, in: id)
        }

        deinit {
            let server = server
            Task { await server.stop() }
        }
    }

    @Test("create is idempotent by key, tagged with run, key, epoch and scope; found, listed, killed once and for all")
    func lifecycle() async throws {
        let f = try await Fixture()
        let first = try await f.provider.create(f.request())
        let again = try await f.provider.create(f.request())
        #expect(first.id == again.id)
        #expect(first.id.value.hasPrefix("e2b:"))
        #expect(f.fake.alive.count == 1)
        #expect(await f.provider.find(effectKey: "run1/3/0") == SandboxInfo(id: first.id, runID: "run1", effectKey: "run1/3/0", epoch: 2, ended: nil))
        #expect(await f.provider.find(effectKey: "run1/4/0") == nil)
        #expect(await f.provider.list().map(\.id) == [first.id])
        try await f.provider.kill(first.id, reason: "test")
        try await f.provider.kill(first.id, reason: "again: 404 counts as done")
        #expect(f.fake.alive.isEmpty)
        #expect(await f.provider.find(effectKey: "run1/3/0") == nil)
        await #expect(throws: SandboxError.self) { try await f.provider.renew(first.id, until: Timestamp(milliseconds: WallClock.nowMilliseconds() + 10_000)) }
    }

    @Test("commands run once per key under the wrapper; exit codes, output, timeouts and the spec's env")
    func commands() async throws {
        let f = try await Fixture()
        let sandbox = try await f.provider.create(f.request())
        let result = try await f.run("echo \"$GREETING $TOKEN\"; echo oops >&2; echo ran >> ../count; exit 3", in: sandbox.id, key: "run1/5/0", secrets: ["TOKEN": "t0k"])
        #expect(result.exit == .exited(code: 3))
        let output = try await f.provider.output(ofCommand: "run1/5/0", in: sandbox.id)
        #expect(String(decoding: output.stderr, as: UTF8.self) == "oops\n")
        #expect(result.stderr.bytes == 5)
        // The same key again: nothing runs a second time.
        try await f.provider.start(CommandRequest(key: "run1/5/0", command: "echo ran >> ../count", timeoutSeconds: 5), in: sandbox.id)
        try await Task.sleep(for: .milliseconds(300))
        let home = try #require(f.fake.home(of: String(sandbox.id.value.dropFirst(4))))
        #expect((try? String(contentsOfFile: "\(home)/count", encoding: .utf8)) == "ran\n")
        let slow = try await f.run("sleep 30", in: sandbox.id, key: "run1/6/0", timeout: 1)
        #expect(slow.exit == .timedOut)
        #expect(await f.provider.status(ofCommand: "run1/7/0", in: sandbox.id) == .notStarted)
        try await f.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a restarted worker finds a running command by its records, waits for it, reads its output")
    func reattach() async throws {
        let f = try await Fixture()
        let sandbox = try await f.provider.create(f.request())
        let go = "$HOME/go"
        try await f.provider.start(CommandRequest(key: "run1/8/0", command: "while [ ! -f \(go) ]; do sleep 0.02; done; echo late", timeoutSeconds: 20), in: sandbox.id)
        let restarted = Fixture.provider(f.server)
        #expect(await restarted.status(ofCommand: "run1/8/0", in: sandbox.id) == .running)
        let home = try #require(f.fake.home(of: String(sandbox.id.value.dropFirst(4))))
        #expect(FileManager.default.createFile(atPath: "\(home)/go", contents: nil))
        let result = try await restarted.wait(forCommand: "run1/8/0", in: sandbox.id)
        #expect(result.exit == .exited(code: 0))
        #expect(String(decoding: try await restarted.output(ofCommand: "run1/8/0", in: sandbox.id).stdout, as: UTF8.self) == "late\n")
        try await f.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a quick command that starts and ends while its status is read is found finished, not taken for never started")
    func endsDuringStatus() async throws {
        let f = try await Fixture()
        let sandbox = try await f.provider.create(f.request())
        let key = "run1/5/0"
        // As if the wrapper ran the whole command between the client's reads: it writes its
        // started marker, output and exit record just before envd is asked what runs.
        let directory = "/.runlog/commands/" + E2BCommandScript.tag(key)
        f.fake.beforeProcessList { home in
            let commands = home + directory
            try? FileManager.default.createDirectory(atPath: commands, withIntermediateDirectories: true)
            for (name, text) in [("started", ""), ("out", "quick\n"), ("err", ""), ("exit", #"{"rc":0,"ms":3,"timedOut":0}"#)] {
                _ = FileManager.default.createFile(atPath: "\(commands)/\(name)", contents: Data(text.utf8))  // checked below: found finished
            }
        }
        guard case .finished(let result) = await f.provider.status(ofCommand: key, in: sandbox.id) else {
            Issue.record("the command was not found finished")
            return
        }
        #expect(result.exit == .exited(code: 0))
        #expect(result.stdout.bytes == 6)
        try await f.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a sandbox that vanishes or outlives its lease is gone; its running command is lost, not hung on")
    func vanishing() async throws {
        let f = try await Fixture()
        let sandbox = try await f.provider.create(f.request())
        try await f.provider.start(CommandRequest(key: "run1/9/0", command: "sleep 30", timeoutSeconds: 60), in: sandbox.id)
        f.fake.vanish(String(sandbox.id.value.dropFirst(4)))
        let result = try await f.provider.wait(forCommand: "run1/9/0", in: sandbox.id)
        guard case .sandboxLost = result.exit else { Issue.record("\(result.exit)"); return }
        await #expect(throws: SandboxError.self) { try await f.provider.start(CommandRequest(key: "run1/10/0", command: "true", timeoutSeconds: 5), in: sandbox.id) }
        let short = try await f.provider.create(f.request(key: "run1/11/0", leaseSeconds: 1))
        try await Task.sleep(for: .milliseconds(1500))
        #expect(f.fake.alive.isEmpty, "a sandbox nobody renews ends with its lease")
        #expect(await f.provider.find(effectKey: "run1/11/0") == nil)
        _ = short
    }

    @Test("a 504 on create that created anyway is found by metadata and returned again by its key; 429 is retryable; a bad key is not")
    func createFailures() async throws {
        let f = try await Fixture()
        f.fake.inject("POST /v2/sandboxes", .doThen504)
        await #expect { try await f.provider.create(f.request()) } throws: { ($0 as? SandboxError)?.retryable == true }
        let found = try #require(await f.provider.find(effectKey: "run1/3/0"))
        let recreated = try await f.provider.create(f.request())
        #expect(recreated.id == found.id)
        #expect(f.fake.alive.count == 1)
        f.fake.inject("POST /v2/sandboxes", .reject(status: 429, headers: ["retry-after": "1"]))
        await #expect { try await f.provider.create(f.request(key: "run1/12/0")) } throws: { ($0 as? SandboxError)?.retryable == true }
        let badKey = Fixture.provider(f.server, key: "e2b_wrong")
        await #expect { try await badKey.create(f.request(key: "run1/13/0")) } throws: { error in
            guard let error = error as? SandboxError else { return false }
            return !error.retryable && error.description.contains("E2B_API_KEY")
        }
        let noKey = Fixture.provider(f.server, key: nil)
        await #expect { try await noKey.create(f.request(key: "run1/14/0")) } throws: { ($0 as? SandboxError)?.retryable == false }
        try await f.provider.kill(found.id, reason: "done")
    }

    @Test("without a v2 route the provider creates through v1 (secure), and a key reused with another body is retryable")
    func v1Fallback() async throws {
        let f = try await Fixture()
        f.fake.inject("POST /v2/sandboxes", .reject(status: 404, headers: [:]))
        let created = try await f.provider.create(f.request(key: "run1/20/0"))
        #expect(f.fake.requests.suffix(2) == ["POST /v2/sandboxes", "POST /sandboxes"])
        #expect(await f.provider.find(effectKey: "run1/20/0")?.id == created.id)
        var other = f.request(key: "run1/21/0")
        _ = try await f.provider.create(other)
        other.epoch = 3
        await #expect { try await f.provider.create(other) } throws: { ($0 as? SandboxError)?.retryable == true }
        for sandbox in await f.provider.list() { try await f.provider.kill(sandbox.id, reason: "done") }
    }

    @Test("workspace files are copied out through envd")
    func copyOut() async throws {
        let f = try await Fixture()
        let sandbox = try await f.provider.create(f.request())
        _ = try await f.run("mkdir -p out && printf 'result' > out/r.txt", in: sandbox.id, key: "run1/15/0")
        let directory = TemporaryDirectory()
        let digest = try await f.provider.copyOut("out/r.txt", from: sandbox.id, to: directory.file("r.txt"))
        #expect(digest == ArtifactDigest(path: "out/r.txt", bytes: 6, sha256: ContentHash.sha256Hex(Array("result".utf8))))
        await #expect(throws: SandboxError.self) { try await f.provider.copyOut("../etc/passwd", from: sandbox.id, to: directory.file("x")) }
        try await f.provider.kill(sandbox.id, reason: "done")
    }
}
