import Effects

/// The Connect frame decoder (envd's streams): the frames it reads, encoded again, are exactly
/// the bytes they were read from, and a stream it calls complete has nothing left over.
public enum ConnectFuzzCheck {
    /// Checks one input.
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let (frames, truncated) = ConnectFrames.decode(input)
        var encoded: [UInt8] = []
        for frame in frames {
            encoded += ConnectFrames.encode(frame.payload, flags: frame.flags)
        }
        guard encoded.count <= input.count, input.starts(with: encoded) else {
            throw FuzzFailure("the frames read do not encode back to the bytes they came from")
        }
        if !truncated, encoded.count != input.count {
            throw FuzzFailure("\(input.count - encoded.count) bytes left over in a stream read as complete")
        }
        if truncated, encoded.count == input.count {
            throw FuzzFailure("a stream read as truncated has no partial frame at its end")
        }
    }
}
