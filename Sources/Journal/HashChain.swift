import Crypto
import RunStateMachine

/// The journal's hash chain: `hash = SHA-256(prev_hash ‖ canonical bytes of the record)`.
///
/// The canonical bytes are a length-prefixed binary layout of every column except the two hash
/// columns and `format`, so changing, removing or reordering any row breaks the chain at that
/// row. Each record names its layout in its `format` column, and the layout begins with a tag
/// naming it, so a record is hashed by its own format's layout: a later format is added beside
/// this one (new rows only), never by changing it, and old hashes stay valid. Format 1:
///
/// ```
/// "RLJ1"                                   4 bytes, format tag
/// seq, run_no, run_seq, run_prev           8 bytes each, big-endian (run_prev 0 for none)
/// kind                                     1 byte (1 created, 2 lease, 3 transition)
/// epoch, at_ms                             8 bytes each, big-endian (two's complement)
/// event, state, intents, abandons, answers each: 4-byte big-endian length + bytes,
///                                          or 0xFFFFFFFF for NULL
/// ```
package enum HashChain {
    /// The record format this build writes.
    package static let currentFormat: Int64 = 1

    /// The record formats this build can hash (and so verify and read).
    package static let knownFormats: ClosedRange<Int64> = 1...1

    /// `format 1`, or `formats 1 to 3`, for messages.
    package static var knownFormatsDescription: String {
        knownFormats.count == 1 ? "format \(knownFormats.lowerBound)" : "formats \(knownFormats.lowerBound) to \(knownFormats.upperBound)"
    }

    /// The `prev_hash` of the first record.
    package static let genesis = [UInt8](repeating: 0, count: 32)

    /// The size of the fixed part of the canonical bytes.
    static let headerSize = 53

    /// SHA-256 of `bytes` as lowercase hex (input hashes for idempotency and projection checks).
    package static func sha256Hex(_ bytes: [UInt8]) -> String {
        ContentHash.hex(SHA256.hash(data: bytes))
    }

    /// Writes the fixed-size part of the canonical bytes (``headerSize`` bytes) into `buffer`.
    static func fillHeader(
        _ buffer: UnsafeMutableRawBufferPointer,
        seq: Int64,
        runNo: Int64,
        runSeq: Int64,
        runPrev: Int64,
        kind: RecordKind,
        epoch: Int64,
        atMilliseconds: Int64
    ) {
        buffer[0] = UInt8(ascii: "R")
        buffer[1] = UInt8(ascii: "L")
        buffer[2] = UInt8(ascii: "J")
        buffer[3] = UInt8(ascii: "1")
        buffer.storeBytes(of: UInt64(bitPattern: seq).bigEndian, toByteOffset: 4, as: UInt64.self)
        buffer.storeBytes(of: UInt64(bitPattern: runNo).bigEndian, toByteOffset: 12, as: UInt64.self)
        buffer.storeBytes(of: UInt64(bitPattern: runSeq).bigEndian, toByteOffset: 20, as: UInt64.self)
        buffer.storeBytes(of: UInt64(bitPattern: runPrev).bigEndian, toByteOffset: 28, as: UInt64.self)
        buffer[36] = kind.code
        buffer.storeBytes(of: UInt64(bitPattern: epoch).bigEndian, toByteOffset: 37, as: UInt64.self)
        buffer.storeBytes(of: UInt64(bitPattern: atMilliseconds).bigEndian, toByteOffset: 45, as: UInt64.self)
    }

    /// The hash of a format-1 record with these column values.
    ///
    /// - Parameter scratch: A buffer reused between calls (the writer keeps one): the canonical
    ///   bytes are assembled in it and hashed in one call.
    package static func hash(
        prev: [UInt8],
        seq: Int64,
        runNo: Int64,
        runSeq: Int,
        runPrev: Int64?,
        kind: RecordKind,
        epoch: Int64,
        atMilliseconds: Int64,
        event: [UInt8],
        state: [UInt8]?,
        intents: [UInt8]?,
        abandons: [UInt8]?,
        answers: [UInt8]?,
        scratch: inout [UInt8]
    ) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: prev)
        appendHeader(to: &scratch, seq: seq, runNo: runNo, runSeq: Int64(runSeq), runPrev: runPrev ?? 0, kind: kind, epoch: epoch, atMilliseconds: atMilliseconds)
        appendField(event, to: &scratch)
        appendField(state, to: &scratch)
        appendField(intents, to: &scratch)
        appendField(abandons, to: &scratch)
        appendField(answers, to: &scratch)
        return Array(SHA256.hash(data: scratch))
    }

    /// Appends the fixed-size part of the canonical bytes to `bytes`.
    static func appendHeader(
        to bytes: inout [UInt8],
        seq: Int64,
        runNo: Int64,
        runSeq: Int64,
        runPrev: Int64,
        kind: RecordKind,
        epoch: Int64,
        atMilliseconds: Int64
    ) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(UInt8(0), count: headerSize))
        bytes.withUnsafeMutableBytes { buffer in
            fillHeader(
                UnsafeMutableRawBufferPointer(rebasing: buffer[start...]),
                seq: seq,
                runNo: runNo,
                runSeq: runSeq,
                runPrev: runPrev,
                kind: kind,
                epoch: epoch,
                atMilliseconds: atMilliseconds
            )
        }
    }

    /// Appends a length-prefixed field (or the NULL marker) to the canonical bytes.
    static func appendField(_ field: UnsafeRawBufferPointer?, to bytes: inout [UInt8]) {
        let length = field.map { UInt32($0.count) } ?? UInt32.max
        bytes.append(UInt8(truncatingIfNeeded: length >> 24))
        bytes.append(UInt8(truncatingIfNeeded: length >> 16))
        bytes.append(UInt8(truncatingIfNeeded: length >> 8))
        bytes.append(UInt8(truncatingIfNeeded: length))
        if let field, field.count > 0 {
            bytes.append(contentsOf: field)
        }
    }

    /// Appends a length-prefixed field (or the NULL marker) to the canonical bytes.
    private static func appendField(_ field: [UInt8]?, to bytes: inout [UInt8]) {
        let length = field.map { UInt32($0.count) } ?? UInt32.max
        bytes.append(UInt8(truncatingIfNeeded: length >> 24))
        bytes.append(UInt8(truncatingIfNeeded: length >> 16))
        bytes.append(UInt8(truncatingIfNeeded: length >> 8))
        bytes.append(UInt8(truncatingIfNeeded: length))
        if let field {
            bytes.append(contentsOf: field)
        }
    }

    /// The hash of `record`'s content chained to `prev`, or `nil` if the record is in a format
    /// this build does not know.
    package static func hash(of record: JournalRecord, prev: [UInt8]) -> [UInt8]? {
        guard record.format == 1 else { return nil }
        var scratch: [UInt8] = []
        return hash(
            prev: prev,
            seq: record.seq,
            runNo: record.runNo,
            runSeq: record.runSeq,
            runPrev: record.runPrev,
            kind: record.kind,
            epoch: record.epoch,
            atMilliseconds: record.at.milliseconds,
            event: record.event,
            state: record.state,
            intents: record.intents,
            abandons: record.abandons,
            answers: record.answers.map { Array($0.description.utf8) },
            scratch: &scratch
        )
    }
}
