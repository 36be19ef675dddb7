import RunStateMachine

/// A command for a supervisor to start, at most once per key.
public struct CommandSpec: Hashable, Sendable {
    /// The effect key; a key that already started is never started again.
    public var key: String
    /// The command text, run by the launcher (`/bin/sh -c`).
    public var command: String
    /// The command is killed this many milliseconds after it started.
    public var timeoutMilliseconds: Int64
    /// Variables added to the configured environment (a tool call's inputs, say). Sent over the
    /// control socket only; never written to disk.
    public var environment: [String: String]
    /// Secret variables added last; their values are redacted from the captured output. Sent over
    /// the control socket only; never written to disk.
    public var secrets: [String: String]

    /// Creates a command.
    public init(key: String, command: String, timeoutMilliseconds: Int64, environment: [String: String], secrets: [String: String] = [:]) {
        self.key = key
        self.command = command
        self.timeoutMilliseconds = timeoutMilliseconds
        self.environment = environment
        self.secrets = secrets
    }
}
