/// The parsers under coverage-guided fuzzing, each with the invariants it must keep on every
/// input: not only "no crash", but what accepting or refusing an input means.
///
/// A libFuzzer executable (`Fuzz/<name>`, built by `scripts/fuzz`) feeds each target the
/// fuzzer's inputs and aborts on a ``FuzzFailure``; the test suite replays the checked-in seeds
/// and every finding (`Fuzz/Corpus/<name>`, `Fuzz/Regressions/<name>`) through the same checks.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// ``JSONFuzzCheck``.
    case json
    /// ``SpecFuzzCheck``.
    case spec
    /// ``RecordFuzzCheck``.
    case record
    /// ``ConnectFuzzCheck``.
    case connect
    /// ``ControlFuzzCheck``.
    case control

    /// Checks one input.
    ///
    /// - Throws: ``FuzzFailure`` when an invariant does not hold.
    public func check(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .json: try JSONFuzzCheck.check(input)
        case .spec: try SpecFuzzCheck.check(input)
        case .record: try RecordFuzzCheck.check(input)
        case .connect: try ConnectFuzzCheck.check(input)
        case .control: try ControlFuzzCheck.check(input)
        }
    }

    /// Runs the target's check on the fuzzer's input and aborts, printing the broken invariant,
    /// if it fails: libFuzzer saves the input as a reproducer.
    public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try check(input)
        } catch {
            fatalError("fuzz target \(rawValue): \(error)")
        }
        return 0
    }
}
