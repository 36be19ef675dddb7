import RunStateMachine
import Testing

@Suite("Agent conversation rebuilt from the journal")
struct AgentConversationTests {
    static let usage = TokenUsage(input: 10, output: 2)

    static func response(_ blocks: [JSONValue], stop: String) -> ModelResponse {
        ModelResponse(id: "msg", stopReason: stop, content: .array(blocks), usage: usage)
    }

    static func toolUse(_ id: String, _ name: String, _ input: JSONValue) -> JSONValue {
        ["type": "tool_use", "id": .string(id), "name": .string(name), "input": input]
    }

    @Test("each response is an assistant message followed by the results of all its tool calls, in call order")
    func messages() {
        var conversation = AgentConversation()
        let sandbox = SandboxID("sbx-1")
        let first = Self.response([["type": "text", "text": "ok"], Self.toolUse("t1", "shell", ["command": "ls"]), Self.toolUse("t2", "read_file", ["path": "a"])], stop: "tool_use")
        let callModel = EffectIntent<SandboxJobEffect>(id: IntentID(seq: 3, index: 0), effect: .callModel(sandbox: sandbox, turn: 1, attempt: 1), policy: .idempotent)
        conversation.record(event: .start, intents: [callModel])
        let tool1 = EffectIntent<SandboxJobEffect>(
            id: IntentID(seq: 4, index: 0),
            effect: .runTool(sandbox: sandbox, turn: 1, index: 0, call: ToolCallRef(id: "t1", name: "shell")),
            policy: .reconcile
        )
        conversation.record(event: .modelResponded(intent: callModel.id, response: first), intents: [tool1])
        let tool2 = EffectIntent<SandboxJobEffect>(
            id: IntentID(seq: 5, index: 0),
            effect: .runTool(sandbox: sandbox, turn: 1, index: 1, call: ToolCallRef(id: "t2", name: "read_file")),
            policy: .reconcile
        )
        conversation.record(event: .toolFinished(intent: tool1.id, result: ToolResult(isError: false, content: "a\nb\n")), intents: [tool2])
        #expect(conversation.input(of: ToolCallRef(id: "t2", name: "read_file"), turn: 1) == ["path": "a"])
        #expect(conversation.input(of: ToolCallRef(id: "t9", name: "read_file"), turn: 1) == nil)
        conversation.record(event: .effectInDoubt(intent: tool2.id, reason: "the sandbox ended"), intents: [])

        let messages = conversation.messages(prompt: "do it")
        #expect(messages.count == 3)
        #expect(messages[0] == ["role": "user", "content": "do it"])
        #expect(messages[1] == ["role": "assistant", "content": first.content])
        guard case .object(let results) = messages[2], case .array(let blocks)? = results["content"] else { Issue.record("no results"); return }
        #expect(results["role"] == "user")
        #expect(blocks.count == 2)
        #expect(blocks[0] == ["type": "tool_result", "tool_use_id": "t1", "content": "a\nb\n", "is_error": false])
        guard case .object(let doubt) = blocks[1] else { Issue.record("no second result"); return }
        #expect(doubt["tool_use_id"] == "t2")
        #expect(doubt["is_error"] == true)
        #expect(doubt["content"].map { "\($0)".contains("whether it ran is unknown") } == true)
    }

    @Test("a final answer adds no tool results; a call with no recorded result still gets an error result")
    func endings() {
        var conversation = AgentConversation()
        conversation.record(event: .modelResponded(intent: IntentID(seq: 3, index: 0), response: Self.response([Self.toolUse("t1", "shell", ["command": "ls"])], stop: "tool_use")), intents: [])
        let messages = conversation.messages(prompt: "p")
        #expect(messages.count == 3)
        guard case .object(let results) = messages[2], case .array(let blocks)? = results["content"], case .object(let block)? = blocks.first else {
            Issue.record("no results"); return
        }
        #expect(block["is_error"] == true)
        var finished = AgentConversation()
        finished.record(event: .modelResponded(intent: IntentID(seq: 3, index: 0), response: Self.response([["type": "text", "text": "done"]], stop: "end_turn")), intents: [])
        #expect(finished.messages(prompt: "p").count == 2)
    }
}
