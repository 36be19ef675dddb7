import Effects
import Journal
import RunStateMachine
import Runtime
/// The figures `worker bench sandbox` prints.
public struct SandboxBenchmarkResult: Sendable {
    /// Timed sandboxes.
    public var iterations = 0
    /// How the sandboxes were isolated.
    public var isolation: SandboxSpec.Isolation = .bubblewrap
    /// Median time from asking for a sandbox to the recorded exit of `true` in it, in ms.
    public var createToExitP50Milliseconds = 0.0
    /// 90th percentile of the same, in ms.
    public var createToExitP90Milliseconds = 0.0
    /// Median time to create a sandbox (its supervisor started and listening), in ms.
    public var createP50Milliseconds = 0.0
    /// Median time to run `true` again in a live sandbox, in ms.
    public var commandP50Milliseconds = 0.0
    /// Median time to kill a sandbox and remove its directory, in ms.
    public var killP50Milliseconds = 0.0

    /// Creates empty figures.
    public init() {}

    /// The figures as one JSON object.
    public var json: JSONValue {
        func number(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
        return [
            "command_p50_ms": number(commandP50Milliseconds),
            "create_p50_ms": number(createP50Milliseconds),
            "create_to_exit_p50_ms": number(createToExitP50Milliseconds),
            "create_to_exit_p90_ms": number(createToExitP90Milliseconds),
            "isolation": .string(isolation.rawValue),
            "iterations": .int(Int64(iterations)),
            "kill_p50_ms": number(killP50Milliseconds),
        ]
    }
}
