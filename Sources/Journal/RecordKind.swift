/// The kinds of journal record.
public enum RecordKind: String, Hashable, Sendable, CaseIterable {
    /// The run's first record: machine, version, input and the start state.
    case created
    /// A lease was acquired; the record's epoch is the new fencing epoch.
    case lease
    /// An event, the state it led to, and the effects it asked for.
    case transition

    /// The kind whose name is spelled by these UTF-8 bytes (as stored), if any.
    init?(utf8 bytes: UnsafeRawBufferPointer) {
        switch (bytes.count, bytes.first) {
        case (7, UInt8(ascii: "c")?) where bytes.elementsEqual("created".utf8): self = .created
        case (5, UInt8(ascii: "l")?) where bytes.elementsEqual("lease".utf8): self = .lease
        case (10, UInt8(ascii: "t")?) where bytes.elementsEqual("transition".utf8): self = .transition
        default: return nil
        }
    }

    /// The byte that stands for the kind in the hashed encoding.
    var code: UInt8 {
        switch self {
        case .created: 1
        case .lease: 2
        case .transition: 3
        }
    }
}
