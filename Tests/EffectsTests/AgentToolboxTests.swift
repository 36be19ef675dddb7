import Effects
import RunStateMachine
import Testing

@Suite("Agent tools: what runs in the sandbox and what goes back to the model")
struct AgentToolboxTests {
    static let all = AgentSpec.Tool.allCases

    @Test("each tool becomes one command whose inputs travel in its environment")
    func commands() {
        let shell = AgentToolbox.prepare(ToolCallRef(id: "t1", name: "shell"), input: ["command": "ls -la"], offered: Self.all)
        #expect(shell == .run(.init(command: "ls -la", environment: [:])))
        let read = AgentToolbox.prepare(ToolCallRef(id: "t2", name: "read_file"), input: ["path": "a b'; rm -rf /"], offered: Self.all)
        guard case .run(let readCommand) = read else { Issue.record("\(read)"); return }
        #expect(readCommand.environment == ["RUNLOG_TOOL_PATH": "a b'; rm -rf /"])
        #expect(!readCommand.command.contains("rm -rf"))
        let write = AgentToolbox.prepare(ToolCallRef(id: "t3", name: "write_file"), input: ["path": "x/y.txt", "content": "$(reboot)"], offered: Self.all)
        guard case .run(let writeCommand) = write else { Issue.record("\(write)"); return }
        #expect(writeCommand.environment == ["RUNLOG_TOOL_PATH": "x/y.txt", "RUNLOG_TOOL_CONTENT": "$(reboot)"])
        #expect(!writeCommand.command.contains("reboot"))
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var call: ToolCallRef
        var input: JSONValue?
        var offered: [AgentSpec.Tool]
        var says: String
        var testDescription: String { "\(call.name) \(input.map(\.canonicalString) ?? "nil")" }
    }

    static let refused: [Refusal] = [
        Refusal(call: ToolCallRef(id: "a", name: "browse"), input: [:], offered: all, says: "There is no tool named 'browse'. The tools are: shell, read_file, write_file."),
        Refusal(call: ToolCallRef(id: "b", name: "shell"), input: ["command": "ls"], offered: [.readFile], says: "There is no tool named 'shell'. The tools are: read_file."),
        Refusal(call: ToolCallRef(id: "c", name: "shell"), input: "ls", offered: all, says: "The input of 'shell' must be a JSON object."),
        Refusal(call: ToolCallRef(id: "d", name: "shell"), input: ["cmd": "ls"], offered: all, says: "'shell' needs a string field 'command'."),
        Refusal(call: ToolCallRef(id: "e", name: "write_file"), input: ["path": "a", "content": 3], offered: all, says: "'write_file' needs a string field 'content'."),
        Refusal(
            call: ToolCallRef(id: "f", name: "write_file"),
            input: ["path": "a", "content": .string(String(repeating: "x", count: AgentToolbox.inputBudget + 1))],
            offered: all,
            says: "'content' is longer than 100000 bytes; split the work into smaller calls."
        ),
        Refusal(call: ToolCallRef(id: "g", name: "read_file"), input: ["path": "a\u{0}b"], offered: all, says: "'path' contains a NUL byte, which a command's environment cannot carry."),
    ]

    @Test("a call that cannot run is answered with an error result and runs nothing", arguments: refused)
    func refusals(_ refusal: Refusal) {
        #expect(AgentToolbox.prepare(refusal.call, input: refusal.input, offered: refusal.offered) == .refuse(ToolResult(isError: true, content: refusal.says)))
    }

    @Test("results carry stdout, marked stderr and a failed exit; long output keeps head and tail")
    func results() {
        let ok = AgentToolbox.result(of: StepResult(exit: .exited(code: 0)), output: CommandOutput(stdout: Array("hi\n".utf8)))
        #expect(ok == ToolResult(isError: false, content: "hi\n"))
        let failed = AgentToolbox.result(
            of: StepResult(exit: .exited(code: 2)),
            output: CommandOutput(stdout: Array("partial".utf8), stderr: Array("no such file\n".utf8))
        )
        #expect(failed == ToolResult(isError: true, content: "partial\n[stderr]\nno such file\n[exit 2]"))
        #expect(AgentToolbox.result(of: StepResult(exit: .exited(code: 0)), output: CommandOutput()) == ToolResult(isError: false, content: "(no output)"))
        let long = String(repeating: "a", count: 20_000) + String(repeating: "z", count: 20_000)
        let capped = AgentToolbox.result(of: StepResult(exit: .exited(code: 0)), output: CommandOutput(stdout: Array(long.utf8))).content
        #expect(capped.utf8.count < AgentToolbox.resultBudget + 100)
        #expect(capped.hasPrefix("aaaa"))
        #expect(capped.hasSuffix("zzzz"))
        #expect(capped.contains("[… 23616 bytes omitted …]"))
    }
}
