import Crypto
import RunStateMachine

/// Keeps the head and the tail of an output stream within a byte budget, while counting and
/// hashing every byte, so a command can print gigabytes and its supervisor's memory stays flat.
/// With secrets, the stream is redacted first: what is kept, counted and hashed never holds
/// them. ``finish()`` must be called at the end of the stream, before what was kept is read.
public struct OutputCapture: Sendable {
    /// Bytes kept from the start (half the budget).
    public let headLimit: Int
    /// Bytes kept from the end (the other half).
    public let tailLimit: Int
    private var head: [UInt8] = []
    private var tail: [UInt8] = []
    /// Where the next tail byte goes once the ring is full.
    private var tailStart = 0
    private var hasher = SHA256()
    /// Bytes seen in all (after redaction).
    public private(set) var total: Int64 = 0
    private var redactor: SecretRedactor?

    /// A capture that keeps at most `budget` bytes, with the values of `secrets` (name → value)
    /// replaced by `[redacted NAME]`.
    public init(budget: Int, redacting secrets: [String: String] = [:]) {
        headLimit = max(0, budget) / 2
        tailLimit = max(0, budget) - max(0, budget) / 2
        head.reserveCapacity(min(headLimit, 65_536))
        redactor = SecretRedactor(secrets: secrets)
    }

    /// Takes the next chunk of the stream.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) {
        guard redactor != nil else { return take(chunk) }
        let redacted = redactor!.feed(chunk)
        redacted.withUnsafeBytes { take($0) }
    }

    /// Ends the stream: takes what the redactor held back.
    public mutating func finish() {
        guard redactor != nil else { return }
        let rest = redactor!.finish()
        rest.withUnsafeBytes { take($0) }
    }

    private mutating func take(_ chunk: UnsafeRawBufferPointer) {
        guard !chunk.isEmpty else { return }
        hasher.update(bufferPointer: chunk)
        total += Int64(chunk.count)
        var bytes = chunk[...]
        let intoHead = min(headLimit - head.count, bytes.count)
        if intoHead > 0 {
            head.append(contentsOf: bytes.prefix(intoHead))
            bytes = bytes.dropFirst(intoHead)
        }
        guard !bytes.isEmpty, tailLimit > 0 else { return }
        if bytes.count >= tailLimit {
            tail = Array(bytes.suffix(tailLimit))
            tailStart = 0
            return
        }
        if tail.count < tailLimit {
            let room = min(tailLimit - tail.count, bytes.count)
            tail.append(contentsOf: bytes.prefix(room))
            bytes = bytes.dropFirst(room)
        }
        // The ring is full: overwrite its oldest bytes, in at most two runs.
        while !bytes.isEmpty {
            let n = min(bytes.count, tailLimit - tailStart)
            tail.replaceSubrange(tailStart..<tailStart + n, with: bytes.prefix(n))
            tailStart = (tailStart + n) % tailLimit
            bytes = bytes.dropFirst(n)
        }
    }

    /// Takes the next chunk of the stream.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Whether bytes were dropped between the head and the tail.
    public var truncated: Bool { total > Int64(head.count + tail.count) }

    /// What was kept: the head, then (when bytes were dropped) a marker line saying how many,
    /// then the tail.
    public var kept: [UInt8] {
        var out = head
        if truncated {
            let omitted = total - Int64(head.count + tail.count)
            out += Array("\n[runlog: \(omitted) bytes omitted]\n".utf8)
        }
        out += tail[tailStart...]
        out += tail[..<tailStart]
        return out
    }

    /// The journal's record of the stream: size, hash, whether it was cut.
    public var digest: OutputDigest {
        let hex = ContentHash.hex(hasher.finalize())
        return OutputDigest(bytes: total, sha256: hex, truncated: truncated)
    }
}
