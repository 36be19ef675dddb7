/// An invariant a fuzz target checks that did not hold for an input.
public struct FuzzFailure: Error, CustomStringConvertible {
    /// Which invariant, and how it failed.
    public let description: String

    /// A failure described by `description`.
    public init(_ description: String) {
        self.description = description
    }
}
