/// The outcome of one attempt of a shell step.
public struct StepResult: Hashable, Sendable {
    /// How the command ended.
    public var exit: StepExit
    /// Its standard output.
    public var stdout: OutputDigest
    /// Its standard error.
    public var stderr: OutputDigest
    /// How long it ran, in milliseconds.
    public var durationMilliseconds: Int64

    /// Creates a step result.
    public init(exit: StepExit, stdout: OutputDigest = .empty, stderr: OutputDigest = .empty, durationMilliseconds: Int64 = 0) {
        self.exit = exit
        self.stdout = stdout
        self.stderr = stderr
        self.durationMilliseconds = durationMilliseconds
    }
}

extension StepResult: JSONCodable {
    /// Decodes `{"exit":..,"stdout":..,"stderr":..,"durationMs":..}`.
    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFields(json)
        self.init(
            exit: try fields.decode("exit"),
            stdout: try fields.decode("stdout"),
            stderr: try fields.decode("stderr"),
            durationMilliseconds: try fields.int64("durationMs")
        )
    }

    /// `{"exit":..,"stdout":..,"stderr":..,"durationMs":..}`.
    public var json: JSONValue {
        ["durationMs": .int(durationMilliseconds), "exit": exit.json, "stderr": stderr.json, "stdout": stdout.json]
    }
}
