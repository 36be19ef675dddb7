import Effects
import Journal
import RunStateMachine
import Runtime
import SystemSupport
/// Measures local sandboxes: from asking for a sandbox to the exit of `true` run in it.
///
/// Each iteration creates a sandbox (its supervisor is started and confirms it is listening),
/// starts `true` in it and waits for the recorded exit; then runs `true` again in the same
/// sandbox, and kills the sandbox. One iteration before the timed ones warms the page cache.
public enum SandboxBenchmark {
    /// Runs `iterations` sandboxes one after another with `options` (their root is created and
    /// removed), isolated with bubblewrap unless `isolation` says otherwise.
    public static func run(
        options: LocalSandboxOptions,
        iterations: Int = 50,
        isolation: SandboxSpec.Isolation = .bubblewrap
    ) async throws -> SandboxBenchmarkResult {
        let provider = LocalSandboxProvider(options: options)
        let clock = ContinuousClock()
        var createToExit: [Double] = []
        var create: [Double] = []
        var command: [Double] = []
        var kill: [Double] = []
        for iteration in 0...max(1, iterations) {
            let request = SandboxRequest(
                runID: "bench",
                effectKey: "bench/\(iteration)",
                epoch: 1,
                spec: SandboxSpec(isolation: isolation),
                leaseUntil: WallClock.now().adding(milliseconds: 60_000)
            )
            let started = clock.now
            let sandbox = try await provider.create(request)
            let created = clock.now
            try await expectSuccess(of: "first", in: sandbox.id, provider)
            let exited = clock.now
            try await expectSuccess(of: "second", in: sandbox.id, provider)
            let again = clock.now
            try await provider.kill(sandbox.id, reason: "benchmark")
            let killed = clock.now
            guard iteration > 0 else { continue }
            createToExit.append((exited - started).seconds * 1000)
            create.append((created - started).seconds * 1000)
            command.append((again - exited).seconds * 1000)
            kill.append((killed - again).seconds * 1000)
        }
        var result = SandboxBenchmarkResult()
        result.iterations = createToExit.count
        result.isolation = isolation
        result.createToExitP50Milliseconds = percentile(createToExit, 0.5)
        result.createToExitP90Milliseconds = percentile(createToExit, 0.9)
        result.createP50Milliseconds = percentile(create, 0.5)
        result.commandP50Milliseconds = percentile(command, 0.5)
        result.killP50Milliseconds = percentile(kill, 0.5)
        return result
    }

    private static func expectSuccess(of key: String, in sandbox: SandboxID, _ provider: LocalSandboxProvider) async throws {
        try await provider.start(CommandRequest(key: key, command: "true", timeoutSeconds: 10, environment: [:]), in: sandbox)
        let result = try await provider.wait(forCommand: key, in: sandbox)
        guard result.exit == .exited(code: 0) else {
            throw SandboxError.failed("`true` in sandbox \(sandbox) ended with \(result.exit)", retryable: false)
        }
    }

    private static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }
}
