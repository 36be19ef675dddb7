import Effects
import Foundation
import RunStateMachine
import SandboxSupervisor
import SystemSupport
import Testing
import TestSupport

@Suite("Local sandboxes", .serialized)
struct LocalSandboxTests {
    @Test("a command runs, its output is captured, counted and hashed, and kill removes everything")
    func runAndKill() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        #expect(sandbox.isAlive)
        let result = try await harness.run("echo hello; echo oops >&2; exit 3", in: sandbox.id, key: "k1")
        #expect(result.exit == .exited(code: 3))
        #expect(result.stdout.bytes == 6)
        #expect(result.stdout.sha256 == ContentHash.sha256Hex(Array("hello\n".utf8)))
        #expect(result.stderr.bytes == 5)
        #expect(harness.stdout(of: "k1", in: sandbox.id) == "hello\n")
        let pid = try #require(harness.supervisorPID(sandbox.id))
        try await harness.provider.kill(sandbox.id, reason: "test")
        #expect(!LocalSandboxHarness.isLive(pid))
        #expect(await harness.provider.find(effectKey: "run-1/1/0") == nil)
        #expect(await harness.provider.status(ofCommand: "k1", in: sandbox.id) == .unknowable(reason: "the records of sandbox \(sandbox.id) are gone"))
        // Killing again is fine: gone counts as killed.
        try await harness.provider.kill(sandbox.id, reason: "again")
    }

    @Test("creating twice with one key gives one sandbox; a key starts its command once")
    func idempotence() async throws {
        let harness = LocalSandboxHarness()
        let first = try await harness.provider.create(harness.request())
        let second = try await harness.provider.create(harness.request())
        #expect(first.id == second.id)
        let command = CommandRequest(key: "once", command: "echo ran >> /workspace/ledger; sleep 0.2", timeoutSeconds: 10, environment: [:])
        try await harness.provider.start(command, in: first.id)
        try await harness.provider.start(command, in: first.id)
        _ = try await harness.provider.wait(forCommand: "once", in: first.id)
        try await harness.provider.start(command, in: first.id)
        let count = try await harness.run("wc -l < /workspace/ledger", in: first.id, key: "count")
        #expect(count.exit == .exited(code: 0))
        #expect(harness.stdout(of: "count", in: first.id).trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        try await harness.provider.kill(first.id, reason: "done")
    }

    @Test("a command past its timeout is killed, even one that traps SIGTERM")
    func timeout() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        let started = Date()
        let result = try await harness.run("trap '' TERM; sleep infinity", in: sandbox.id, timeout: 1)
        #expect(result.exit == .timedOut)
        #expect(Date().timeIntervalSince(started) < 5)
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a command's secrets are redacted from its kept output, even when printed in pieces")
    func redaction() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        let canary = "canary-7f3a9c21"
        // Printed whole, then in two writes a moment apart, on stdout and on stderr.
        let command = #"echo "got $CANARY"; printf '%s' "${CANARY%????}"; sleep 0.2; printf '%s\n' "${CANARY#${CANARY%????}}"; echo "$CANARY" >&2"#
        let result = try await harness.run(command, in: sandbox.id, key: "leak", secrets: ["CANARY": canary])
        #expect(result.exit == .exited(code: 0))
        let stdout = harness.stdout(of: "leak", in: sandbox.id)
        #expect(stdout == "got [redacted CANARY]\n[redacted CANARY]\n")
        #expect(result.stdout.bytes == Int64(stdout.utf8.count))
        let stderr = FileIO.readText(SandboxLayout(root: harness.provider.options.root, id: sandbox.id.value).command("leak").stderr) ?? ""
        #expect(stderr == "[redacted CANARY]\n")
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a command that exits while something it started still holds its output is recorded after a short linger")
    func lingeringOutput() async throws {
        // Without isolation, a process in a new session escapes the command's process group and
        // keeps the output pipes open after the command exited.
        let harness = LocalSandboxHarness(allowUnisolated: true)
        let sandbox = try await harness.provider.create(harness.request(isolation: .none))
        let result = try await harness.run("echo started; setsid sleep 30 & echo done", in: sandbox.id, key: "linger")
        #expect(result.exit == .exited(code: 0))
        #expect(harness.stdout(of: "linger", in: sandbox.id) == "started\ndone\n")
        #expect(result.stdout.bytes == 13)
        #expect(harness.supervisorPID(sandbox.id) != nil, "the supervisor must outlive the lingering output")
        try await harness.provider.kill(sandbox.id, reason: "done")
        if let user = harness.sandboxUser(sandbox.id) {
            #expect(await LocalSandboxHarness.noProcesses(ofUser: user, within: 5))
        }
    }

    @Test("a sandbox whose lease runs out ends by itself, and its running command is lost")
    func leaseExpiry() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request(leaseSeconds: 1))
        let result = try await harness.run("sleep 30", in: sandbox.id, key: "long")
        #expect(result.exit == .sandboxLost(reason: "lease expired"))
        // The supervisor records its end before it exits: give it a moment to be gone.
        for _ in 0..<100 where harness.supervisorPID(sandbox.id) != nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(harness.supervisorPID(sandbox.id) == nil)
        #expect(await harness.provider.find(effectKey: "run-1/1/0")?.ended == "lease expired")
        await #expect(throws: SandboxError.gone(sandbox.id, reason: "lease expired")) {
            try await harness.provider.renew(sandbox.id, until: LocalSandboxHarness.now.adding(milliseconds: 60_000))
        }
        try await harness.provider.kill(sandbox.id, reason: "cleanup")
    }

    @Test("renewing the lease keeps the sandbox alive past its first end")
    func renewal() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request(leaseSeconds: 1))
        for _ in 0..<6 {
            try await harness.provider.renew(sandbox.id, until: LocalSandboxHarness.now.adding(milliseconds: 1_000))
            try await Task.sleep(nanoseconds: 300_000_000)
        }
        #expect(await harness.provider.find(effectKey: "run-1/1/0")?.isAlive == true)
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a command survives the worker: its status is running, then finished, read from disk")
    func statusFromRecords() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        #expect(await harness.provider.status(ofCommand: "later", in: sandbox.id) == .notStarted)
        try await harness.provider.start(CommandRequest(key: "later", command: "sleep 0.5; echo done", timeoutSeconds: 10, environment: [:]), in: sandbox.id)
        #expect(await harness.provider.status(ofCommand: "later", in: sandbox.id) == .running)
        // A new provider (a restarted worker) sees the same records.
        let restarted = LocalSandboxProvider(options: harness.provider.options)
        let result = try await restarted.wait(forCommand: "later", in: sandbox.id)
        #expect(result.exit == .exited(code: 0))
        #expect(await restarted.status(ofCommand: "later", in: sandbox.id) == .finished(result))
        try await restarted.kill(sandbox.id, reason: "done")
    }

    @Test("a supervisor killed with SIGKILL loses its commands' outcomes; kill leaves no process behind")
    func supervisorKilled() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        try await harness.provider.start(CommandRequest(key: "victim", command: "sleep 60", timeoutSeconds: 100, environment: [:]), in: sandbox.id)
        let pid = try #require(harness.supervisorPID(sandbox.id))
        kill(pid, SIGKILL)
        try await Task.sleep(nanoseconds: 200_000_000)
        guard case .lost = await harness.provider.status(ofCommand: "victim", in: sandbox.id) else {
            Issue.record("expected the command to be lost")
            return
        }
        // bubblewrap can leave the command behind if its parent dies while it is still setting
        // up; killing the sandbox kills whatever runs as the sandbox's user.
        let user = harness.sandboxUser(sandbox.id)
        try await harness.provider.kill(sandbox.id, reason: "cleanup")
        if let user {
            #expect(await LocalSandboxHarness.noProcesses(ofUser: user, within: 5))
        }
    }

    @Test("without bubblewrap, local sandboxes are refused with the fix, unless isolation is waived")
    func missingBubblewrap() async throws {
        let strict = LocalSandboxHarness(bubblewrap: false)
        await #expect {
            _ = try await strict.provider.create(strict.request())
        } throws: { error in
            guard case SandboxError.isolationUnavailable(let message) = error else { return false }
            return message.contains("apt-get install -y bubblewrap") && message.contains("\"isolation\": \"none\"")
        }
        // The spec's explicit opt-out works.
        let sandbox = try await strict.provider.create(strict.request(key: "run-1/2/0", isolation: .none))
        let result = try await strict.run("pwd", in: sandbox.id, key: "pwd")
        #expect(result.exit == .exited(code: 0))
        #expect(strict.stdout(of: "pwd", in: sandbox.id).hasSuffix("/workspace\n"))
        try await strict.provider.kill(sandbox.id, reason: "done")
        // So does the worker's.
        let lenient = LocalSandboxHarness(allowUnisolated: true, bubblewrap: false)
        let other = try await lenient.provider.create(lenient.request())
        #expect(try await lenient.run("true", in: other.id).exit == .exited(code: 0))
        try await lenient.provider.kill(other.id, reason: "done")
    }

    @Test("a mount source the sandbox's user cannot reach is refused with what to change")
    func unreachableMount() async throws {
        let harness = LocalSandboxHarness()
        let hidden = harness.directory.file("hidden")
        let source = hidden + "/data"
        mkdir(hidden, 0o700)
        chmod(hidden, 0o700)
        mkdir(source, 0o777)
        chmod(source, 0o777)
        let request = harness.request(mounts: [MountSpec(host: source, sandbox: "/mnt/data", readOnly: false)])
        if geteuid() == 0 {
            // Commands (and bubblewrap) run as a sandbox user, who cannot search `hidden`.
            let error = await #expect(throws: SandboxError.self) { _ = try await harness.provider.create(request) }
            #expect(error.map { "\($0)" }?.contains("'\(hidden)' has no search permission") == true)
            #expect(await harness.provider.list().isEmpty)
        } else {
            // Without root, sandboxes run as this user, who owns `hidden`.
            let sandbox = try await harness.provider.create(request)
            #expect(try await harness.run("echo ok > /mnt/data/ok", in: sandbox.id).exit == .exited(code: 0))
            try await harness.provider.kill(sandbox.id, reason: "done")
        }
    }

    @Test("a missing mount source is refused before anything starts")
    func missingMount() async throws {
        let harness = LocalSandboxHarness()
        await #expect(throws: SandboxError.self) {
            _ = try await harness.provider.create(harness.request(mounts: [MountSpec(host: "/no/such/dir", sandbox: "/mnt/x")]))
        }
        #expect(await harness.provider.list().isEmpty)
    }

    @Test("collecting a FIFO, a device or a directory is refused at once, never a read that blocks; a regular file is copied owner-only")
    func collectOnlyRegularFiles() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        defer { Task { try? await harness.provider.kill(sandbox.id, reason: "test") } }
        let made = try await harness.run("mkfifo fifo && mkdir dir && ln -s /dev/null null && printf secret > out.txt", in: sandbox.id)
        #expect(made.exit == .exited(code: 0))
        let artifacts = harness.directory.file("artifacts/run-1")
        for path in ["fifo", "dir", "null"] {
            // Bounded: before the fix, opening the FIFO waited for a writer for ever.
            let refused = await completes(within: 10) {
                await #expect(throws: SandboxError.self) {
                    _ = try await harness.provider.copyOut(path, from: sandbox.id, to: "\(artifacts)/\(path)")
                }
            }
            #expect(refused, "collecting '\(path)' did not return within 10 s")
        }
        let digest = try await harness.provider.copyOut("out.txt", from: sandbox.id, to: "\(artifacts)/out.txt")
        #expect(digest.bytes == 6)
        var info = stat()
        #expect(stat("\(artifacts)/out.txt", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(artifacts, &info) == 0 && info.st_mode & 0o777 == 0o700)
    }
}
