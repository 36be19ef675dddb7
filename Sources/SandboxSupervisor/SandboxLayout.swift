import Crypto
import RunStateMachine

/// Where a local sandbox keeps its state: one directory per sandbox under a root.
///
/// ```
/// <root>/<id>/            0711, the worker's user (others may only traverse it)
///   meta.json             who the sandbox belongs to (run, effect key, epoch)
///   config.json           how the supervisor confines commands
///   lease                 wall-clock milliseconds; the supervisor kills everything after it
///   supervisor.pid        the supervisor's pid
///   supervisor.log        what the supervisor had to say (errors only)
///   dead.json             why the sandbox ended; written once, last
///   workspace/            the sandbox's /workspace, owned by the sandbox's user
///   commands/<hash>/      one per command key: started.json, exit.json, stdout, stderr
/// ```
///
/// A sandbox's id is derived from the key of the intent that created it, so a worker that
/// crashed after asking for it finds it again by that key.
public struct SandboxLayout: Sendable {
    /// The root that holds every sandbox of one journal.
    public let root: String
    /// The sandbox's id.
    public let id: String

    /// The layout of sandbox `id` under `root`.
    public init(root: String, id: String) {
        self.root = root
        self.id = id
    }

    /// The id of the sandbox created by the intent with `effectKey`.
    public static func id(forEffectKey effectKey: String) -> String {
        "sbx-" + ContentHash.hex(SHA256.hash(data: Array(effectKey.utf8))).prefix(20)
    }

    /// Whether `id` has the shape of a local sandbox id (and is therefore safe as a file name).
    public static func isValidID(_ id: String) -> Bool {
        id.hasPrefix("sbx-") && id.utf8.count == 24 && id.utf8.dropFirst(4).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The sandbox's directory.
    public var directory: String { "\(root)/\(id)" }
    /// `meta.json`.
    public var meta: String { "\(directory)/meta.json" }
    /// `config.json`.
    public var config: String { "\(directory)/config.json" }
    /// `lease`.
    public var lease: String { "\(directory)/lease" }
    /// `supervisor.pid`.
    public var pidFile: String { "\(directory)/supervisor.pid" }
    /// `supervisor.log`.
    public var log: String { "\(directory)/supervisor.log" }
    /// `dead.json`.
    public var dead: String { "\(directory)/dead.json" }
    /// `workspace/`.
    public var workspace: String { "\(directory)/workspace" }
    /// `commands/`.
    public var commands: String { "\(directory)/commands" }

    /// The directory of the command with `key`.
    public func command(_ key: String) -> CommandLayout {
        CommandLayout(directory: "\(commands)/" + ContentHash.hex(SHA256.hash(data: Array(key.utf8))).prefix(32))
    }

    /// The name of the supervisor's control socket (abstract namespace, so no path-length limit
    /// and nothing to clean up): derived from the sandbox directory.
    public var socketName: String {
        "runlog-sbx/" + ContentHash.hex(SHA256.hash(data: Array(directory.utf8))).prefix(40)
    }
}

/// Where one command's records live.
public struct CommandLayout: Sendable {
    /// The command's directory.
    public let directory: String
    /// Written before the command's process is created; its presence means "may have run".
    public var started: String { "\(directory)/started.json" }
    /// The command's result, written once it ended.
    public var exit: String { "\(directory)/exit.json" }
    /// The capped standard output.
    public var stdout: String { "\(directory)/stdout" }
    /// The capped standard error.
    public var stderr: String { "\(directory)/stderr" }
}
