import RunStateMachine

/// A run's id: 26 characters of Crockford base32, the first ten encoding the creation time in
/// milliseconds (so ids sort by creation) and the rest 80 random bits.
public struct RunID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The id text.
    public let value: String

    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// Parses an id, accepting upper case; `nil` unless it is 26 base32 characters.
    public init?(_ text: some StringProtocol) {
        let lowered = text.lowercased()
        guard lowered.utf8.count == 26, lowered.utf8.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        value = lowered
    }

    /// A new id for a run created at `time`, with randomness from `generator`.
    public static func generate(at time: Timestamp, using generator: inout some RandomNumberGenerator) -> RunID {
        var characters = [UInt8](repeating: 0, count: 26)
        var millis = UInt64(max(0, time.milliseconds)) & 0xFFFF_FFFF_FFFF
        for index in stride(from: 9, through: 0, by: -1) {
            characters[index] = alphabet[Int(millis & 31)]
            millis >>= 5
        }
        for index in 10..<26 {
            characters[index] = alphabet[Int(generator.next() & 31)]
        }
        return RunID(String(decoding: characters, as: UTF8.self))!
    }

    /// A new id for a run created at `time`, with system randomness.
    public static func generate(at time: Timestamp) -> RunID {
        var generator = SystemRandomNumberGenerator()
        return generate(at: time, using: &generator)
    }

    /// Orders ids, and so runs, by creation time.
    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.value < rhs.value }

    /// The id text.
    public var description: String { value }
}
