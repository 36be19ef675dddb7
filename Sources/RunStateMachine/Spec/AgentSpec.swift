/// The configuration of an agent job: a model in a tool-use loop whose tools run in the sandbox.
public struct AgentSpec: Hashable, Sendable {
    /// A tool the model may call.
    public enum Tool: String, Hashable, Sendable, CaseIterable {
        /// Run a shell command in the sandbox.
        case shell
        /// Read a file from the sandbox.
        case readFile = "read_file"
        /// Write a file in the sandbox.
        case writeFile = "write_file"
    }

    /// Where model calls are made from.
    public enum Egress: String, Hashable, Sendable, CaseIterable {
        /// The worker calls the model API.
        case worker
        /// The sandbox calls the model API (for workers whose own network is unreliable); the
        /// worker still journals intent and outcome.
        case sandbox
    }

    /// The model name, e.g. `claude-sonnet-4-5`.
    public var model: String
    /// The system prompt.
    public var system: String?
    /// The task.
    public var prompt: String
    /// The most model turns the run may take.
    public var maxTurns: Int
    /// `max_tokens` of each model call.
    public var maxTokens: Int
    /// The tools offered to the model.
    public var tools: [Tool]
    /// Where model calls are made from.
    public var egress: Egress
    /// The most input plus output tokens the whole run may use, if limited.
    public var tokenBudget: Int?

    /// Creates an agent configuration.
    public init(
        model: String,
        system: String? = nil,
        prompt: String,
        maxTurns: Int = 20,
        maxTokens: Int = 4096,
        tools: [Tool] = Tool.allCases,
        egress: Egress = .worker,
        tokenBudget: Int? = nil
    ) {
        self.model = model
        self.system = system
        self.prompt = prompt
        self.maxTurns = maxTurns
        self.maxTokens = maxTokens
        self.tools = tools
        self.egress = egress
        self.tokenBudget = tokenBudget
    }
}
