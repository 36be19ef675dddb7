import Logging
import RunStateMachine

/// What a run's driver has to tell the log: the journal holds none of it.
public enum DriverReport: Hashable, Sendable, CustomStringConvertible {
    /// The machine refused an event in the run's state: a late or duplicate outcome, a cancel
    /// after the run finished. Expected; nothing was journaled and the run goes on.
    case eventRefused(IllegalTransition)
    /// The machine broke its own definition (``IllegalTransition/Code/undeclaredEdge``,
    /// ``IllegalTransition/Code/malformedTransition``): a defect; the run is halted.
    case machineDefect(IllegalTransition)
    /// The executor threw while performing an intent, against its contract (only cancellation
    /// may be thrown): the intent's outcome is unknown and the machine is told so.
    case executorFailed(intent: IntentID, effect: String, reason: String)
    /// The store refused an append: another owner holds the run now.
    case leaseLost
    /// The store could not be reached while the driver waited for it: the driver stops and the
    /// engine takes the run again.
    case storeUnreachable(String)
    /// The run was taken (at lease `epoch`) with `pending` intents a previous owner left in
    /// flight: `refired` are fired again with their keys, `settled` become outcome events.
    case recovering(epoch: Int64, pending: Int, refired: Int, settled: Int)

    /// How loud to log it: defects at `error`, a lost lease at `warning`, a recovery at `info`,
    /// an expected refusal at `debug`.
    public var logLevel: Logger.Level {
        switch self {
        case .machineDefect, .executorFailed: .error
        case .leaseLost, .storeUnreachable: .warning
        case .recovering: .info
        case .eventRefused: .debug
        }
    }

    /// One line for the log.
    public var description: String {
        switch self {
        case .eventRefused(let refusal): "refused, nothing journaled: \(refusal)"
        case .machineDefect(let defect): "machine defect, the run is halted: \(defect)"
        case .executorFailed(let intent, let effect, let reason): "the executor failed on intent \(intent) (\(effect)), its outcome is unknown: \(reason)"
        case .leaseLost: "the lease was lost: another owner drives the run"
        case .storeUnreachable(let reason): "the journal cannot be reached; the run will be taken again: \(reason)"
        case .recovering(let epoch, let pending, let refired, let settled):
            "taken at epoch \(epoch) with \(pending) intents left in flight: \(refired) fired again, \(settled) settled as outcomes"
        }
    }
}
