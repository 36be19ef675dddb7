import RunStateMachine

extension SecretStore {
    /// The shortest value scrubbed from events: shorter ones could match ids and plain words;
    /// no real credential is that short.
    public static let shortestScrubbed = 8

    /// `event` with every value of the secrets `names` (those this store has) replaced by
    /// `[redacted NAME]` in its free text (reasons, notes, tool results, the model's content and
    /// tool inputs; never ids): the last line of defence for text that quotes what an outside
    /// service said. Captured output is redacted where it is captured.
    public func scrub(_ event: SandboxJobEvent, names: [String]) -> SandboxJobEvent {
        let values = present(names)
        guard !values.isEmpty else { return event }
        let json = event.json
        let scrubbed = Self.scrub(json, values, free: false)
        guard scrubbed != json else { return event }
        // Only free text changed, which every event decodes back from.
        return (try? SandboxJobEvent(json: scrubbed)) ?? event
    }

    /// `text` with the values of the secrets `names` replaced.
    public func scrub(_ text: String, names: [String]) -> String {
        present(names).reduce(text) { text, secret in text.replacing(secret.value, with: "[redacted \(secret.name)]") }
    }

    private func present(_ names: [String]) -> [(name: String, value: String)] {
        // Longest first: a secret that contains another is replaced whole.
        lookup(names).resolved.filter { $0.value.utf8.count >= Self.shortestScrubbed }.map { ($0.key, $0.value) }
            .sorted { ($0.value.utf8.count, $0.name) > ($1.value.utf8.count, $1.name) }
    }

    /// The members whose strings (at any depth) are free text.
    private static let freeText: Set<String> = ["reason", "note", "content", "input", "text", "message", "detail"]

    private static func scrub(_ json: JSONValue, _ values: [(name: String, value: String)], free: Bool) -> JSONValue {
        switch json {
        case .string(let text) where free:
            return .string(values.reduce(text) { text, secret in text.replacing(secret.value, with: "[redacted \(secret.name)]") })
        case .array(let elements):
            return .array(elements.map { scrub($0, values, free: free) })
        case .object(let members):
            return .object(JSONObject(pairs: members.map { ($0.key, scrub($0.value, values, free: free || freeText.contains($0.key))) }))
        default:
            return json
        }
    }
}
