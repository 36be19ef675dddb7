import Effects
import Foundation
import RunStateMachine
import SandboxSupervisor
import SystemSupport
import Testing
import TestSupport

/// The escape checklist of the reliability reference (C19), each probe run as sandboxed code.
@Suite("Sandbox containment", .serialized)
struct SandboxContainmentTests {
    @Test("no descriptor of the worker is open in the sandbox")
    func inheritedDescriptors() async throws {
        let harness = LocalSandboxHarness()
        let leaked = open("/etc/hostname", O_RDONLY)  // deliberately not close-on-exec
        // A high descriptor too, taken where one is free: dup2 onto a fixed number would close
        // whatever another test running alongside had open there (a journal's database file).
        let high = fcntl(leaked, F_DUPFD, 900)
        #expect(high >= 900)
        defer {
            close(high)
            close(leaked)
        }
        let sandbox = try await harness.provider.create(harness.request())
        let result = try await harness.run("ls /proc/self/fd | tr '\\n' ' '; test -e /proc/self/fd/\(high) && echo LEAK || echo clean", in: sandbox.id, key: "fds")
        #expect(result.exit == .exited(code: 0))
        #expect(harness.stdout(of: "fds", in: sandbox.id) == "0 1 2 3 clean\n")
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("the worker's environment is not visible, secrets reach only the command, and never argv")
    func environment() async throws {
        let harness = LocalSandboxHarness()
        setenv("RUNLOG_WORKER_CANARY", "worker-canary-9f3", 1)
        defer { unsetenv("RUNLOG_WORKER_CANARY") }
        let sandbox = try await harness.provider.create(harness.request(env: ["PLAIN": "visible"]))
        let key = "env"
        try await harness.provider.start(
            CommandRequest(
                key: key,
                command: "sleep 0.3; tr '\\0' '\\n' < /proc/1/environ; echo ---; tr '\\0' ' ' < /proc/1/cmdline",
                timeoutSeconds: 10,
                secrets: ["API_TOKEN": "secret-canary-51c"]
            ),
            in: sandbox.id
        )
        // While it runs, no host process carries the secret in its command line.
        let cmdlines = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap(Int32.init).compactMap {
            FileIO.read("/proc/\($0)/cmdline").map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(!cmdlines.contains { $0.contains("secret-canary-51c") })
        let result = try await harness.provider.wait(forCommand: key, in: sandbox.id)
        #expect(result.exit == .exited(code: 0))
        let output = harness.stdout(of: key, in: sandbox.id)
        #expect(!output.contains("worker-canary-9f3"))
        // The secret was in the command's environment (its value is redacted from what is kept).
        #expect(output.contains("API_TOKEN=[redacted API_TOKEN]"))
        #expect(!output.contains("secret-canary-51c"))
        #expect(output.contains("PLAIN=visible"))
        #expect(!output.split(separator: "---").last!.contains("redacted"))
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("there is no network but loopback")
    func network() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request())
        let result = try await harness.run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '", in: sandbox.id, key: "net")
        #expect(result.exit == .exited(code: 0))
        #expect(harness.stdout(of: "net", in: sandbox.id) == "lo\n")
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("only the workspace and writable mounts can be written; the host is not visible")
    func filesystem() async throws {
        let harness = LocalSandboxHarness()
        let readOnly = harness.directory.file("ro")
        let writable = harness.directory.file("rw")
        for path in [readOnly, writable] {
            mkdir(path, 0o777)
            chmod(path, 0o777)
        }
        let sandbox = try await harness.provider.create(
            harness.request(mounts: [MountSpec(host: readOnly, sandbox: "/mnt/ro", readOnly: true), MountSpec(host: writable, sandbox: "/mnt/rw", readOnly: false)])
        )
        let probe = """
            for p in /usr/escape /mnt/ro/escape /mnt/rw/ok /workspace/ok; do (echo x > $p) 2>/dev/null && echo "$p yes" || echo "$p no"; done
            test -e /root && echo root-visible || echo no-root
            test -e \(harness.provider.options.root) && echo state-visible || echo no-state
            """
        let result = try await harness.run(probe, in: sandbox.id, key: "fs")
        #expect(result.exit == .exited(code: 0))
        #expect(
            harness.stdout(of: "fs", in: sandbox.id)
                == "/usr/escape no\n/mnt/ro/escape no\n/mnt/rw/ok yes\n/workspace/ok yes\nno-root\nno-state\n"
        )
        #expect(FileManager.default.fileExists(atPath: "\(writable)/ok"))
        #expect(!FileManager.default.fileExists(atPath: "\(readOnly)/escape"))
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a fork bomb is contained by the process limit and killed at its timeout")
    func forkBomb() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request(limits: ResourceLimits(processes: 64)))
        let started = Date()
        let result = try await harness.run("bomb() { bomb | bomb & }; bomb; sleep 30", in: sandbox.id, key: "bomb", timeout: 3)
        #expect(result.exit == .timedOut)
        #expect(Date().timeIntervalSince(started) < 8)
        if let user = harness.sandboxUser(sandbox.id) {
            #expect(await LocalSandboxHarness.noProcesses(ofUser: user, within: 5))
        }
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("CPU time, memory and file size limits hold")
    func rlimits() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request(limits: ResourceLimits(memoryMiB: 64, cpuSeconds: 1, fileSizeMiB: 1)))
        let started = Date()
        let spin = try await harness.run("while :; do :; done", in: sandbox.id, key: "cpu", timeout: 20)
        #expect(!spin.exit.isSuccess && spin.exit != .timedOut)
        #expect(Date().timeIntervalSince(started) < 10)
        let memory = try await harness.run("x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}", in: sandbox.id, key: "memory")
        #expect(!memory.exit.isSuccess)
        let file = try await harness.run("head -c 3000000 /dev/zero > /workspace/big", in: sandbox.id, key: "fsize")
        #expect(!file.exit.isSuccess)
        let size = try await harness.run("wc -c < /workspace/big", in: sandbox.id, key: "size")
        #expect(size.exit == .exited(code: 0))
        #expect(harness.stdout(of: "size", in: sandbox.id) == "1048576\n")
        try await harness.provider.kill(sandbox.id, reason: "done")
    }

    @Test("a gigabyte of output is counted and hashed while the supervisor keeps only its head and tail")
    func hugeOutput() async throws {
        let harness = LocalSandboxHarness()
        let sandbox = try await harness.provider.create(harness.request(limits: ResourceLimits(outputBytes: 65_536)))
        let result = try await harness.run("head -c 1073741824 /dev/zero", in: sandbox.id, key: "flood", timeout: 300)
        #expect(result.exit == .exited(code: 0))
        #expect(result.stdout.bytes == 1 << 30)
        #expect(result.stdout.truncated)
        let kept = harness.stdout(of: "flood", in: sandbox.id)
        #expect(kept.utf8.count < 65_536 + 64)
        #expect(kept.contains("[runlog: \((1 << 30) - 65_536) bytes omitted]"))
        let pid = try #require(harness.supervisorPID(sandbox.id))
        let status = FileIO.readText("/proc/\(pid)/status") ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
        #expect((peak ?? .max) < 64 * 1024, "supervisor peak resident set: \(peak ?? -1) KiB")
        try await harness.provider.kill(sandbox.id, reason: "done")
    }
}
