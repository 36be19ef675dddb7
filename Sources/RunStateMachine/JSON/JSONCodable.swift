/// A type with an explicit, hand-written JSON form.
///
/// Journal payloads (states, events, effects, specs) conform. Their JSON is written out case by
/// case rather than synthesized, so the bytes the journal hashes are a documented format that
/// only changes when someone changes it on purpose (golden fixtures guard it).
public protocol JSONCodable {
    /// Decodes a value from its JSON form.
    ///
    /// - Throws: ``JSONDecodingError`` with the path of the first mismatch.
    init(json: JSONValue) throws(JSONDecodingError)

    /// The JSON form of the value.
    var json: JSONValue { get }
}
