/// The kinds of journal record.
public enum RecordKind: String, Hashable, Sendable, CaseIterable {
    /// The run's first record: machine, version, input and the start state.
    case created
    /// A lease was acquired; the record's epoch is the new fencing epoch.
    case lease
    /// An event, the state it led to, and the effects it asked for.
    case transition

    /// The byte that stands for the kind in the hashed encoding.
    var code: UInt8 {
        switch self {
        case .created: 1
        case .lease: 2
        case .transition: 3
        }
    }
}
