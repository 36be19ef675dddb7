/// Limits applied to everything a sandbox runs.
public struct ResourceLimits: Hashable, Sendable {
    /// Address-space limit per process, in MiB.
    public var memoryMiB: Int
    /// CPU time per process, in seconds.
    public var cpuSeconds: Int
    /// Output kept per command (head and tail), in bytes; the rest is counted and hashed.
    public var outputBytes: Int
    /// Processes the sandbox may run at once.
    public var processes: Int
    /// Largest file a process may write, in MiB.
    public var fileSizeMiB: Int

    /// Creates limits (defaults from ``SpecLimits``).
    public init(
        memoryMiB: Int = 1024,
        cpuSeconds: Int = 600,
        outputBytes: Int = 1_048_576,
        processes: Int = 256,
        fileSizeMiB: Int = 1024
    ) {
        self.memoryMiB = memoryMiB
        self.cpuSeconds = cpuSeconds
        self.outputBytes = outputBytes
        self.processes = processes
        self.fileSizeMiB = fileSizeMiB
    }
}
