/// A run a claim took (``JournalStore/claim(_:)``): its lease, and whether an operator has asked
/// for it to be cancelled, read in the claim's transaction so the driver checks at once.
public struct ClaimedRun: Hashable, Sendable {
    /// The lease the claim took.
    public let lease: Lease
    /// Whether the run had a cancel request when it was claimed.
    public let cancelRequested: Bool

    /// A claimed run, as a store returns it.
    public init(lease: Lease, cancelRequested: Bool) {
        self.lease = lease
        self.cancelRequested = cancelRequested
    }
}
