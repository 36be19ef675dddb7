import Journal
import Testing

/// Witnesses as people and logs write them.
@Suite("Chain witness")
struct ChainWitnessTests {
    static let hex = String(repeating: "0f", count: 32)

    @Test("SEQ:HASH parses, with or without witness=, in either case of hex; anything else does not")
    func parsing() {
        let witness = ChainWitness("42:\(Self.hex)")
        #expect(witness?.seq == 42 && witness?.hash == Array(repeating: 0x0f, count: 32))
        #expect(ChainWitness("witness=42:\(Self.hex.uppercased())") == witness)
        #expect(witness?.description == "42:\(Self.hex)")
        for bad in ["42", "42:", ":\(Self.hex)", "0:\(Self.hex)", "-1:\(Self.hex)", "42:\(Self.hex)0", "42:\(Self.hex.dropLast(2))", "42:\(Self.hex.dropLast(1))g", "x:\(Self.hex)", "42:\(Self.hex):1"] {
            #expect(ChainWitness(bad) == nil, "\(bad)")
        }
    }

    @Test("every witness in a text is found: bare lines and log lines alike")
    func scanning() {
        let text = "7:\(Self.hex)\n2026-12-08T01:00:00 notice runlog.witness: witness=9:\(Self.hex) journal head\r\nnoise 12:zz\n"
        #expect(ChainWitness.all(in: text).map(\.seq) == [7, 9])
    }
}
