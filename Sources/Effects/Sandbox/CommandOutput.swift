/// What a sandbox kept of a command's output: the head and tail of each stream within the
/// sandbox's output budget, secrets already redacted by the capture.
public struct CommandOutput: Hashable, Sendable {
    /// Standard output.
    public var stdout: [UInt8]
    /// Standard error.
    public var stderr: [UInt8]

    /// Creates an output.
    public init(stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.stdout = stdout
        self.stderr = stderr
    }
}
