import Crypto
import PropertyBased
import RunStateMachine
import Testing

@Suite("JSON parsing and canonical form")
struct JSONValueTests {
    @Test("parses every JSON type and keeps integers apart from fractions")
    func parsesTypes() throws {
        let value = try JSONValue.parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": "x\u00e9\ud83d\ude00\n"} "#)
        #expect(
            value == .object([
                "a": .array([.int(1), .int(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null]),
                "b": .string("xé😀\n"),
            ])
        )
    }

    @Test("canonical form sorts keys, drops whitespace and escapes only what JSON requires")
    func canonical() throws {
        let value = try JSONValue.parse(#"{ "z": 1, "a": {"y": "q\"\\\u0001", "b": [ ]}, "é": 2.5 }"#)
        #expect(value.canonicalString == #"{"a":{"b":[],"y":"q\"\\\u0001"},"z":1,"é":2.5}"#)
    }

    @Test("integers keep all 64 bits; larger ones become fractions")
    func integerLimits() throws {
        #expect(try JSONValue.parse("9223372036854775807") == .int(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try JSONValue.parse("-9223372036854775809") == .double(-9_223_372_036_854_775_808.0))
        #expect(try JSONValue.parse("-0") == .int(0))
        #expect(JSONValue.array([.int(.min), .int(.max), .int(0), .int(-7)]).canonicalString == "[-9223372036854775808,9223372036854775807,0,-7]")
    }

    @Test("keys are told apart and ordered by their UTF-8 bytes, without Unicode normalization")
    func keysByBytes() throws {
        // "é" precomposed (C3 A9) and decomposed (65 CC 81) are two keys, as RFC 8259 compares
        // names by code units; the decomposed one sorts first.
        let value = try JSONValue.parse(#"{"é": 1, "é": 2}"#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.count == 2)
        #expect(members["\u{E9}"] == .int(1))
        #expect(members["e\u{301}"] == .int(2))
        #expect(value.canonicalBytes == Array(#"{"e\#u{301}":2,"\#u{E9}":1}"#.utf8))
    }

    @Test("objects of any size find, replace, insert and remove members in key order")
    func objectMembers() {
        var object = JSONObject()
        let keys = (0..<20).map { "k\($0)" }.shuffled()
        for (index, key) in keys.enumerated() { object[key] = .int(Int64(index)) }
        #expect(object.keys == keys.sorted { JSONObject.precedes($0, $1) })
        for (index, key) in keys.enumerated() { #expect(object[key] == .int(Int64(index))) }
        // `JSONValue` is expressible by `nil` (as `null`), so absence is spelt out.
        let absent: JSONValue? = .none
        #expect(object["k20"] == absent)
        object["k7"] = .null
        #expect(object["k7"] == .null)
        object["k7"] = absent
        #expect(object["k7"] == absent && object.count == 19)
        let small: JSONObject = ["b": 2, "a": 1, "c": 3]
        #expect(small.keys == ["a", "b", "c"] && small["b"] == .int(2) && small["0"] == absent && small["d"] == absent)
    }

    @Test(
        "rejects malformed documents with a position",
        arguments: [
            ("{\"a\": 1,}", "expected a quoted key"),
            ("{\"a\": 1} x", "after the end"),
            ("{\"a\": 1, \"a\": 2}", "duplicate key \"a\""),
            ("[01]", "invalid number"),
            ("\"\\ud800\"", "surrogate"),
            ("\"tab\tinside\"", "control character"),
            ("tru", "invalid literal"),
            ("[1, 2", "ends in the middle"),
            ("{\"a\" 1}", "expected ':'"),
            ("1e999", "invalid number"),
        ]
    )
    func rejectsMalformed(text: String, expected: String) {
        #expect {
            _ = try JSONValue.parse(text)
        } throws: { error in
            String(describing: error).contains(expected)
        }
    }

    @Test("reports line and column")
    func position() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse("{\n  \"a\": tru\n}") }
        #expect(error.line == 2)
        #expect(error.column == 8)
    }

    @Test("rejects invalid UTF-8")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("rejects nesting deeper than the limit")
    func depth() throws {
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep, maxDepth: 16) }
        _ = try JSONValue.parse(deep, maxDepth: 20)
    }

    @Test("any value survives canonical encoding and parsing unchanged")
    func roundTrip() async {
        await propertyCheck(count: 300, input: Self.values(depth: 3)) { value in
            let bytes = value.canonicalBytes
            let parsed = try JSONValue.parse(bytes)
            #expect(parsed == value)
            #expect(parsed.canonicalBytes == bytes)
        }
    }

    /// Random JSON values built from a few leaf kinds.
    static func values(depth: Int) -> Generator<JSONValue, AnySequence<Any>> {
        let leaves = Gen<JSONValue>.oneOf(
            Gen.int64(in: Int64.min...Int64.max).map { JSONValue.int($0) }.eraseToAny(),
            Gen.double(in: -1e12...1e12).map { JSONValue.double($0) }.eraseToAny(),
            Gen.character(in: "\u{0}"..."\u{2FFF}").string(of: 0...12).map { JSONValue.string($0) }.eraseToAny(),
            Gen.bool.map { JSONValue.bool($0) }.eraseToAny(),
            Gen.always(JSONValue.null).eraseToAny()
        )
        guard depth > 0 else { return leaves.eraseToAny() }
        let inner = values(depth: depth - 1)
        return Gen<JSONValue>.oneOf(
            leaves.eraseToAny(),
            inner.array(of: 0...4).map { JSONValue.array($0) }.eraseToAny(),
            zip(Gen.letterOrNumber.string(of: 0...6), inner).array(of: 0...4)
                .map { pairs in JSONValue.object(JSONObject(Dictionary(pairs, uniquingKeysWith: { a, _ in a }))) }.eraseToAny()
        )
        .eraseToAny()
    }
}

@Suite("Content hash")
struct ContentHashTests {
    @Test("matches the FIPS 180-4 test vectors")
    func vectors() {
        #expect(ContentHash.sha256Hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(ContentHash.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            ContentHash.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    @Test("agrees with swift-crypto on random inputs of every length near block boundaries")
    func agreesWithCrypto() async {
        await propertyCheck(count: 300, input: Gen.uint8(in: 0...255).array(of: 0...200)) { bytes in
            let expected = Array(SHA256.hash(data: bytes))
            #expect(ContentHash.sha256(bytes) == expected)
        }
    }
}
