import Failpoints
import RunStateMachine
import SystemSupport

/// Performs and reconciles the effects of ``SandboxJob`` runs with a sandbox provider.
///
/// Every failure comes back as the outcome event the machine expects, with the time it was
/// observed, so the journal says what happened to each intent. Secrets are resolved here, at
/// effect time, and travel to the sandbox in the command's environment only.
public struct SandboxJobPerformer: Sendable {
    /// The sandbox providers (local, and E2B if configured).
    public let sandboxes: SandboxRouter
    /// Secret values.
    public let secrets: SecretStore
    /// Where collected artifacts go: `<directory>/<run id>/<path>`.
    public let artifactsDirectory: String
    /// Keeps held sandboxes' leases armed.
    public let keeper: SandboxKeeper
    /// The time outcomes are stamped with.
    public let now: @Sendable () -> Timestamp
    /// The model agent runs call.
    public let model: AnthropicClient
    /// Where final outcomes are reported (none: the journal is the status).
    public let sinks: [any StatusSink]

    /// Creates the performer of sandbox-job effects.
    public init(
        local: any SandboxProvider,
        e2b: E2BSandboxProvider? = nil,
        secrets: SecretStore,
        artifactsDirectory: String,
        model: AnthropicClient = AnthropicClient(configuration: AnthropicConfiguration()),
        sinks: [any StatusSink] = [],
        now: @escaping @Sendable () -> Timestamp
    ) {
        self.sinks = sinks
        self.sandboxes = SandboxRouter(local: local, e2b: e2b)
        self.secrets = secrets
        self.artifactsDirectory = artifactsDirectory
        self.model = model
        self.now = now
        self.keeper = SandboxKeeper(provider: sandboxes, now: now)
    }

    /// What an effect is performed for: the run, its machine, and the intent's key.
    public struct Target: Sendable {
        /// The run's id.
        public var runID: String
        /// The run's machine (its spec and submission time).
        public var job: SandboxJob
        /// The lease epoch the run is driven under.
        public var epoch: Int64
        /// The intent's idempotency key.
        public var key: String
        /// The agent's conversation so far, as the journal has it (model calls and tool calls
        /// only; empty for other effects).
        public var conversation: AgentConversation

        /// Creates a target.
        public init(runID: String, job: SandboxJob, epoch: Int64, key: String, conversation: AgentConversation = AgentConversation()) {
            self.runID = runID
            self.job = job
            self.epoch = epoch
            self.key = key
            self.conversation = conversation
        }
    }

    /// Performs `intent` and returns its outcome.
    ///
    /// - Throws: `CancellationError` only, when the worker shuts down mid-effect.
    public func perform(_ intent: EffectIntent<SandboxJobEffect>, for target: Target) async throws -> SandboxJobEvent {
        secrets.scrub(try await performUnscrubbed(intent, for: target), names: Self.secretNames(target.job.input))
    }

    /// The secrets whose values must never be journaled for a run of `spec`: its own and the
    /// worker's credentials.
    static func secretNames(_ spec: JobSpec) -> [String] {
        spec.sandbox.secrets + [
            AnthropicConfiguration.apiKeySecret, E2BConfiguration.apiKeySecret, PostgRESTSink.apiKeySecret, WebhookSink.signingSecret,
        ]
    }

