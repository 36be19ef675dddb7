/// Connect RPC's streaming envelope (JSON codec): each message is one flag byte, a 4-byte
/// big-endian length and the JSON bytes; flag `0x02` marks the end-of-stream trailer.
public enum ConnectFrames {
    /// The end-of-stream flag.
    public static let endStream: UInt8 = 0x02

    /// One frame holding `payload`.
    public static func encode(_ payload: [UInt8], flags: UInt8 = 0) -> [UInt8] {
        let n = UInt32(payload.count)
        return [flags, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
    }

    /// The frames in `bytes` as (flags, payload), and whether the bytes ended mid-frame.
    public static func decode(_ bytes: [UInt8]) -> (frames: [(flags: UInt8, payload: [UInt8])], truncated: Bool) {
        var frames: [(UInt8, [UInt8])] = []
        var index = 0
        while index + 5 <= bytes.count {
            let n = Int(bytes[index + 1]) << 24 | Int(bytes[index + 2]) << 16 | Int(bytes[index + 3]) << 8 | Int(bytes[index + 4])
            guard index + 5 + n <= bytes.count else { return (frames, true) }
            frames.append((bytes[index], Array(bytes[index + 5..<index + 5 + n])))
            index += 5 + n
        }
        return (frames, index != bytes.count)
    }
}
