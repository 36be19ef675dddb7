import SystemSupport

/// The jitter added to each poll interval: a SplitMix64 sequence seeded by the worker's owner
/// name, so that the polls of many workers do not fall together, while one worker's are the same
/// in every replay (the engine machine reads no randomness).
struct PollJitter: Sendable {
    private var generator: SplitMix

    /// The sequence of the worker named `owner` (seeded by FNV-1a of its bytes).
    init(owner: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in owner.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        generator = SplitMix(seed: hash)
    }

    /// The next jitter, from 0 to `bound` milliseconds (0 if `bound` is not positive).
    mutating func next(upTo bound: Int64) -> Int64 {
        let bits = generator.next()
        guard bound > 0 else { return 0 }
        return Int64(bits % UInt64(bound + 1))
    }
}