    private func performUnscrubbed(_ intent: EffectIntent<SandboxJobEffect>, for target: Target) async throws -> SandboxJobEvent {
        let spec = target.job.input
        switch intent.effect {
        case .createSandbox:
            return await createSandbox(intent.id, for: target)
        case .runStep(let sandbox, let index, _):
            guard spec.steps.indices.contains(index) else {
                return .stepFinished(intent: intent.id, result: StepResult(exit: .failedToStart(reason: "the spec has no step \(index)")), at: now())
            }
            let step = spec.steps[index]
            let result = try await runCommand(step.run, timeoutSeconds: step.timeoutSeconds, in: sandbox, for: target)
            return .stepFinished(intent: intent.id, result: result, at: now())
        case .callModel(let sandbox, _, _):
            return try await callModel(intent.id, in: sandbox, for: target)
        case .runTool(let sandbox, let turn, _, let call):
            return try await runTool(intent.id, call: call, turn: turn, in: sandbox, for: target)
        case .collectArtifacts(let sandbox):
            var artifacts: [ArtifactDigest] = []
            for path in spec.collect {
                do {
                    artifacts.append(try await sandboxes.copyOut(path, from: sandbox, to: "\(artifactsDirectory)/\(target.runID)/\(path)"))
                } catch {
                    return .collectFailed(intent: intent.id, reason: error.description)
                }
            }
            return .collected(intent: intent.id, artifacts: artifacts)
        case .killSandbox(let sandbox):
            do {
                try await sandboxes.kill(sandbox, reason: "run \(target.runID) released it")
                keeper.release(run: target.runID)
                return .sandboxReleased(intent: intent.id)
            } catch {
                return .sandboxReleaseFailed(intent: intent.id, reason: error.description, at: now())
            }
        case .reportStatus(let outcome):
            // The update's sequence is the reporting record's: later than any progress update
            // (the publisher leaves reporting runs alone), the same on every re-send.
            let update = StatusUpdate(
                runID: target.runID,
                seq: intent.id.seq,
                status: outcome.status,
                state: outcome.status,
                detail: outcome.description,
                at: now()
            )
            for sink in sinks {
                do {
                    try await sink.deliver(update)
                } catch {
                    return .statusReportFailed(intent: intent.id, reason: "\(sink.name): \(error)", retryable: error.retryable, at: now())
                }
            }
            Failpoint.hit(.afterStatusDelivered)
            return .statusReported(intent: intent.id)
        }
    }

    /// Finds out what became of `intent`, interrupted by a crash: a sandbox is found by its key;
    /// a command's records say whether it started and how it ended (one still running is waited
    /// for: the new worker reattaches to it).
    public func reconcile(_ intent: EffectIntent<SandboxJobEffect>, for target: Target) async -> ReconcileFinding<SandboxJobEvent> {
        switch await reconcileUnscrubbed(intent, for: target) {
        case .happened(let event): .happened(secrets.scrub(event, names: Self.secretNames(target.job.input)))
        case .notHappened: .notHappened
        case .unknown(let reason): .unknown(reason: secrets.scrub(reason, names: Self.secretNames(target.job.input)))
        }
    }

    private func reconcileUnscrubbed(_ intent: EffectIntent<SandboxJobEffect>, for target: Target) async -> ReconcileFinding<SandboxJobEvent> {
        switch intent.effect {
        case .createSandbox:
            if let found = await sandboxes.find(effectKey: target.key, provider: target.job.input.sandbox.provider), found.isAlive {
                return .happened(.sandboxCreated(intent: intent.id, sandbox: found.id))
            }
            return .notHappened
        case .runStep(let sandbox, _, _), .runTool(let sandbox, _, _, _):
            switch await sandboxes.status(ofCommand: target.key, in: sandbox) {
            case .notStarted:
                return .notHappened
            case .finished(let result):
                return .happened(await outcome(of: intent, result: result, in: sandbox, for: target))
            case .running:
                guard let result = try? await sandboxes.wait(forCommand: target.key, in: sandbox) else {
                    return .unknown(reason: "the worker stopped while waiting for the command")
                }
                return .happened(await outcome(of: intent, result: result, in: sandbox, for: target))
            case .lost(let reason):
                return .unknown(reason: "the sandbox ended while the command ran (\(reason))")
            case .unknowable(let reason):
                return .unknown(reason: reason)
            }
        case .callModel, .collectArtifacts, .killSandbox, .reportStatus:
            return .unknown(reason: "\(intent.effect.kind) cannot be reconciled")
        }
    }

    /// Keeps the sandbox that `state` holds alive while a driver holds the run.
    public func driving(_ state: SandboxJobState, for runID: String, job: SandboxJob) async {
        let ttl = Int64(job.input.sandbox.timeoutSeconds) * 1000
        await keeper.hold(run: runID, sandbox: state.sandbox, ttlMilliseconds: ttl)
    }

    /// Every lease of the worker is held until `until` (`nil`: for as long as it lives):
    /// sandboxes are renewed no further than their lease past it (see ``SandboxKeeper``).
    public func leasesHeld(until: Timestamp?) {
        keeper.leasesHeld(until: until)
    }

    /// Stops keeping the run's sandbox alive (the driver let go of the run).
    public func released(_ runID: String) async {
        keeper.release(run: runID)
    }

