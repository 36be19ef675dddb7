import RunStateMachine

/// What the worker asks a supervisor over its control socket: one JSON line per connection,
/// answered by one ``ControlReply`` line.
public enum ControlRequest: Hashable, Sendable {
    /// Start a command unless its key already started.
    case run(CommandSpec)
    /// Kill every command, record why, and end the sandbox.
    case kill(reason: String)
    /// Answer if alive.
    case ping
}

extension ControlRequest: JSONCodable {
    /// Decodes `{"op":"run",...}`, `{"op":"kill","reason":..}` or `{"op":"ping"}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        switch try fields.string("op") {
        case "run":
            func variables(_ name: String) throws(JSONDecodingError) -> [String: String] {
                var variables: [String: String] = [:]
                guard let value = fields.optional(name) else { return variables }
                let members = try JSONFields(value, path: name)
                for member in members.values {
                    variables[member.key] = try members.string(member.key)
                }
                return variables
            }
            self = .run(
                CommandSpec(
                    key: try fields.string("key"),
                    command: try fields.string("command"),
                    timeoutMilliseconds: try fields.int64("timeoutMs"),
                    environment: try variables("env"),
                    secrets: try variables("secrets")
                )
            )
        case "kill":
            self = .kill(reason: try fields.string("reason"))
        case "ping":
            self = .ping
        case let op:
            throw JSONDecodingError(path: "op", problem: "unknown control operation '\(op)'")
        }
    }

    /// The request's JSON form.
    public var json: JSONValue {
        switch self {
        case .run(let spec):
            [
                "op": "run",
                "key": .string(spec.key),
                "command": .string(spec.command),
                "timeoutMs": .int(spec.timeoutMilliseconds),
                "env": .object(JSONObject(spec.environment.mapValues(JSONValue.string))),
                "secrets": .object(JSONObject(spec.secrets.mapValues(JSONValue.string))),
            ]
        case .kill(let reason):
            ["op": "kill", "reason": .string(reason)]
        case .ping:
            ["op": "ping"]
        }
    }
}
