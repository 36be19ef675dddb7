import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Named points where a crash test can kill the process, to prove recovery from exactly there.
///
/// `RUNLOG_FAILPOINT=name` kills the process with SIGKILL the first time the point `name` is
/// reached; `RUNLOG_FAILPOINT=name:n` the n-th time. Unset, a failpoint costs one comparison.
public enum Failpoint {
    /// After the journal committed a batch, before any caller is told.
    public static let afterCommit = "journal.after-commit"
    /// After a transition is durable, before its intents are dispatched.
    public static let beforeDispatch = "driver.before-dispatch"
    /// Just before an executor performs an effect.
    public static let beforeEffect = "effect.before-perform"
    /// After an effect's outcome is known, before it is journaled.
    public static let afterEffect = "effect.after-perform"
    /// After a local sandbox's supervisor reported ready, before the worker hears of it.
    public static let afterSandboxCreate = "sandbox.after-create"
    /// After a command was started in a sandbox, before the worker waits for it.
    public static let afterCommandStart = "sandbox.after-command-start"

    /// Just before the model API is called (the call's intent is journaled).
    public static let beforeModelCall = "model.before-call"
    /// After the model's response arrived, before it is journaled.
    public static let afterModelResponse = "model.after-response"
    /// After the model's response is journaled, before the tool call it asked for starts.
    public static let beforeToolStart = "tool.before-start"
    /// While a tool call runs: its command started, the worker waits for it.
    public static let afterToolStart = "tool.after-start"
    /// After a tool call ended and its result was read, before the result is journaled.
    public static let afterToolFinish = "tool.after-finish"

    /// After a run's outcome reached every status sink, before that is journaled.
    public static let afterStatusDelivered = "status.after-deliver"

    /// Every failpoint of the run lifecycle, for tests that visit each.
    public static let all = [afterCommit, beforeDispatch, beforeEffect, afterEffect, afterSandboxCreate, afterCommandStart]
    /// Every point of the agent loop, for tests that visit each.
    public static let agentLoop = [beforeModelCall, afterModelResponse, beforeToolStart, afterToolStart, afterToolFinish]

    private static let armed: (name: String, count: Int)? = {
        guard let raw = getenv("RUNLOG_FAILPOINT").map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        let parts = raw.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { return nil }
        return (String(name), parts.count == 2 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()
    private static let hits = Atomic<Int>(0)

    /// Kills the process here if this is the armed failpoint's armed hit.
    @inline(__always)
    public static func hit(_ name: String) {
        guard let armed, armed.name == name else { return }
        if hits.add(1, ordering: .relaxed).newValue == armed.count {
            kill(getpid(), SIGKILL)
        }
    }
}
