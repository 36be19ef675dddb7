/// An input to a machine. Events are exactly what the journal records.
public protocol MachineEvent: JSONCodable, Hashable, Sendable {
    /// The definition's name of this event, e.g. `stepFinished`.
    var name: String { get }
    /// The intent whose outcome this event reports, if it is an effect outcome.
    var answers: IntentID? { get }
}
