import RunStateMachine

/// A record of the chain's head seen at some time and kept outside the journal's database (a
/// worker's log, an object store with object lock): `SEQ:HASH`.
///
/// The hash chain shows that no record was changed, removed or reordered *relative to the
/// others*; someone able to rewrite the whole database could rewrite the chain from some record
/// on and recompute every hash after it. A witness catches that: the journal must still hold
/// the witnessed hash at the witnessed record, and then, by the chain, every record before it.
public struct ChainWitness: Hashable, Sendable, CustomStringConvertible {
    /// The record's sequence number.
    public var seq: Int64
    /// Its hash.
    public var hash: [UInt8]

    /// A witness of record `seq` with `hash`.
    public init(seq: Int64, hash: [UInt8]) {
        self.seq = seq
        self.hash = hash
    }

    /// Parses `SEQ:HASH` (64 hex digits), optionally after `witness=`; `nil` if it is not one.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("witness=") { text = text.dropFirst("witness=".count) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1, let hash = ContentHash.bytes(hex: parts[1]), hash.count == 32 else { return nil }
        self.init(seq: seq, hash: hash)
    }

    /// Every witness in `text`: each whitespace-separated word that is one (so a witness file may
    /// be `SEQ:HASH` lines, or log lines that carry `witness=SEQ:HASH`).
    public static func all(in text: String) -> [ChainWitness] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).compactMap { ChainWitness($0) }
    }

    /// `SEQ:HASH`.
    public var description: String { "\(seq):\(ContentHash.hex(hash))" }
}
