import RunStateMachine

/// The tools an agent may call, as the model sees them and as they run in the sandbox.
///
/// Every tool runs as one sandbox command under the tool call's effect key, so the sandbox's
/// command records (started marker, exit code, capped output) make it at-most-once: a worker that
/// dies mid-tool finds the call's fate there and never starts it twice. Inputs reach the command
/// through its environment, never through the shell's parsing.
public enum AgentToolbox {
    /// The most bytes of a tool's result sent back to the model (and journaled): the head and
    /// the tail of the output, with a line saying how much was left out.
    public static let resultBudget = 16_384
    /// The longest shell command, and the largest file content written, a tool call may carry
    /// (it travels in the command's environment, which the kernel bounds per string).
    public static let inputBudget = 100_000
    /// How long one tool call may run unless the sandbox's own timeout is shorter.
    public static let timeoutSeconds = 300

    /// A tool call ready to run in the sandbox.
    public struct Command: Hashable, Sendable {
        /// The shell command.
        public var command: String
        /// The inputs it reads, by variable name.
        public var environment: [String: String]

        /// Creates a command.
        public init(command: String, environment: [String: String]) {
            self.command = command
            self.environment = environment
        }
    }

    /// The Messages API definition of `tool`.
    public static func definition(_ tool: AgentSpec.Tool) -> JSONValue {
        func schema(_ properties: JSONObject, required: [String]) -> JSONValue {
            ["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })]
        }
        switch tool {
        case .shell:
            return [
                "name": "shell",
                "description": "Run a shell command (/bin/sh -c) in the sandbox, in its workspace directory. Returns standard output, standard error and the exit status.",
                "input_schema": schema(["command": ["type": "string", "description": "The command line to run."]], required: ["command"]),
            ]
        case .readFile:
            return [
                "name": "read_file",
                "description": "Read a text file in the sandbox. Relative paths are relative to the workspace directory.",
                "input_schema": schema(["path": ["type": "string", "description": "The file's path."]], required: ["path"]),
            ]
        case .writeFile:
            return [
                "name": "write_file",
                "description": "Write (create or replace) a text file in the sandbox, creating its parent directories. Relative paths are relative to the workspace directory.",
                "input_schema": schema(
                    ["path": ["type": "string", "description": "The file's path."], "content": ["type": "string", "description": "The file's entire new content."]],
                    required: ["path", "content"]
                ),
            ]
        }
    }

    /// What to do with a tool call.
    public enum Preparation: Hashable, Sendable {
        /// Run this command.
        case run(Command)
        /// Run nothing; send this error result back (a tool the spec does not offer, a
        /// malformed input).
        case refuse(ToolResult)
    }

    /// What to do with `call`, given the model's `input`.
    public static func prepare(_ call: ToolCallRef, input: JSONValue?, offered: [AgentSpec.Tool]) -> Preparation {
        do throws(Refusal) {
            return .run(try command(for: call, input: input, offered: offered))
        } catch {
            return .refuse(ToolResult(isError: true, content: error.message))
        }
    }

    private struct Refusal: Error {
        var message: String
    }

    private static func command(for call: ToolCallRef, input: JSONValue?, offered: [AgentSpec.Tool]) throws(Refusal) -> Command {
        guard let tool = AgentSpec.Tool(rawValue: call.name), offered.contains(tool) else {
            let names = offered.map(\.rawValue).joined(separator: ", ")
            throw Refusal(message: "There is no tool named '\(call.name)'. The tools are: \(names).")
        }
        guard case .object(let fields)? = input else {
            throw Refusal(message: "The input of '\(call.name)' must be a JSON object.")
        }
        func text(_ name: String) throws(Refusal) -> String {
            guard case .string(let value)? = fields[name] else {
                throw Refusal(message: "'\(call.name)' needs a string field '\(name)'.")
            }
            guard value.utf8.count <= inputBudget else {
                throw Refusal(message: "'\(name)' is longer than \(inputBudget) bytes; split the work into smaller calls.")
            }
            guard !value.utf8.contains(0) else {
                throw Refusal(message: "'\(name)' contains a NUL byte, which a command's environment cannot carry.")
            }
            return value
        }
        switch tool {
        case .shell:
            return Command(command: try text("command"), environment: [:])
        case .readFile:
            return Command(command: #"cat -- "$RUNLOG_TOOL_PATH""#, environment: ["RUNLOG_TOOL_PATH": try text("path")])
        case .writeFile:
            return Command(
                command: #"mkdir -p -- "$(dirname -- "$RUNLOG_TOOL_PATH")" && printf '%s' "$RUNLOG_TOOL_CONTENT" > "$RUNLOG_TOOL_PATH" && echo "wrote $(wc -c < "$RUNLOG_TOOL_PATH") bytes to $RUNLOG_TOOL_PATH""#,
                environment: ["RUNLOG_TOOL_PATH": try text("path"), "RUNLOG_TOOL_CONTENT": try text("content")]
            )
        }
    }

    /// The result sent back to the model for a tool call that ran: what it printed (standard
    /// error marked as such), and its exit status when it failed, within ``resultBudget``.
    public static func result(of result: StepResult, output: CommandOutput) -> ToolResult {
        var text = String(decoding: output.stdout, as: UTF8.self)
        if !output.stderr.isEmpty {
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            text += "[stderr]\n" + String(decoding: output.stderr, as: UTF8.self)
        }
        if !result.exit.isSuccess {
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
            text += "[\(result.exit)]"
        }
        if text.isEmpty {
            text = "(no output)"
        }
        var lost: String?
        if case .sandboxLost(let reason) = result.exit { lost = reason }
        return ToolResult(isError: !result.exit.isSuccess, content: capped(text, budget: resultBudget), sandboxLost: lost)
    }

    /// `text` within `budget` UTF-8 bytes: its head and tail around a line saying how many bytes
    /// were left out.
    public static func capped(_ text: String, budget: Int) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count > budget else { return text }
        let half = budget / 2
        let omitted = bytes.count - 2 * half
        return String(decoding: bytes.prefix(half), as: UTF8.self) + "\n[… \(omitted) bytes omitted …]\n"
            + String(decoding: bytes.suffix(half), as: UTF8.self)
    }
}
