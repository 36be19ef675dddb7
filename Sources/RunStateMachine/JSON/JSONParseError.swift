/// Why a text is not the JSON Runlog accepts, and where.
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of malformed input the parser reports.
    public enum Problem: Hashable, Sendable {
        /// The text ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedCharacter(UInt8)
        /// `true`, `false` or `null` misspelled.
        case invalidLiteral
        /// A malformed number, or one too large to be finite.
        case invalidNumber
        /// An object member must start with a quoted key.
        case expectedKey
        /// A key must be followed by `:`.
        case expectedColon
        /// After a member or element comes `,` or the given closing bracket.
        case expectedCommaOrEnd(Character)
        /// The same key twice in one object; the document would be ambiguous.
        case duplicateKey(String)
        /// A backslash escape JSON does not define.
        case invalidEscape
        /// A `\u` escape of half a surrogate pair.
        case loneSurrogate
        /// A raw control character (below U+0020) inside a string; escape it.
        case controlCharacterInString
        /// Bytes that are not valid UTF-8.
        case invalidUTF8
        /// Arrays and objects nested deeper than the limit.
        case tooDeep(Int)
        /// Anything but whitespace after the document.
        case trailingContent
    }

    /// What is wrong.
    public let problem: Problem
    /// The byte offset of the problem.
    public let offset: Int
    /// The 1-based line of the problem.
    public let line: Int
    /// The 1-based column (in bytes) of the problem.
    public let column: Int

    init(problem: Problem, offset: Int, in input: UnsafeBufferPointer<UInt8>) {
        self.problem = problem
        self.offset = offset
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, input.count) where input[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        self.line = line
        self.column = offset - lineStart + 1
    }

    /// A sentence a person can act on, with the position.
    public var description: String {
        let what: String
        switch problem {
        case .unexpectedEnd: what = "the document ends in the middle of a value"
        case .unexpectedCharacter(let byte):
            what =
                byte >= 0x20 && byte < 0x7F
                ? "unexpected character '\(Character(Unicode.Scalar(byte)))'"
                : "unexpected byte 0x\(String(byte, radix: 16))"
        case .invalidLiteral: what = "invalid literal (expected true, false or null)"
        case .invalidNumber: what = "invalid number"
        case .expectedKey: what = "expected a quoted key"
        case .expectedColon: what = "expected ':' after the key"
        case .expectedCommaOrEnd(let close): what = "expected ',' or '\(close)'"
        case .duplicateKey(let key): what = "duplicate key \"\(key)\" (each key may appear once per object)"
        case .invalidEscape: what = "invalid escape sequence in a string"
        case .loneSurrogate: what = "a \\u escape encodes half of a surrogate pair"
        case .controlCharacterInString: what = "control character in a string (write it as an escape such as \\n)"
        case .invalidUTF8: what = "the text is not valid UTF-8"
        case .tooDeep(let limit): what = "arrays and objects are nested deeper than \(limit) levels"
        case .trailingContent: what = "unexpected content after the end of the document"
        }
        return "invalid JSON at line \(line), column \(column): \(what)"
    }
}
