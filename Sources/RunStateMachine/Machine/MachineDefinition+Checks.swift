extension MachineDefinition {
    /// Every defect the static checks find; empty for a sound definition.
    ///
    /// Checked: unique names; edges and initial states reference declared states, events and
    /// effects; every state is reachable from an initial state; every non-terminal state can
    /// reach a terminal one; no edge leaves a terminal state; every effect kind has a recovery
    /// policy; every state holding a resource has a path to an effect that releases it; no
    /// terminal state holds a resource; every event and effect kind is used.
    public var problems: [DefinitionProblem] {
        var problems: [DefinitionProblem] = []
        problems += duplicateNames()
        problems += undeclaredReferences()
        problems += graphProblems()
        problems += resourceProblems()
        for effect in effects where effect.policies.isEmpty {
            problems.append(.init(.effectWithoutPolicy, subject: effect.name, detail: "declare at least one recovery policy"))
        }
        let usedEvents = Set(edges.map(\.event))
        for event in events where !usedEvents.contains(event.name) {
            problems.append(.init(.unusedEvent, subject: event.name, detail: "no edge takes this event"))
        }
        let usedEffects = Set(edges.flatMap(\.effects))
        for effect in effects where !usedEffects.contains(effect.name) {
            problems.append(.init(.unusedEffect, subject: effect.name, detail: "no edge asks for this effect"))
        }
        return problems
    }

    private func duplicateNames() -> [DefinitionProblem] {
        var problems: [DefinitionProblem] = []
        for (what, names) in [("state", states.map(\.name)), ("event", events.map(\.name)), ("effect", effects.map(\.name))] {
            var seen: Set<String> = []
            for name in names where !seen.insert(name).inserted {
                problems.append(.init(.duplicateName, subject: name, detail: "more than one \(what) has this name"))
            }
        }
        return problems
    }

    private func undeclaredReferences() -> [DefinitionProblem] {
        var problems: [DefinitionProblem] = []
        let eventNames = Set(events.map(\.name))
        if initialStates.isEmpty {
            problems.append(.init(.noInitialState, subject: name, detail: "declare the state runs start in"))
        }
        for initial in initialStates where state(named: initial) == nil {
            problems.append(.init(.undeclaredState, subject: initial, detail: "listed as initial but not declared"))
        }
        for edge in edges {
            let label = "\(edge.from) --\(edge.event)--> \(edge.to)"
            for endpoint in [edge.from, edge.to] where state(named: endpoint) == nil {
                problems.append(.init(.undeclaredState, subject: endpoint, detail: "used by edge \(label)"))
            }
            if !eventNames.contains(edge.event) {
                problems.append(.init(.undeclaredEvent, subject: edge.event, detail: "used by edge \(label)"))
            }
            for kind in edge.effects where effect(named: kind) == nil {
                problems.append(.init(.undeclaredEffect, subject: kind, detail: "used by edge \(label)"))
            }
        }
        return problems
    }

    private func graphProblems() -> [DefinitionProblem] {
        var problems: [DefinitionProblem] = []
        let reachable = closure(from: Set(initialStates), forward: true)
        for node in states where !reachable.contains(node.name) {
            problems.append(.init(.unreachableState, subject: node.name, detail: "no path from an initial state"))
        }
        let terminating = closure(from: Set(states.filter(\.isTerminal).map(\.name)), forward: false)
        for node in states where !node.isTerminal && !terminating.contains(node.name) {
            problems.append(.init(.cannotTerminate, subject: node.name, detail: "no path to a terminal state"))
        }
        for edge in edges where isTerminal(edge.from) {
            problems.append(
                .init(.edgeLeavesTerminal, subject: edge.from, detail: "edge --\(edge.event)--> \(edge.to)")
            )
        }
        return problems
    }

    private func resourceProblems() -> [DefinitionProblem] {
        var problems: [DefinitionProblem] = []
        let resources = Set(states.flatMap(\.holds))
        for resource in resources.sorted() {
            let releasingKinds = Set(effects.filter { $0.releases.contains(resource) }.map(\.name))
            let releasingSources = Set(edges.filter { !releasingKinds.isDisjoint(with: $0.effects) }.map(\.from))
            let canRelease = closure(from: releasingSources, forward: false)
            for node in states where node.holds.contains(resource) {
                if node.isTerminal {
                    problems.append(.init(.terminalHoldsResource, subject: node.name, detail: "holds '\(resource)'"))
                } else if !canRelease.contains(node.name) {
                    problems.append(
                        .init(.unreleasedResource, subject: node.name, detail: "no path releases '\(resource)'")
                    )
                }
            }
        }
        return problems
    }

    /// The states reachable from `start` along edges (forward) or against them (backward),
    /// including `start` itself.
    func closure(from start: Set<String>, forward: Bool) -> Set<String> {
        var next: [String: [String]] = [:]
        for edge in edges {
            if forward {
                next[edge.from, default: []].append(edge.to)
            } else {
                next[edge.to, default: []].append(edge.from)
            }
        }
        var seen = start
        var frontier = Array(start)
        while let node = frontier.popLast() {
            for neighbour in next[node, default: []] where seen.insert(neighbour).inserted {
                frontier.append(neighbour)
            }
        }
        return seen
    }
}
