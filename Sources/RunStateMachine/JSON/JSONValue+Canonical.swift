extension JSONValue {
    /// The canonical encoding: no whitespace, object keys sorted by their UTF-8 bytes, integers in
    /// decimal, fractional numbers in Swift's shortest round-trip form, strings with only the
    /// escapes JSON requires.
    ///
    /// Two equal values always give the same bytes, so these bytes are what the journal stores,
    /// hashes and compares during replay.
    public var canonicalBytes: [UInt8] {
        var buffer = CanonicalBuffer(capacity: 512)
        buffer.write(self)
        return buffer.bytes
    }

    /// The canonical encoding as a string; see ``canonicalBytes``.
    public var canonicalString: String {
        String(decoding: canonicalBytes, as: UTF8.self)
    }

    /// Appends the canonical encoding to `output`.
    public func writeCanonical(into output: inout [UInt8]) {
        output.append(contentsOf: canonicalBytes)
    }
}

/// The buffer the canonical encoder writes into: a plain growable allocation, so that each byte
/// written is a store rather than an `Array` append with its uniqueness and capacity checks
/// (which made up half of encoding, measured with perf on this machine kind).
private struct CanonicalBuffer: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
    }

    /// A copy of the bytes written.
    var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: storage, count: count))
    }

    private mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        let grown = Swift.max(capacity * 2, count + extra)
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        larger.update(from: storage, count: count)
        storage.deallocate()
        storage = larger
        capacity = grown
    }

    private mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (storage + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    private mutating func append(_ literal: StaticString) {
        append(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .int(let integer):
            write(integer)
        case .double(let number):
            var text = number.description
            text.withUTF8 { append($0) }
        case .string(let string):
            write(string)
        case .array(let elements):
            append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            append(UInt8(ascii: "]"))
        case .object(let object):
            append(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                write(member.key)
                append(UInt8(ascii: ":"))
                write(member.value)
            }
            append(UInt8(ascii: "}"))
        }
    }

    /// An integer in decimal, without going through `String`.
    private mutating func write(_ integer: Int64) {
        reserve(20)
        if integer < 0 {
            storage[count] = UInt8(ascii: "-")
            count += 1
        }
        var magnitude = integer.magnitude
        var digits = 0
        repeat {
            digits += 1
            magnitude /= 10
        } while magnitude > 0
        magnitude = integer.magnitude
        var index = count + digits - 1
        repeat {
            storage[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            index -= 1
        } while magnitude > 0
        count += digits
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// A string with only the escapes JSON requires (and `\u00XX` for other control characters).
    private mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { bytes in
            append(UInt8(ascii: "\""))
            var plainStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                append(UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
                plainStart = index + 1
                append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(byte)
                case 0x0A: append(UInt8(ascii: "n"))
                case 0x0D: append(UInt8(ascii: "r"))
                case 0x09: append(UInt8(ascii: "t"))
                case 0x08: append(UInt8(ascii: "b"))
                case 0x0C: append(UInt8(ascii: "f"))
                default:
                    append("u00")
                    append(Self.hexDigits.utf8Start[Int(byte >> 4)])
                    append(Self.hexDigits.utf8Start[Int(byte & 0xF)])
                }
            }
            append(UnsafeBufferPointer(rebasing: bytes[plainStart...]))
            append(UInt8(ascii: "\""))
        }
    }
}
