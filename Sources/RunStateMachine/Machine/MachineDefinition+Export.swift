extension MachineDefinition {
    /// The machine as a Graphviz `digraph`: terminal states drawn as double circles, resource
    /// holders shaded, each edge labelled `event / effects`.
    public var graphviz: String {
        var lines = [
            "digraph \"\(name)\" {",
            "  label=\"\(name) \(shortVersion)\";",
            "  rankdir=LR;",
            "  node [shape=box, style=rounded, fontname=\"Helvetica\"];",
            "  edge [fontname=\"Helvetica\", fontsize=10];",
            "  \"__start\" [shape=point];",
        ]
        for node in states {
            var attributes: [String] = []
            if node.isTerminal { attributes.append("shape=doublecircle") }
            if !node.holds.isEmpty { attributes.append("style=\"rounded,filled\", fillcolor=\"#eef3ff\"") }
            lines.append("  \"\(node.name)\"" + (attributes.isEmpty ? ";" : " [\(attributes.joined(separator: ", "))];"))
        }
        for initial in initialStates {
            lines.append("  \"__start\" -> \"\(initial)\";")
        }
        for edge in edges {
            lines.append("  \"\(edge.from)\" -> \"\(edge.to)\" [label=\"\(Self.label(edge))\"];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The machine as a Mermaid `stateDiagram-v2`.
    public var mermaid: String {
        var lines = ["stateDiagram-v2"]
        for initial in initialStates {
            lines.append("    [*] --> \(initial)")
        }
        for edge in edges {
            lines.append("    \(edge.from) --> \(edge.to) : \(Self.label(edge))")
        }
        for node in states where node.isTerminal {
            lines.append("    \(node.name) --> [*]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func label(_ edge: Edge) -> String {
        edge.effects.isEmpty ? edge.event : "\(edge.event) / \(edge.effects.joined(separator: ", "))"
    }
}
