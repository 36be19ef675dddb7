/// The jitter added to each poll interval: a SplitMix64 sequence seeded by the worker's owner
/// name, so that the polls of many workers do not fall together, while one worker's are the same
/// in every replay (the engine machine reads no randomness).
struct PollJitter: Hashable, Sendable {
    private var state: UInt64

    /// The sequence of the worker named `owner` (FNV-1a of its bytes).
    init(owner: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in owner.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        state = hash
    }

    /// The next jitter, from 0 to `bound` milliseconds (0 if `bound` is not positive).
    mutating func next(upTo bound: Int64) -> Int64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        guard bound > 0 else { return 0 }
        return Int64(z % UInt64(bound + 1))
    }
}
