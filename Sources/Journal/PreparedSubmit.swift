import RunStateMachine

/// A submit as every store journals it: the run's first record and its `runs` row, encoded and
/// checked before the store is touched, so a refused input changes nothing.
package struct PreparedSubmit: Sendable {
    /// The run's id.
    package let runID: RunID
    /// The machine's name and its newest revision's version.
    package let machine: String
    package let version: String
    /// The run's label and the client's idempotency key.
    package let label: String?
    package let idempotencyKey: String?
    /// SHA-256 (hex) of the canonical input: what an idempotent resubmit is compared by.
    package let inputHash: String
    /// The `created` record's payload, start state and intents (canonical JSON).
    package let event: [UInt8]
    package let state: [UInt8]
    package let intents: [UInt8]?
    /// The start state's name and whether it is terminal.
    package let stateName: String
    package let terminal: Bool
    /// The submission time.
    package let at: Timestamp

    /// Prepares a run of `Machine`'s newest revision with `input`.
    ///
    /// - Throws: ``JournalError`` with code ``JournalError/Code/invalidInput`` if the machine
    ///   refuses to start or the input would not load again.
    package init<Machine: StateMachine>(
        _ machine: Machine.Type,
        input: Machine.Input,
        label: String?,
        idempotencyKey: String?,
        at: Timestamp,
        id: RunID?
    ) throws(JournalError) {
        let revision = Machine.latest
        let definition = revision.definition
        let start: Transition<Machine>
        do {
            start = try Machine(input: input, submittedAt: at, revision: revision.number).checkedStart()
        } catch {
            throw JournalError(.invalidInput, "the machine refuses to start: \(error)")
        }
        let inputJSON = input.json
        // What is journaled must load again: the input is decoded (and validated) as a worker
        // will decode it.
        do {
            _ = try Machine.Input(json: inputJSON)
        } catch {
            throw JournalError(.invalidInput, "the run's input is not valid: \(error)")
        }
        let inputBytes = inputJSON.canonicalBytes
        let runID = id ?? RunID.generate(at: at)
        let creation = RunCreation(
            runID: runID,
            machine: definition.name,
            version: definition.version,
            input: inputJSON,
            submittedAt: at,
            name: label,
            idempotencyKey: idempotencyKey
        )
        self.runID = runID
        self.machine = definition.name
        self.version = definition.version
        self.label = label
        self.idempotencyKey = idempotencyKey
        self.inputHash = HashChain.sha256Hex(inputBytes)
        self.event = creation.canonicalPayload(inputBytes: inputBytes)
        self.state = start.state.json.canonicalBytes
        self.stateName = start.state.name
        self.terminal = definition.isTerminal(start.state.name)
        self.intents = AppendRequest.encode(start.intents)
        self.at = at
    }

    /// The refusal of a resubmit under the same key with another input.
    package func conflict(with run: RunRef) -> JournalError {
        JournalError(
            .idempotencyConflict,
            "idempotency key '\(idempotencyKey ?? "")' already names run \(run.id), submitted with a different spec; "
                + "use a new key, or resubmit the original spec",
            run: run.id
        )
    }
}
