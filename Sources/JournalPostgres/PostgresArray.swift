import NIOCore
import PostgresNIO

/// A one-dimensional array parameter in PostgreSQL's binary format, whose elements may be NULL:
/// how a batch sends a column of many rows in one bind (`unnest($1::int8[], …)`).
/// postgres-nio's own arrays cannot hold NULLs, and text elements go as their UTF-8 bytes
/// unchanged (no `String` round trip for the canonical JSON).
struct PostgresArray: PostgresDynamicTypeEncodable {
    /// What the elements are.
    enum Element: Sendable {
        case int8
        case text
        case bytea
        case bool

        var oid: UInt32 {
            switch self {
            case .int8: 20
            case .text: 25
            case .bytea: 17
            case .bool: 16
            }
        }

        var arrayType: PostgresDataType {
            switch self {
            case .int8: .int8Array
            case .text: .textArray
            case .bytea: .byteaArray
            case .bool: .boolArray
            }
        }
    }

    private let element: Element
    private var buffer = ByteBuffer()
    private var count: Int32 = 0
    private var hasNull = false

    /// An empty array of `element`s, with room for `capacity` bytes of them.
    init(_ element: Element, capacity: Int = 0) {
        self.element = element
        buffer.reserveCapacity(capacity)
    }

    /// An array of 64-bit integers.
    init(int8 values: some Collection<Int64>) {
        self.init(.int8, capacity: values.count * 12)
        for value in values { append(value) }
    }

    /// An array of texts.
    init(text values: some Collection<String>) {
        self.init(.text)
        for value in values { append(text: Array(value.utf8)) }
    }

    var psqlType: PostgresDataType { element.arrayType }
    var psqlFormat: PostgresFormat { .binary }

    /// Appends an integer (NULL for `nil`).
    mutating func append(_ value: Int64?) {
        guard let value else { return appendNull() }
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(value)
        count += 1
    }

    /// Appends a boolean.
    mutating func append(_ value: Bool) {
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(UInt8(value ? 1 : 0))
        count += 1
    }

    /// Appends a text or bytea element from its bytes (NULL for `nil`).
    mutating func append(text bytes: [UInt8]?) {
        guard let bytes else { return appendNull() }
        buffer.writeInteger(Int32(bytes.count))
        buffer.writeBytes(bytes)
        count += 1
    }

    /// Appends a text element (NULL for `nil`).
    mutating func append(string: String?) {
        guard let string else { return appendNull() }
        buffer.writeInteger(Int32(string.utf8.count))
        buffer.writeString(string)
        count += 1
    }

    private mutating func appendNull() {
        buffer.writeInteger(Int32(-1))
        count += 1
        hasNull = true
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        guard count > 0 else {
            byteBuffer.writeInteger(Int32(0))
            byteBuffer.writeInteger(Int32(0))
            byteBuffer.writeInteger(element.oid)
            return
        }
        byteBuffer.writeInteger(Int32(1))
        byteBuffer.writeInteger(Int32(hasNull ? 1 : 0))
        byteBuffer.writeInteger(element.oid)
        byteBuffer.writeInteger(count)
        byteBuffer.writeInteger(Int32(1))
        var elements = buffer
        byteBuffer.writeBuffer(&elements)
    }
}
