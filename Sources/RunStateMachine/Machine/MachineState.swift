/// A state of a machine: a node of its definition (``name``) plus the data valid in that node.
public protocol MachineState: JSONCodable, Hashable, Sendable {
    /// The definition's name of this state, e.g. `running`.
    var name: String { get }
}
