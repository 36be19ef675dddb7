import Journal
import RunStateMachine

extension AgentConversation {
    /// The conversation of `run` as its journal records it.
    static func load(_ run: RunRef, from journal: any JournalStore) async throws(JournalError) -> AgentConversation {
        var conversation = AgentConversation()
        for record in try await journal.records(of: run) {
            guard let event = try record.decodedEvent(as: SandboxJobEvent.self) else { continue }
            conversation.record(event: event, intents: try record.decodedIntents(as: SandboxJobEffect.self))
        }
        return conversation
    }
}
