import Crypto
import RunStateMachine

/// The journal's hash chain: `hash = SHA-256(prev_hash ‖ canonical bytes of the record)`.
///
/// The canonical bytes are a length-prefixed binary layout of every column except the two hash
/// columns, so changing, removing or reordering any row breaks the chain at that row:
///
/// ```
/// "RLJ1"                                   4 bytes, format tag
/// seq, run_no, run_seq                     8 bytes each, big-endian
/// kind                                     1 byte (1 created, 2 lease, 3 transition)
/// epoch, at_ms                             8 bytes each, big-endian (two's complement)
/// event, state, intents, abandons, answers each: 4-byte big-endian length + bytes,
///                                          or 0xFFFFFFFF for NULL
/// ```
enum HashChain {
    /// SHA-256 of `bytes` as lowercase hex (input hashes for idempotency and projection checks).
    static func sha256Hex(_ bytes: [UInt8]) -> String {
        ContentHash.hex(SHA256.hash(data: bytes))
    }

    /// The `prev_hash` of the first record.
    static let genesis = [UInt8](repeating: 0, count: 32)

    /// The fixed-size part of the canonical bytes.
    static func header(seq: Int64, runNo: Int64, runSeq: Int, kind: RecordKind, epoch: Int64, atMilliseconds: Int64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 45)
        fillHeader(&bytes, seq: seq, runNo: runNo, runSeq: Int64(runSeq), kind: kind, epoch: epoch, atMilliseconds: atMilliseconds)
        return bytes
    }

    /// Writes the fixed-size part of the canonical bytes into `header` (45 bytes) in place.
    static func fillHeader(_ header: inout [UInt8], seq: Int64, runNo: Int64, runSeq: Int64, kind: RecordKind, epoch: Int64, atMilliseconds: Int64) {
        header.withUnsafeMutableBytes { buffer in
            buffer[0] = UInt8(ascii: "R")
            buffer[1] = UInt8(ascii: "L")
            buffer[2] = UInt8(ascii: "J")
            buffer[3] = UInt8(ascii: "1")
            buffer.storeBytes(of: UInt64(bitPattern: seq).bigEndian, toByteOffset: 4, as: UInt64.self)
            buffer.storeBytes(of: UInt64(bitPattern: runNo).bigEndian, toByteOffset: 12, as: UInt64.self)
            buffer.storeBytes(of: UInt64(bitPattern: runSeq).bigEndian, toByteOffset: 20, as: UInt64.self)
            buffer[28] = kind.code
            buffer.storeBytes(of: UInt64(bitPattern: epoch).bigEndian, toByteOffset: 29, as: UInt64.self)
            buffer.storeBytes(of: UInt64(bitPattern: atMilliseconds).bigEndian, toByteOffset: 37, as: UInt64.self)
        }
    }

    /// Feeds one variable-length field (length prefix, then bytes) to `hasher`.
    static func update(_ hasher: inout SHA256, field: UnsafeRawBufferPointer?) {
        guard let field else {
            withUnsafeBytes(of: UInt32.max.bigEndian) { hasher.update(bufferPointer: $0) }
            return
        }
        withUnsafeBytes(of: UInt32(field.count).bigEndian) { hasher.update(bufferPointer: $0) }
        if field.count > 0 {
            hasher.update(bufferPointer: field)
        }
    }

    /// The hash of a record with these column values.
    static func hash(
        prev: [UInt8],
        seq: Int64,
        runNo: Int64,
        runSeq: Int,
        kind: RecordKind,
        epoch: Int64,
        atMilliseconds: Int64,
        event: [UInt8],
        state: [UInt8]?,
        intents: [UInt8]?,
        abandons: [UInt8]?,
        answers: [UInt8]?
    ) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: prev)
        hasher.update(data: header(seq: seq, runNo: runNo, runSeq: runSeq, kind: kind, epoch: epoch, atMilliseconds: atMilliseconds))
        for field in [event, state, intents, abandons, answers] {
            if let field {
                field.withUnsafeBytes { update(&hasher, field: $0) }
            } else {
                update(&hasher, field: nil)
            }
        }
        return Array(hasher.finalize())
    }

    /// The hash of `record`'s content chained to `prev`.
    static func hash(of record: JournalRecord, prev: [UInt8]) -> [UInt8] {
        hash(
            prev: prev,
            seq: record.seq,
            runNo: record.runNo,
            runSeq: record.runSeq,
            kind: record.kind,
            epoch: record.epoch,
            atMilliseconds: record.at.milliseconds,
            event: record.event,
            state: record.state,
            intents: record.intents,
            abandons: record.abandons,
            answers: record.answers.map { Array($0.description.utf8) }
        )
    }
}
