/// A side effect a machine can ask for.
public protocol MachineEffect: JSONCodable, Hashable, Sendable {
    /// The definition's name of this effect kind, e.g. `createSandbox`.
    var kind: String { get }
}
