extension SandboxJob {
    /// Every released revision of the sandbox-job machine, oldest first; new runs get the last.
    ///
    /// A released revision never changes: runs recorded with it are driven and replayed by it in
    /// every later build. To change the machine, append a revision (a copy of the newest
    /// definition with the change and the next `revision` number), pin its version here, and gate
    /// the new behaviour in the transition code on ``revision`` (README: Upgrading).
    public static let revisions: [MachineRevision] = [
        MachineRevision(revision1, released: "4b52d6a186c98f4622b3d0a1a48ab9fbce3a0e5f035501e3e9d9db8411b32bb1")
    ]

    /// Revision 1, the first release's machine.
    static let revision1 = MachineDefinition(
        name: "sandbox-job",
        revision: 1,
        summary: "Provision a sandbox, run shell steps or an agent loop in it, tear it down, report the outcome.",
        states: [
            .init("queued", "submitted, waiting for a worker"),
            .init("provisioning", "creating the sandbox", holds: ["sandbox"]),
            .init("running", "running a shell step", holds: ["sandbox"]),
            .init("awaitingModel", "waiting for the model's response", holds: ["sandbox"]),
            .init("runningTools", "running the model's tool calls", holds: ["sandbox"]),
            .init("retryWait", "waiting to retry", holds: ["sandbox"]),
            .init("collecting", "copying artifacts out of the sandbox", holds: ["sandbox"]),
            .init("tearingDown", "killing the sandbox of a successful run", holds: ["sandbox"]),
            .init("compensating", "killing the sandbox after a failure or cancel", holds: ["sandbox"]),
            .init("needsAttention", "parked until an operator decides", holds: ["sandbox"]),
            .init("reporting", "reporting the outcome"),
            .init("succeeded", "done", terminal: true),
            .init("failed", "failed, cleaned up and reported", terminal: true),
            .init("cancelled", "cancelled, cleaned up and reported", terminal: true),
        ],
        events: [
            .init("start", "a worker took the run", source: .driver),
            .init("sandboxCreated", "the sandbox exists", source: .outcome),
            .init("sandboxCreateFailed", "no sandbox was created", source: .outcome),
            .init("stepFinished", "a step's command ended", source: .outcome),
            .init("modelResponded", "the model answered", source: .outcome),
            .init("modelCallFailed", "the model call failed", source: .outcome),
            .init("toolFinished", "a tool call finished", source: .outcome),
            .init("collected", "artifacts copied out", source: .outcome),
            .init("collectFailed", "copying artifacts failed", source: .outcome),
            .init("sandboxReleased", "the sandbox is gone", source: .outcome),
            .init("sandboxReleaseFailed", "killing the sandbox failed", source: .outcome),
            .init("statusReported", "the status sink has the outcome", source: .outcome),
            .init("statusReportFailed", "reporting failed", source: .outcome),
            .init("effectInDoubt", "an effect's outcome cannot be known", source: .recovery),
            .init("retryDue", "a retry wait is over", source: .timer),
            .init("deadlineReached", "the run's deadline passed", source: .timer),
            .init("cancelRequested", "someone cancelled the run", source: .operator),
            .init("operatorResolved", "an operator decided about a parked run", source: .operator),
        ],
        effects: [
            .init("createSandbox", "create the sandbox, tagged with run, key and epoch", policies: [.reconcile], acquires: ["sandbox"]),
            .init("runStep", "run one shell step in the sandbox", policies: [.idempotent, .reconcile]),
            .init("callModel", "ask the model for the next turn", policies: [.idempotent]),
            .init("runTool", "run one tool call in the sandbox", policies: [.reconcile]),
            .init("collectArtifacts", "copy collect paths out of the sandbox", policies: [.idempotent]),
            .init("killSandbox", "kill the sandbox (gone counts as done)", policies: [.idempotent], releases: ["sandbox"]),
            .init("reportStatus", "report the final outcome", policies: [.idempotent]),
        ],
        initialStates: ["queued"],
        edges: [
            .init("queued", "start", "provisioning", effects: ["createSandbox"]),
            .init("queued", "cancelRequested", "reporting", effects: ["reportStatus"]),
            .init("queued", "deadlineReached", "reporting", effects: ["reportStatus"]),

            .init("provisioning", "sandboxCreated", "running", effects: ["runStep"]),
            .init("provisioning", "sandboxCreated", "awaitingModel", effects: ["callModel"]),
            .init("provisioning", "sandboxCreated", "compensating", effects: ["killSandbox"]),
            .init("provisioning", "sandboxCreateFailed", "retryWait"),
            .init("provisioning", "sandboxCreateFailed", "reporting", effects: ["reportStatus"]),
            .init("provisioning", "cancelRequested", "provisioning"),
            .init("provisioning", "deadlineReached", "provisioning"),

            .init("running", "stepFinished", "running", effects: ["runStep"]),
            .init("running", "stepFinished", "collecting", effects: ["collectArtifacts"]),
            .init("running", "stepFinished", "tearingDown", effects: ["killSandbox"]),
            .init("running", "stepFinished", "retryWait"),
            .init("running", "stepFinished", "compensating", effects: ["killSandbox"]),
            .init("running", "effectInDoubt", "running", effects: ["runStep"]),
            .init("running", "effectInDoubt", "needsAttention"),
            .init("running", "cancelRequested", "compensating", effects: ["killSandbox"]),
            .init("running", "deadlineReached", "compensating", effects: ["killSandbox"]),

            .init("awaitingModel", "modelResponded", "runningTools", effects: ["runTool"]),
            .init("awaitingModel", "modelResponded", "collecting", effects: ["collectArtifacts"]),
            .init("awaitingModel", "modelResponded", "tearingDown", effects: ["killSandbox"]),
            .init("awaitingModel", "modelResponded", "compensating", effects: ["killSandbox"]),
            .init("awaitingModel", "modelCallFailed", "retryWait"),
            .init("awaitingModel", "modelCallFailed", "compensating", effects: ["killSandbox"]),
            .init("awaitingModel", "cancelRequested", "compensating", effects: ["killSandbox"]),
            .init("awaitingModel", "deadlineReached", "compensating", effects: ["killSandbox"]),

            .init("runningTools", "toolFinished", "runningTools", effects: ["runTool"]),
            .init("runningTools", "toolFinished", "awaitingModel", effects: ["callModel"]),
            .init("runningTools", "toolFinished", "compensating", effects: ["killSandbox"]),
            .init("runningTools", "effectInDoubt", "runningTools", effects: ["runTool"]),
            .init("runningTools", "effectInDoubt", "awaitingModel", effects: ["callModel"]),
            .init("runningTools", "effectInDoubt", "compensating", effects: ["killSandbox"]),
            .init("runningTools", "cancelRequested", "compensating", effects: ["killSandbox"]),
            .init("runningTools", "deadlineReached", "compensating", effects: ["killSandbox"]),

            .init("retryWait", "retryDue", "provisioning", effects: ["createSandbox"]),
            .init("retryWait", "retryDue", "running", effects: ["runStep"]),
            .init("retryWait", "retryDue", "awaitingModel", effects: ["callModel"]),
            .init("retryWait", "retryDue", "tearingDown", effects: ["killSandbox"]),
            .init("retryWait", "retryDue", "compensating", effects: ["killSandbox"]),
            .init("retryWait", "retryDue", "reporting", effects: ["reportStatus"]),
            .init("retryWait", "cancelRequested", "compensating", effects: ["killSandbox"]),
            .init("retryWait", "cancelRequested", "reporting", effects: ["reportStatus"]),
            .init("retryWait", "deadlineReached", "compensating", effects: ["killSandbox"]),
            .init("retryWait", "deadlineReached", "reporting", effects: ["reportStatus"]),

            .init("collecting", "collected", "tearingDown", effects: ["killSandbox"]),
            .init("collecting", "collectFailed", "compensating", effects: ["killSandbox"]),
            .init("collecting", "cancelRequested", "compensating", effects: ["killSandbox"]),
            .init("collecting", "deadlineReached", "compensating", effects: ["killSandbox"]),

            .init("tearingDown", "sandboxReleased", "reporting", effects: ["reportStatus"]),
            .init("tearingDown", "sandboxReleaseFailed", "retryWait"),
            .init("tearingDown", "sandboxReleaseFailed", "needsAttention"),

            .init("compensating", "sandboxReleased", "reporting", effects: ["reportStatus"]),
            .init("compensating", "sandboxReleaseFailed", "retryWait"),
            .init("compensating", "sandboxReleaseFailed", "needsAttention"),

            .init("reporting", "statusReported", "succeeded"),
            .init("reporting", "statusReported", "failed"),
            .init("reporting", "statusReported", "cancelled"),
            .init("reporting", "statusReportFailed", "retryWait"),
            .init("reporting", "statusReportFailed", "needsAttention"),

            .init("needsAttention", "operatorResolved", "running", effects: ["runStep"]),
            .init("needsAttention", "operatorResolved", "collecting", effects: ["collectArtifacts"]),
            .init("needsAttention", "operatorResolved", "tearingDown", effects: ["killSandbox"]),
            .init("needsAttention", "operatorResolved", "compensating", effects: ["killSandbox"]),
            .init("needsAttention", "operatorResolved", "reporting", effects: ["reportStatus"]),
            .init("needsAttention", "operatorResolved", "succeeded"),
            .init("needsAttention", "operatorResolved", "failed"),
            .init("needsAttention", "operatorResolved", "cancelled"),
            .init("needsAttention", "cancelRequested", "compensating", effects: ["killSandbox"]),
            .init("needsAttention", "deadlineReached", "compensating", effects: ["killSandbox"]),
        ]
    )
}
