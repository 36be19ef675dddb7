/// The bounds every job spec must respect, and the defaults it gets.
///
/// Everything is bounded so that a hostile or mistaken spec cannot make the worker allocate
/// without limit or the journal grow without limit (Temporal rejects payloads over 2 MB; a job
/// spec here is at most 256 KiB).
public enum SpecLimits {
    /// The largest spec document, in bytes.
    public static let maxSpecBytes = 262_144
    /// The deepest nesting of arrays and objects.
    public static let maxDepth = 16
    /// The most steps of a shell job.
    public static let maxSteps = 200
    /// The longest step command, in bytes.
    public static let maxCommandBytes = 65_536
    /// The longest name, label or key, in bytes.
    public static let maxLabelBytes = 200
    /// The most environment variables.
    public static let maxEnvEntries = 64
    /// The longest environment value, in bytes.
    public static let maxEnvValueBytes = 8192
    /// The most bytes of all environment names and values together.
    public static let maxEnvTotalBytes = 65_536
    /// The most secrets.
    public static let maxSecrets = 32
    /// The most mounts.
    public static let maxMounts = 16
    /// The longest path, in bytes.
    public static let maxPathBytes = 4096
    /// The most `collect` paths.
    public static let maxCollectPaths = 64
    /// The longest agent prompt or system prompt, in bytes.
    public static let maxPromptBytes = 100_000

    /// Run deadline bounds, in seconds (one second to seven days).
    public static let deadlineSeconds: ClosedRange<Int64> = 1...604_800
    /// The default run deadline: one hour.
    public static let defaultDeadlineSeconds = 3600
    /// Sandbox lease bounds, in seconds.
    public static let sandboxTimeoutSeconds: ClosedRange<Int64> = 10...86_400
    /// The default sandbox lease: ten minutes.
    public static let defaultSandboxTimeoutSeconds = 600
    /// Step timeout bounds, in seconds.
    public static let stepTimeoutSeconds: ClosedRange<Int64> = 1...86_400
    /// The default step timeout (lowered to the deadline if that is shorter).
    public static let defaultStepTimeoutSeconds = 600
    /// Attempts per step.
    public static let maxAttempts: ClosedRange<Int64> = 1...20
    /// Retry backoff bounds, in milliseconds (up to one hour).
    public static let backoffMilliseconds: ClosedRange<Int64> = 0...3_600_000
    /// Memory limit bounds, in MiB.
    public static let memoryMiB: ClosedRange<Int64> = 16...262_144
    /// CPU limit bounds, in seconds.
    public static let cpuSeconds: ClosedRange<Int64> = 1...86_400
    /// Kept-output bounds, in bytes.
    public static let outputBytes: ClosedRange<Int64> = 1024...1_073_741_824
    /// Process-count bounds.
    public static let processes: ClosedRange<Int64> = 1...4096
    /// File-size limit bounds, in MiB.
    public static let fileSizeMiB: ClosedRange<Int64> = 1...1_048_576
    /// Agent turn bounds.
    public static let maxTurns: ClosedRange<Int64> = 1...200
    /// `max_tokens` bounds.
    public static let maxTokens: ClosedRange<Int64> = 1...128_000
    /// Token budget bounds.
    public static let tokenBudget: ClosedRange<Int64> = 1...100_000_000

    /// Sandbox paths a mount may not cover: the read-only system and the kernel's filesystems.
    public static let reservedSandboxPaths = ["/proc", "/dev", "/sys", "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/tmp"]
}
