/// Replaces secret values in a byte stream with `[redacted NAME]`, across chunk boundaries.
///
/// It holds back the last bytes of each chunk that could still begin a secret (fewer than the
/// longest secret), so a secret written in two pieces is caught; ``finish()`` releases them.
/// Where two secrets could match at one position, the longer wins.
public struct SecretRedactor: Sendable {
    private struct Secret: Sendable {
        var value: [UInt8]
        var replacement: [UInt8]
    }

    /// By first byte, longest first.
    private var secrets: [UInt8: [Secret]] = [:]
    private let longest: Int
    private var carry: [UInt8] = []

    /// A redactor of `secrets` (name → value); empty values are ignored. `nil` if none is left.
    public init?(secrets named: [String: String]) {
        var byFirst: [UInt8: [Secret]] = [:]
        var longest = 0
        for (name, value) in named.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
            let bytes = Array(value.utf8)
            byFirst[bytes[0], default: []].append(Secret(value: bytes, replacement: Array("[redacted \(name)]".utf8)))
            longest = max(longest, bytes.count)
        }
        guard longest > 0 else { return nil }
        secrets = byFirst.mapValues { $0.sorted { $0.value.count > $1.value.count } }
        self.longest = longest
    }

    /// The redacted bytes of the stream so far, except the few that could begin a secret.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) -> [UInt8] {
        carry.append(contentsOf: chunk)
        return redact(final: false)
    }

    /// The rest of the stream, redacted.
    public mutating func finish() -> [UInt8] {
        redact(final: true)
    }

    private mutating func redact(final: Bool) -> [UInt8] {
        let buffer = carry
        // A secret starting before `settled` fits in the buffer whole: what it is is known.
        let settled = final ? buffer.count : max(0, buffer.count - (longest - 1))
        var out: [UInt8] = []
        out.reserveCapacity(buffer.count)
        var index = 0
        scanning: while index < settled {
            if let candidates = secrets[buffer[index]] {
                for secret in candidates where index + secret.value.count <= buffer.count {
                    if buffer[index..<index + secret.value.count].elementsEqual(secret.value) {
                        out += secret.replacement
                        index += secret.value.count
                        continue scanning
                    }
                }
            }
            out.append(buffer[index])
            index += 1
        }
        carry = Array(buffer[index...])
        return out
    }
}