    /// Kills every sandbox whose run is finished or unknown; `unfinishedRuns` reads the ids of
    /// the unfinished runs from the journal (`nil`: it cannot be read, and nothing is killed).
    /// The journal is read after the sandboxes are listed: a sandbox another worker sharing the
    /// root creates meanwhile belongs to a run the read already sees.
    public func sweepOrphans(unfinishedRuns: () async -> Set<String>?) async -> [SandboxID] {
        let listed = await sandboxes.list()
        guard !listed.isEmpty, let unfinished = await unfinishedRuns() else { return [] }
        var killed: [SandboxID] = []
        for sandbox in listed where !unfinished.contains(sandbox.runID) {
            if (try? await sandboxes.kill(sandbox.id, reason: "orphan: run \(sandbox.runID) is finished or unknown")) != nil {
                killed.append(sandbox.id)
            }
        }
        return killed
    }

    private func createSandbox(_ intent: IntentID, for target: Target) async -> SandboxJobEvent {
        let spec = target.job.input.sandbox
        if case .failure(let missing) = secrets.resolve(spec.secrets) {
            return .sandboxCreateFailed(intent: intent, reason: missing.description, retryable: false, at: now())
        }
        let request = SandboxRequest(
            runID: target.runID,
            effectKey: target.key,
            epoch: target.epoch,
            spec: spec,
            leaseUntil: now().adding(seconds: spec.timeoutSeconds)
        )
        do {
            let sandbox = try await sandboxes.create(request)
            return .sandboxCreated(intent: intent, sandbox: sandbox.id)
        } catch {
            return .sandboxCreateFailed(intent: intent, reason: error.description, retryable: error.retryable, at: now())
        }
    }

    /// Starts a command with the spec's secrets (and `extraEnvironment`) and waits for it. A
    /// command whose start could not be confirmed is looked up by its key before it is called
    /// not started.
    private func runCommand(
        _ command: String,
        timeoutSeconds: Int,
        extraEnvironment: [String: String] = [:],
        afterStart failpoint: Failpoint? = nil,
        in sandbox: SandboxID,
        for target: Target
    ) async throws -> StepResult {
        let values: [String: String]
        switch secrets.resolve(target.job.input.sandbox.secrets) {
        case .success(let resolved): values = resolved
        case .failure(let missing): return StepResult(exit: .failedToStart(reason: missing.description))
        }
        let request = CommandRequest(key: target.key, command: command, timeoutSeconds: timeoutSeconds, environment: extraEnvironment, secrets: values)
        do {
            try await sandboxes.start(request, in: sandbox)
        } catch .gone(_, let reason) {
            return StepResult(exit: .sandboxLost(reason: reason))
        } catch {
            if case .notStarted = await sandboxes.status(ofCommand: target.key, in: sandbox) {
                return StepResult(exit: .failedToStart(reason: error.description))
            }
        }
        if let failpoint { Failpoint.hit(failpoint) }
        return try await sandboxes.wait(forCommand: target.key, in: sandbox)
    }

    private func outcome(of intent: EffectIntent<SandboxJobEffect>, result: StepResult, in sandbox: SandboxID, for target: Target) async -> SandboxJobEvent {
        if case .runTool = intent.effect {
            return .toolFinished(intent: intent.id, result: await toolResult(result, in: sandbox, key: target.key, spec: target.job.input))
        }
        return .stepFinished(intent: intent.id, result: result, at: now())
    }

    /// Asks the model for the next turn of the conversation the journal holds.
    private func callModel(_ intent: IntentID, in sandbox: SandboxID, for target: Target) async throws -> SandboxJobEvent {
        guard let agent = target.job.input.agent else {
            return ModelCallOutcome.failed(reason: "the job has no agent section").event(intent: intent, at: now())
        }
        let key: String
        switch secrets.resolve([AnthropicConfiguration.apiKeySecret]) {
        case .success(let values): key = values[AnthropicConfiguration.apiKeySecret] ?? ""
        case .failure(let missing): return ModelCallOutcome.failed(reason: missing.description).event(intent: intent, at: now())
        }
        let body = AnthropicMessages.requestBody(agent: agent, messages: target.conversation.messages(prompt: agent.prompt))
        Failpoint.hit(.beforeModelCall)
        let outcome: ModelCallOutcome
        switch agent.egress {
        case .worker: outcome = try await model.createMessage(body, apiKey: key)
        case .sandbox: outcome = try await callModelFromSandbox(body, apiKey: key, in: sandbox, for: target)
        }
        Failpoint.hit(.afterModelResponse)
        return outcome.event(intent: intent, at: now())
    }

