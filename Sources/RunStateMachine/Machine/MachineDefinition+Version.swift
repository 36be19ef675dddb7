extension MachineDefinition {
    /// The behaviour-relevant content of the definition as JSON: names, terminal flags, held
    /// resources, policies, edges and ``revision``. Summaries are left out, so rewording
    /// documentation does not change the version.
    public var behaviourJSON: JSONValue {
        [
            "name": .string(name),
            "revision": .int(Int64(revision)),
            "initial": .array(initialStates.map(JSONValue.string)),
            "states": .array(
                states.map { state in
                    [
                        "name": .string(state.name),
                        "terminal": .bool(state.isTerminal),
                        "holds": .array(state.holds.map(JSONValue.string)),
                    ]
                }
            ),
            "events": .array(events.map { ["name": .string($0.name), "source": .string($0.source.rawValue)] }),
            "effects": .array(
                effects.map { effect in
                    [
                        "name": .string(effect.name),
                        "policies": .array(effect.policies.map(\.json)),
                        "acquires": .array(effect.acquires.map(JSONValue.string)),
                        "releases": .array(effect.releases.map(JSONValue.string)),
                    ]
                }
            ),
            "edges": .array(
                edges.map { edge in
                    [
                        "from": .string(edge.from),
                        "event": .string(edge.event),
                        "to": .string(edge.to),
                        "effects": .array(edge.effects.map(JSONValue.string)),
                    ]
                }
            ),
        ]
    }

    /// `name@revision+first 12 hex digits of the version`, for people.
    public var shortVersion: String {
        "\(name)@\(revision)+\(version.prefix(12))"
    }
}
