/// A command to run in a sandbox, at most once per key.
public struct CommandRequest: Sendable {
    /// The effect key; a command with a key that already started is not started again.
    public var key: String
    /// The shell command (`/bin/sh -c`).
    public var command: String
    /// Killed after this many seconds.
    public var timeoutSeconds: Int
    /// Environment variables, secrets included (passed in the environment, never in argv).
    public var environment: [String: String]
    /// Secret variables (from the worker's secrets), added last and redacted from the output.
    public var secrets: [String: String]

    /// Creates a request.
    public init(key: String, command: String, timeoutSeconds: Int, environment: [String: String] = [:], secrets: [String: String] = [:]) {
        self.key = key
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.secrets = secrets
    }
}
