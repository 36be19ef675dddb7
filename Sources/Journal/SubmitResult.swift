/// The outcome of a submit.
public struct SubmitResult: Hashable, Sendable {
    /// The run.
    public let run: RunRef
    /// `false` when the idempotency key matched an existing run with the same spec, which is
    /// returned instead of creating another.
    public let created: Bool

    /// A result as a store returns it.
    package init(run: RunRef, created: Bool) {
        self.run = run
        self.created = created
    }
}
