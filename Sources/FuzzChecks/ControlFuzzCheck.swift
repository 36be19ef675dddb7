import RunStateMachine
import SandboxSupervisor

/// The sandbox supervisor's control requests, as they arrive on its socket: a request it
/// accepts encodes to JSON that decodes to the same request, in canonical bytes that are a
/// fixed point; anything else is a typed refusal.
public enum ControlFuzzCheck {
    /// Checks one input.
    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let json = try? JSONValue.parse(input), let request = try? ControlRequest(json: json) else { return }
        let bytes = request.json.canonicalBytes
        let again: ControlRequest
        do {
            again = try ControlRequest(json: JSONValue.parse(bytes))
        } catch {
            throw FuzzFailure("an accepted request's own encoding is refused: \(error)")
        }
        guard again == request, again.json.canonicalBytes == bytes else {
            throw FuzzFailure("an accepted request does not survive encoding and decoding")
        }
    }
}
