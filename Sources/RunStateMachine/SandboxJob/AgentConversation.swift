/// The conversation of an agent run, rebuilt from its journaled events: the model is never asked
/// for a turn whose response is journaled, so the journal is the transcript.
///
/// Each journaled ``ModelResponse`` is an assistant message; the results of its tool calls
/// (``SandboxJobEvent/toolFinished(intent:result:)``, or an `is_error` result for a call whose
/// outcome was found unknowable, ``SandboxJobEvent/effectInDoubt(intent:reason:)``) form the user
/// message after it. Every `tool_use` gets its `tool_result`, as the Messages API requires.
public struct AgentConversation: Hashable, Sendable {
    /// One model turn: its response and the results of its tool calls so far, by `tool_use` id.
    public struct Turn: Hashable, Sendable {
        /// The model's response.
        public var response: ModelResponse
        /// The tool results recorded so far, by `tool_use` id.
        public var results: [String: ToolResult]
    }

    /// The turns, in order.
    public private(set) var turns: [Turn] = []
    /// The effects of the run's intents, by id, so an outcome can be matched to its tool call.
    private var effects: [IntentID: SandboxJobEffect] = [:]

    /// An empty conversation.
    public init() {}

    /// Takes one journaled record into account: the intents it asked for and the event it
    /// recorded. Records must be fed in run order.
    public mutating func record(event: SandboxJobEvent, intents: [EffectIntent<SandboxJobEffect>]) {
        for intent in intents {
            effects[intent.id] = intent.effect
        }
        switch event {
        case .modelResponded(_, let response):
            turns.append(Turn(response: response, results: [:]))
        case .toolFinished(let intent, let result):
            recordResult(result, answering: intent)
        case .effectInDoubt(let intent, let reason):
            let result = ToolResult(
                isError: true,
                content: "The tool call was interrupted (the worker stopped) and whether it ran is unknown: \(reason). "
                    + "Check the sandbox's state before relying on its effects."
            )
            recordResult(result, answering: intent)
        default:
            break
        }
    }

    private mutating func recordResult(_ result: ToolResult, answering intent: IntentID) {
        guard case .runTool(_, let turn, _, let call)? = effects[intent], turns.indices.contains(turn - 1) else { return }
        turns[turn - 1].results[call.id] = result
    }

    /// The input of tool call `call` of turn `turn` (1-based), as the model sent it.
    public func input(of call: ToolCallRef, turn: Int) -> JSONValue? {
        guard turns.indices.contains(turn - 1), case .array(let blocks) = turns[turn - 1].response.content else { return nil }
        for block in blocks {
            guard case .object(let members) = block, members["type"] == .string("tool_use"), members["id"] == .string(call.id) else { continue }
            return members["input"] ?? .object([:])
        }
        return nil
    }

    /// The Messages API `messages` array: the prompt, then each turn's assistant message and its
    /// tool results. A call without a recorded result (only possible in a journal cut short) is
    /// answered with an `is_error` result so the transcript stays valid.
    public func messages(prompt: String) -> [JSONValue] {
        var messages: [JSONValue] = [["role": "user", "content": .string(prompt)]]
        for turn in turns {
            messages.append(["role": "assistant", "content": turn.response.content])
            let calls = turn.response.toolCalls
            guard !calls.isEmpty else { continue }
            let blocks: [JSONValue] = calls.map { call in
                let result = turn.results[call.id] ?? ToolResult(isError: true, content: "No result was recorded for this tool call.")
                return [
                    "type": "tool_result",
                    "tool_use_id": .string(call.id),
                    "content": .string(result.content),
                    "is_error": .bool(result.isError),
                ]
            }
            messages.append(["role": "user", "content": .array(blocks)])
        }
        return messages
    }
}
