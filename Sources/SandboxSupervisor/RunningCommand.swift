import SystemSupport

/// A command a supervisor started and has not finished recording.
struct RunningCommand {
    /// The command's key.
    let key: String
    /// Where its records go.
    let files: CommandLayout
    /// The launcher's pid (it leads the command's process group and session).
    let pid: Int32
    /// Monotonic milliseconds when it started.
    let startedAt: Int64
    /// Monotonic milliseconds after which it is killed.
    let deadline: Int64
    /// The read ends of its stdout and stderr pipes, -1 once closed.
    var stdout: Int32
    var stderr: Int32
    var stdoutCapture: OutputCapture
    var stderrCapture: OutputCapture
    /// Its wait status, once reaped.
    var status: Int32?
    /// Monotonic milliseconds when it was reaped.
    var reapedAt: Int64?
    /// Whether it was killed for running past its timeout.
    var timedOut = false
    /// When to escalate SIGTERM to SIGKILL (monotonic milliseconds), once terminated.
    var killAt: Int64?

    /// Whether both output pipes reached their end.
    var pipesClosed: Bool { stdout < 0 && stderr < 0 }
}
