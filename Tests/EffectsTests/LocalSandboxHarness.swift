import Effects
import Foundation
import RunStateMachine
import SandboxSupervisor
import SystemSupport
import TestSupport

/// A local sandbox provider rooted in a fresh temporary directory, and helpers for tests.
final class LocalSandboxHarness: Sendable {
    let directory: TemporaryDirectory
    let provider: LocalSandboxProvider

    init(allowUnisolated: Bool = false, bubblewrap: Bool = true) {
        directory = TemporaryDirectory()
        // Sandboxed commands run as their own user: they must be able to traverse to the workspace.
        chmod(directory.path, 0o711)
        let options = LocalSandboxOptions(
            root: directory.file("sandboxes"),
            supervisorPath: LocalSandboxOptions.defaultSupervisorPath(),
            bubblewrapPath: bubblewrap ? LocalSandboxOptions.findBubblewrap() : nil,
            allowUnisolated: allowUnisolated
        )
        provider = LocalSandboxProvider(options: options)
    }

    static var now: Timestamp { Timestamp(milliseconds: WallClock.nowMilliseconds()) }

    func request(
        key: String = "run-1/1/0",
        isolation: SandboxSpec.Isolation = .bubblewrap,
        limits: ResourceLimits = ResourceLimits(),
        mounts: [MountSpec] = [],
        env: [String: String] = [:],
        leaseSeconds: Int64 = 60
    ) -> SandboxRequest {
        SandboxRequest(
            runID: "run-1",
            effectKey: key,
            epoch: 1,
            spec: SandboxSpec(isolation: isolation, env: env, limits: limits, mounts: mounts),
            leaseUntil: Self.now.adding(milliseconds: leaseSeconds * 1000)
        )
    }

    /// Runs `command` in `sandbox` and waits for its result.
    func run(_ command: String, in sandbox: SandboxID, key: String = UUID().uuidString, timeout: Int = 30, secrets: [String: String] = [:]) async throws -> StepResult {
        try await provider.start(CommandRequest(key: key, command: command, timeoutSeconds: timeout, secrets: secrets), in: sandbox)
        return try await provider.wait(forCommand: key, in: sandbox)
    }

    /// The kept stdout of the command with `key`.
    func stdout(of key: String, in sandbox: SandboxID) -> String {
        let layout = SandboxLayout(root: provider.options.root, id: sandbox.value)
        return FileIO.readText(layout.command(key).stdout) ?? ""
    }

    /// The pid of the sandbox's supervisor, if it runs.
    func supervisorPID(_ sandbox: SandboxID) -> Int32? {
        let layout = SandboxLayout(root: provider.options.root, id: sandbox.value)
        return FileIO.readText(layout.pidFile).flatMap { Int32($0.filter { !$0.isWhitespace }) }.flatMap { Self.isLive($0) ? $0 : nil }
    }

    /// Whether `pid` is a process that has not exited (zombies waiting for a reaper do not count).
    static func isLive(_ pid: Int32) -> Bool {
        guard let stat = FileIO.readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }

    /// Processes whose real user is `uid` (sandboxed commands run as the sandbox's own user).
    static func processes(ofUser uid: UInt32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter(isLive).filter { pid in
            guard let status = FileIO.readText("/proc/\(pid)/status") else { return false }
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }) else { return false }
            let ids = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst()
            return ids.first.flatMap { UInt32($0) } == uid
        }
    }

    /// Whether the user's processes are all gone within `seconds` (killed processes take a
    /// moment to exit on a loaded machine).
    static func noProcesses(ofUser uid: UInt32, within seconds: Double) async -> Bool {
        let giveUp = Date().addingTimeInterval(seconds)
        while Date() < giveUp {
            if processes(ofUser: uid).isEmpty { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        let left = processes(ofUser: uid)
        for pid in left {
            print("left behind: \(pid) \(FileIO.readText("/proc/\(pid)/cmdline") ?? "") \(FileIO.readText("/proc/\(pid)/stat") ?? "")")
        }
        return left.isEmpty
    }

    /// The user a sandbox's commands run as (when the tests run as root).
    func sandboxUser(_ sandbox: SandboxID) -> UInt32? {
        let layout = SandboxLayout(root: provider.options.root, id: sandbox.value)
        guard let bytes = FileIO.read(layout.config), let value = try? JSONValue.parse(bytes) else { return nil }
        return (try? SupervisorConfig(json: value))?.user
    }
}
