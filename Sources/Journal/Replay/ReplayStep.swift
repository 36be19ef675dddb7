/// One record as replay folded it (a record that disagrees with the machine ends the replay
/// with a divergence instead).
public struct ReplayStep: Hashable, Sendable {
    /// The record's global sequence number.
    public let seq: Int64
    /// The record's position within the run.
    public let runSeq: Int
    /// The record's kind.
    public let kind: RecordKind
    /// The event's name (transitions only).
    public let event: String?
    /// The name of the state the machine computed (the recorded one for lease records).
    public let state: String?
}
