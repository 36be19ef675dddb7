import Effects
import Journal
import RunStateMachine
import Runtime
/// A benchmark whose work did not come out as it must (a run that did not succeed): its figures
/// would be meaningless, so none are printed.
public struct BenchmarkError: Error, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates the error.
    public init(_ description: String) {
        self.description = description
    }
}
