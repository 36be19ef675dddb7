/// A migration file split into its statements, for the extended query protocol, which runs one
/// statement at a time. Splits at semicolons outside comments, quoted strings, quoted names and
/// dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`), the forms the migrations use.
enum SQLScript {
    /// The statements of `script`, without the comments and blank text between them.
    static func statements(_ script: String) -> [String] {
        let bytes = Array(script.utf8)
        var statements: [String] = []
        var start = 0
        var index = 0
        var meaningful = false
        func flush(until end: Int) {
            if meaningful {
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                statements.append(text.trimmingWhitespace())
            }
            start = end + 1
            meaningful = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                meaningful = true
                index += 1
                while index < bytes.count && bytes[index] != byte { index += 1 }
            case UInt8(ascii: "$"):
                meaningful = true
                var tagEnd = index + 1
                while tagEnd < bytes.count, bytes[tagEnd] == UInt8(ascii: "_") || (bytes[tagEnd] | 0x20 >= UInt8(ascii: "a") && bytes[tagEnd] | 0x20 <= UInt8(ascii: "z")) {
                    tagEnd += 1
                }
                if tagEnd < bytes.count, bytes[tagEnd] == UInt8(ascii: "$") {
                    let tag = Array(bytes[index...tagEnd])
                    index = tagEnd + 1
                    while index + tag.count <= bytes.count, !bytes[index..<(index + tag.count)].elementsEqual(tag) { index += 1 }
                    index += tag.count - 1
                }
            case UInt8(ascii: ";"):
                flush(until: index)
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                meaningful = true
            }
            index += 1
        }
        flush(until: bytes.count)
        return statements
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
