#if canImport(Glibc)
import Glibc
#endif

/// Where local sandboxes live and how they may be isolated.
public struct LocalSandboxOptions: Sendable {
    /// The directory holding one directory per sandbox (absolute). Every user must be able to
    /// traverse its ancestors, because sandboxed commands run as their own user.
    public var root: String
    /// The `runlog-supervisor` executable.
    public var supervisorPath: String
    /// The `bwrap` executable, or `nil` if bubblewrap is not installed.
    public var bubblewrapPath: String?
    /// Whether sandboxes that ask for bubblewrap may run without isolation when it is missing
    /// (the worker's explicit opt-out, `--allow-unisolated`).
    public var allowUnisolated: Bool
    /// When the worker runs as root, each sandbox's commands run as a user of their own,
    /// `userBase + n` for n below `userCount`, derived from the sandbox id.
    public var userBase: UInt32
    /// See ``userBase``.
    public var userCount: UInt32

    /// Creates options; `bubblewrapPath` defaults to the first `bwrap` on the usual paths.
    public init(
        root: String,
        supervisorPath: String,
        bubblewrapPath: String? = LocalSandboxOptions.findBubblewrap(),
        allowUnisolated: Bool = false,
        userBase: UInt32 = 200_000,
        userCount: UInt32 = 100_000
    ) {
        self.root = root
        self.supervisorPath = supervisorPath
        self.bubblewrapPath = bubblewrapPath
        self.allowUnisolated = allowUnisolated
        self.userBase = userBase
        self.userCount = userCount
    }

    /// The first executable `bwrap` in `/usr/bin`, `/usr/local/bin`, `/bin`.
    public static func findBubblewrap() -> String? {
        ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"].first { access($0, X_OK) == 0 }
    }

    /// `runlog-supervisor` beside the running executable (how `swift build` lays them out), or
    /// `$RUNLOG_SUPERVISOR` when set.
    public static func defaultSupervisorPath() -> String {
        if let explicit = getenv("RUNLOG_SUPERVISOR") {
            return String(cString: explicit)
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return "runlog-supervisor" }
        let executable = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let directory = executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)]
        return "\(directory)/runlog-supervisor"
    }
}
