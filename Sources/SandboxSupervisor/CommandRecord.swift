import RunStateMachine

/// What a supervisor writes about a command: the started marker (before its process exists)
/// and, once it ended, its result. Both are written atomically, so a reader sees a whole record
/// or none.
public enum CommandRecord {
    /// The started marker's content.
    public static func started(key: String, at: Int64) -> JSONValue {
        ["key": .string(key), "startedAt": .int(at)]
    }

    /// The exit record's content.
    public static func exit(key: String, result: StepResult, at: Int64) -> JSONValue {
        ["key": .string(key), "result": result.json, "endedAt": .int(at)]
    }

    /// The result in an exit record's bytes, or `nil` if they are not one.
    public static func result(fromExit bytes: [UInt8]) -> StepResult? {
        guard let value = try? JSONValue.parse(bytes), let fields = try? JSONFields(value) else { return nil }
        return try? fields.decode("result", as: StepResult.self)
    }
}