    /// Makes the model call from inside the (E2B) sandbox, as its root user; the worker still
    /// journals the call's intent and its outcome.
    private func callModelFromSandbox(_ body: JSONValue, apiKey: String, in sandbox: SandboxID, for target: Target) async throws -> ModelCallOutcome {
        guard E2BSandboxProvider.holds(sandbox), let e2b = sandboxes.e2b else {
            return .failed(reason: "\"egress\": \"sandbox\" needs an E2B sandbox (\"provider\": \"e2b\"): local sandboxes have no network")
        }
        let configuration = model.configuration
        let secret = configuration.authStyle == .xAPIKey ? ("x-api-key", apiKey) : ("authorization", "Bearer \(apiKey)")
        let outcome: ModelCallOutcome
        do {
            let result = try await e2b.post(
                from: sandbox,
                key: target.key,
                url: configuration.baseURL + "/v1/messages",
                headers: [("content-type", "application/json"), ("anthropic-version", configuration.version)],
                secret: secret,
                body: body.canonicalBytes,
                timeoutSeconds: configuration.requestTimeoutSeconds
            )
            switch result {
            case .answer(let answer):
                outcome = AnthropicMessages.classify(status: answer.status, headers: answer.headers, body: answer.body)
            case .transport(let reason, let connected):
                outcome = connected ? .ambiguous(reason: reason, retryAfterMilliseconds: nil) : .rejected(reason: reason, retryAfterMilliseconds: nil)
            }
        } catch let error as SandboxError {
            if case .gone = error { return .failed(reason: "the model call could not be made from the sandbox: \(error)") }
            outcome = .ambiguous(reason: "the call from the sandbox failed: \(error)", retryAfterMilliseconds: nil)
        }
        return outcome.scrubbing(apiKey)
    }

    /// Runs one tool call in the sandbox under the intent's key (at most once), or answers it
    /// with an error result when the call cannot run (unknown tool, malformed input).
    private func runTool(_ intent: IntentID, call: ToolCallRef, turn: Int, in sandbox: SandboxID, for target: Target) async throws -> SandboxJobEvent {
        let spec = target.job.input
        let input = target.conversation.input(of: call, turn: turn)
        switch AgentToolbox.prepare(call, input: input, offered: spec.agent?.tools ?? []) {
        case .refuse(let refusal):
            return .toolFinished(intent: intent, result: refusal)
        case .run(let command):
            Failpoint.hit(.beforeToolStart)
            let timeout = min(AgentToolbox.timeoutSeconds, spec.sandbox.timeoutSeconds)
            let result = try await runCommand(
                command.command,
                timeoutSeconds: timeout,
                extraEnvironment: command.environment,
                afterStart: Failpoint.afterToolStart,
                in: sandbox,
                for: target
            )
            let toolResult = await toolResult(result, in: sandbox, key: target.key, spec: spec)
            Failpoint.hit(.afterToolFinish)
            return .toolFinished(intent: intent, result: toolResult)
        }
    }

    /// The tool result of a command that ran: its output with the spec's secrets redacted (a
    /// local sandbox's capture already did; an E2B sandbox's files hold the raw output).
    private func toolResult(_ result: StepResult, in sandbox: SandboxID, key: String, spec: JobSpec) async -> ToolResult {
        var output = (try? await sandboxes.output(ofCommand: key, in: sandbox)) ?? CommandOutput()
        if case .success(let values) = secrets.resolve(spec.sandbox.secrets), !values.isEmpty {
            output = CommandOutput(stdout: Self.redacted(output.stdout, values), stderr: Self.redacted(output.stderr, values))
        }
        return AgentToolbox.result(of: result, output: output)
    }

    private static func redacted(_ bytes: [UInt8], _ secrets: [String: String]) -> [UInt8] {
        var capture = OutputCapture(budget: max(bytes.count, 1) * 2, redacting: secrets)
        capture.append(bytes)
        capture.finish()
        return capture.kept
    }
}
