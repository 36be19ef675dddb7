import RunStateMachine
import Testing

@Suite("Machine definition: static checks, version, export")
struct MachineDefinitionTests {
    @Test("the sandbox-job definition passes every static check")
    func sandboxJobIsSound() {
        #expect(SandboxJob.latest.definition.problems == [])
    }

    /// A small sound machine to break in the tests below.
    static let sound = MachineDefinition(
        name: "toy",
        revision: 1,
        summary: "",
        states: [
            .init("idle", ""),
            .init("busy", "", holds: ["lock"]),
            .init("done", "", terminal: true),
        ],
        events: [.init("go", "", source: .driver), .init("finished", "", source: .outcome)],
        effects: [
            .init("take", "", policies: [.reconcile], acquires: ["lock"]),
            .init("free", "", policies: [.idempotent], releases: ["lock"]),
        ],
        initialStates: ["idle"],
        edges: [
            .init("idle", "go", "busy", effects: ["take"]),
            .init("busy", "finished", "done", effects: ["free"]),
        ]
    )

    static func codes(_ definition: MachineDefinition) -> Set<DefinitionProblem.Code> {
        Set(definition.problems.map(\.code))
    }

    @Test("the toy machine is sound")
    func toyIsSound() {
        #expect(Self.sound.problems == [])
    }

    @Test("an unreachable state is found")
    func unreachable() {
        var broken = Self.sound
        broken.states.append(.init("orphan", ""))
        broken.edges.append(.init("orphan", "go", "done"))
        #expect(Self.codes(broken) == [.unreachableState])
    }

    @Test("a state with no way to a terminal state is found")
    func cannotTerminate() {
        var broken = Self.sound
        broken.states.append(.init("stuck", ""))
        broken.edges.append(.init("idle", "finished", "stuck"))
        #expect(Self.codes(broken) == [.cannotTerminate])
    }

    @Test("an edge leaving a terminal state is found")
    func leavesTerminal() {
        var broken = Self.sound
        broken.edges.append(.init("done", "go", "idle"))
        #expect(Self.codes(broken) == [.edgeLeavesTerminal])
    }

    @Test("an effect kind without a recovery policy is found")
    func noPolicy() {
        var broken = Self.sound
        broken.effects[0].policies = []
        #expect(Self.codes(broken) == [.effectWithoutPolicy])
    }

    @Test("a resource holder without a release path is found")
    func unreleased() {
        var broken = Self.sound
        broken.edges[1].effects = []
        #expect(Self.codes(broken) == [.unreleasedResource, .unusedEffect])
    }

    @Test("a terminal state holding a resource is found")
    func terminalHolds() {
        var broken = Self.sound
        broken.states[2].holds = ["lock"]
        #expect(Self.codes(broken) == [.terminalHoldsResource])
    }

    @Test("undeclared references, duplicates and unused declarations are found")
    func references() {
        var broken = Self.sound
        broken.edges.append(.init("idle", "jump", "nowhere", effects: ["teleport"]))
        broken.events.append(.init("go", "", source: .driver))
        broken.events.append(.init("never", "", source: .timer))
        #expect(Self.codes(broken) == [.undeclaredState, .undeclaredEvent, .undeclaredEffect, .duplicateName, .unusedEvent])
        var empty = Self.sound
        empty.initialStates = []
        #expect(Self.codes(empty).contains(.noInitialState))
    }

    @Test("the version changes with behaviour and revision, not with documentation")
    func version() {
        let base = Self.sound.version
        #expect(base.count == 64)
        var reworded = Self.sound
        reworded.states[0].summary = "waiting"
        #expect(reworded.version == base)
        var revised = Self.sound
        revised.revision = 2
        #expect(revised.version != base)
        var rewired = Self.sound
        rewired.edges[0].effects = []
        #expect(rewired.version != base)
    }

    @Test("Graphviz and Mermaid exports draw every state and edge")
    func export() {
        let definition = SandboxJob.latest.definition
        let dot = definition.graphviz
        let mermaid = definition.mermaid
        #expect(dot.hasPrefix("digraph \"sandbox-job\""))
        #expect(mermaid.hasPrefix("stateDiagram-v2"))
        for edge in definition.edges {
            #expect(dot.contains("\"\(edge.from)\" -> \"\(edge.to)\" [label=\"\(edge.event)"))
            #expect(mermaid.contains("\(edge.from) --> \(edge.to) : \(edge.event)"))
        }
        for state in definition.states where state.isTerminal {
            #expect(dot.contains("\"\(state.name)\" [shape=doublecircle]"))
            #expect(mermaid.contains("\(state.name) --> [*]"))
        }
    }
}
