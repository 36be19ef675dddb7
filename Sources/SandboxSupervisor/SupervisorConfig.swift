import RunStateMachine

/// How a supervisor confines the commands it starts; written by the worker into the sandbox's
/// `config.json` before the supervisor starts. Holds no secrets: those travel with each command
/// over the control socket and never touch the disk.
public struct SupervisorConfig: Hashable, Sendable {
    /// The program and arguments that precede the command text, e.g. bubblewrap's command line
    /// ending in `/bin/sh -c`.
    public var launcher: [String]
    /// The directory commands start in (the host path of the workspace when not isolated).
    public var workingDirectory: String
    /// The environment every command gets (secrets excluded).
    public var environment: [String: String]
    /// The user commands run as; `nil` keeps the supervisor's.
    public var user: UInt32?
    /// The group commands run as; `nil` keeps the supervisor's.
    public var group: UInt32?
    /// Resource limits set on each command's process before it executes.
    public var limits: ProcessLimits
    /// Output kept per stream and command (head and tail halves).
    public var outputBytes: Int
    /// Whether the launcher isolates the command in its own PID namespace, so killing the
    /// launcher kills everything the command started.
    public var isolated: Bool

    /// Creates a configuration.
    public init(
        launcher: [String],
        workingDirectory: String,
        environment: [String: String],
        user: UInt32?,
        group: UInt32?,
        limits: ProcessLimits,
        outputBytes: Int,
        isolated: Bool
    ) {
        self.launcher = launcher
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.user = user
        self.group = group
        self.limits = limits
        self.outputBytes = outputBytes
        self.isolated = isolated
    }
}

extension SupervisorConfig: JSONCodable {
    /// Decodes the form ``json`` writes.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        var environment: [String: String] = [:]
        let env = try JSONFields(try fields.required("environment"), path: "environment")
        for member in env.values {
            environment[member.key] = try env.string(member.key)
        }
        self.init(
            launcher: try fields.array("launcher"),
            workingDirectory: try fields.string("workingDirectory"),
            environment: environment,
            user: try fields.optionalInt("user").map { UInt32(truncatingIfNeeded: $0) },
            group: try fields.optionalInt("group").map { UInt32(truncatingIfNeeded: $0) },
            limits: try fields.decode("limits"),
            outputBytes: try fields.int("outputBytes"),
            isolated: try fields.bool("isolated")
        )
    }

    /// `{"launcher":[..],"workingDirectory":..,"environment":{..},"user":..,"group":..,"limits":{..},"outputBytes":..,"isolated":..}`.
    public var json: JSONValue {
        var members: JSONObject = [
            "launcher": .array(launcher.map(JSONValue.string)),
            "workingDirectory": .string(workingDirectory),
            "environment": .object(JSONObject(environment.mapValues(JSONValue.string))),
            "limits": limits.json,
            "outputBytes": .int(Int64(outputBytes)),
            "isolated": .bool(isolated),
        ]
        if let user { members["user"] = .int(Int64(user)) }
        if let group { members["group"] = .int(Int64(group)) }
        return .object(members)
    }
}
