import RunStateMachine

/// Performs and reconciles the effects of ``SandboxJob`` runs with a sandbox provider.
///
/// Every failure comes back as the outcome event the machine expects, with the time it was
/// observed, so the journal says what happened to each intent. Secrets are resolved here, at
/// effect time, and travel to the sandbox in the command's environment only.
public struct SandboxJobEffects: Sendable {
    /// Local sandboxes.
    public let local: any SandboxProvider
    /// Secret values.
    public let secrets: SecretStore
    /// Where collected artifacts go: `<directory>/<run id>/<path>`.
    public let artifactsDirectory: String
    /// Keeps held sandboxes' leases armed.
    public let keeper: SandboxKeeper
    /// The time outcomes are stamped with.
    public let now: @Sendable () -> Timestamp

    /// Creates the effects of sandbox jobs.
    public init(local: any SandboxProvider, secrets: SecretStore, artifactsDirectory: String, now: @escaping @Sendable () -> Timestamp) {
        self.local = local
        self.secrets = secrets
        self.artifactsDirectory = artifactsDirectory
        self.now = now
        self.keeper = SandboxKeeper(provider: local, now: now)
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

        /// Creates a target.
        public init(runID: String, job: SandboxJob, epoch: Int64, key: String) {
            self.runID = runID
            self.job = job
            self.epoch = epoch
            self.key = key
        }
    }

    /// Performs `intent` and returns its outcome.
    ///
    /// - Throws: `CancellationError` only, when the worker shuts down mid-effect.
    public func perform(_ intent: EffectIntent<SandboxJobEffect>, for target: Target) async throws -> SandboxJobEvent {
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
        case .callModel:
            return .modelCallFailed(
                intent: intent.id,
                reason: "agent runs need the Anthropic model client, which this worker does not include yet",
                retryable: false,
                retryAfterMilliseconds: nil,
                at: now()
            )
        case .runTool:
            return .toolFinished(intent: intent.id, result: ToolResult(isError: true, content: "this worker cannot run agent tools yet"))
        case .collectArtifacts(let sandbox):
            var artifacts: [ArtifactDigest] = []
            for path in spec.collect {
                do {
                    artifacts.append(try await local.copyOut(path, from: sandbox, to: "\(artifactsDirectory)/\(target.runID)/\(path)"))
                } catch {
                    return .collectFailed(intent: intent.id, reason: error.description)
                }
            }
            return .collected(intent: intent.id, artifacts: artifacts)
        case .killSandbox(let sandbox):
            do {
                try await local.kill(sandbox, reason: "run \(target.runID) released it")
                keeper.release(run: target.runID)
                return .sandboxReleased(intent: intent.id)
            } catch {
                return .sandboxReleaseFailed(intent: intent.id, reason: error.description, at: now())
            }
        case .reportStatus:
            // No status sink is configured: the journal is where the outcome is reported.
            return .statusReported(intent: intent.id)
        }
    }

    /// Finds out what became of `intent`, interrupted by a crash: a sandbox is found by its key;
    /// a command's records say whether it started and how it ended (one still running is waited
    /// for: the new worker reattaches to it).
    public func reconcile(_ intent: EffectIntent<SandboxJobEffect>, for target: Target) async -> ReconcileFinding<SandboxJobEvent> {
        switch intent.effect {
        case .createSandbox:
            if let found = await local.find(effectKey: target.key), found.isAlive {
                return .happened(.sandboxCreated(intent: intent.id, sandbox: found.id))
            }
            return .notHappened
        case .runStep(let sandbox, _, _), .runTool(let sandbox, _, _, _):
            switch await local.status(ofCommand: target.key, in: sandbox) {
            case .notStarted:
                return .notHappened
            case .finished(let result):
                return .happened(outcome(of: intent, result: result))
            case .running:
                guard let result = try? await local.wait(forCommand: target.key, in: sandbox) else {
                    return .unknown(reason: "the worker stopped while waiting for the command")
                }
                return .happened(outcome(of: intent, result: result))
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

    /// Stops keeping the run's sandbox alive (the driver let go of the run).
    public func released(_ runID: String) async {
        keeper.release(run: runID)
    }

    /// Kills every sandbox whose run is finished or unknown; `isUnfinished` answers from the
    /// journal. Returns the sandboxes killed.
    public func sweepOrphans(isUnfinished: (String) -> Bool) async -> [SandboxID] {
        var killed: [SandboxID] = []
        for sandbox in await local.list() where !isUnfinished(sandbox.runID) {
            if (try? await local.kill(sandbox.id, reason: "orphan: run \(sandbox.runID) is finished or unknown")) != nil {
                killed.append(sandbox.id)
            }
        }
        return killed
    }

    private func createSandbox(_ intent: IntentID, for target: Target) async -> SandboxJobEvent {
        let spec = target.job.input.sandbox
        guard spec.provider == .local else {
            return .sandboxCreateFailed(
                intent: intent,
                reason: "this worker has no \(spec.provider.rawValue) sandbox provider yet: use \"provider\": \"local\"",
                retryable: false,
                at: now()
            )
        }
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
            let sandbox = try await local.create(request)
            return .sandboxCreated(intent: intent, sandbox: sandbox.id)
        } catch {
            return .sandboxCreateFailed(intent: intent, reason: error.description, retryable: error.retryable, at: now())
        }
    }

    /// Starts a command with the spec's secrets and waits for it. A command whose start could not
    /// be confirmed is looked up by its key before it is called not started.
    private func runCommand(_ command: String, timeoutSeconds: Int, in sandbox: SandboxID, for target: Target) async throws -> StepResult {
        let environment: [String: String]
        switch secrets.resolve(target.job.input.sandbox.secrets) {
        case .success(let values): environment = values
        case .failure(let missing): return StepResult(exit: .failedToStart(reason: missing.description))
        }
        let request = CommandRequest(key: target.key, command: command, timeoutSeconds: timeoutSeconds, environment: environment)
        do {
            try await local.start(request, in: sandbox)
        } catch .gone(_, let reason) {
            return StepResult(exit: .sandboxLost(reason: reason))
        } catch {
            if case .notStarted = await local.status(ofCommand: target.key, in: sandbox) {
                return StepResult(exit: .failedToStart(reason: error.description))
            }
        }
        return try await local.wait(forCommand: target.key, in: sandbox)
    }

    private func outcome(of intent: EffectIntent<SandboxJobEffect>, result: StepResult) -> SandboxJobEvent {
        if case .runTool = intent.effect {
            return .toolFinished(intent: intent.id, result: ToolResult(isError: !result.exit.isSuccess, content: "\(result.exit)"))
        }
        return .stepFinished(intent: intent.id, result: result, at: now())
    }
}
