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
/// ``allCases`` lists every point; ``runLifecycle`` and ``agentLoop`` the ones crash tests visit
/// for a shell run and for an agent run.
public enum Failpoint: String, CaseIterable, Sendable, CustomStringConvertible {
    /// After the journal committed a batch, before any caller is told.
    case afterCommit = "journal.after-commit"
    /// After a transition is durable, before its intents are dispatched.
    case beforeDispatch = "driver.before-dispatch"
    /// Just before an executor performs an effect.
    case beforeEffect = "effect.before-perform"
    /// After an effect's outcome is known, before it is journaled.
    case afterEffect = "effect.after-perform"
    /// After a local sandbox's supervisor reported ready, before the worker hears of it.
    case afterSandboxCreate = "sandbox.after-create"
    /// After a command was started in a sandbox, before the worker waits for it.
    case afterCommandStart = "sandbox.after-command-start"
    /// Just before the model API is called (the call's intent is journaled).
    case beforeModelCall = "model.before-call"
    /// After the model's response arrived, before it is journaled.
    case afterModelResponse = "model.after-response"
    /// After the model's response is journaled, before the tool call it asked for starts.
    case beforeToolStart = "tool.before-start"
    /// While a tool call runs: its command started, the worker waits for it.
    case afterToolStart = "tool.after-start"
    /// After a tool call ended and its result was read, before the result is journaled.
    case afterToolFinish = "tool.after-finish"
    /// After a run's outcome reached every status sink, before that is journaled.
    case afterStatusDelivered = "status.after-deliver"

    /// The points of a shell run's lifecycle, which the worker crash tests visit.
    public static let runLifecycle: [Failpoint] = [.afterCommit, .beforeDispatch, .beforeEffect, .afterEffect, .afterSandboxCreate, .afterCommandStart]
    /// The points of the agent loop, which the agent crash tests visit.
    public static let agentLoop: [Failpoint] = [.beforeModelCall, .afterModelResponse, .beforeToolStart, .afterToolStart, .afterToolFinish]

    /// The name `RUNLOG_FAILPOINT` takes.
    public var description: String { rawValue }

    private static let armed: (point: Failpoint, count: Int)? = {
        guard let raw = getenv("RUNLOG_FAILPOINT").map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        let parts = raw.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, let point = Failpoint(rawValue: String(name)) else { return nil }
        return (point, parts.count == 2 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()
    private static let hits = Atomic<Int>(0)

    /// Kills the process here if this is the armed failpoint's armed hit.
    @inline(__always)
    public static func hit(_ point: Failpoint) {
        guard let armed, armed.point == point else { return }
        if hits.add(1, ordering: .relaxed).newValue == armed.count {
            kill(getpid(), SIGKILL)
        }
    }
}
