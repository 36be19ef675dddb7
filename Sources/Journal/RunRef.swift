/// A run as the journal addresses it: its public id and its internal row number.
public struct RunRef: Hashable, Sendable, CustomStringConvertible {
    /// The public id.
    public let id: RunID
    /// The row number in the `runs` table, which journal rows reference.
    public let number: Int64

    /// Creates a reference.
    public init(id: RunID, number: Int64) {
        self.id = id
        self.number = number
    }

    /// The public id.
    public var description: String { id.description }
}
