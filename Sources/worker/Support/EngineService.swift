import Runtime
import ServiceLifecycle
import Synchronization

/// The engine as a service: SIGTERM or SIGINT stop it gracefully (no new leases, the appends in
/// flight finish, sandboxes stay for the next worker), and its summary is kept for the caller.
final class EngineService<Executor: EffectExecutor>: Service {
    private let engine: Engine<Executor>
    private let beside: (@Sendable () async -> Void)?
    private let result = Mutex<EngineSummary?>(nil)

    /// A service running `engine`, and `beside` (such as a progress display) until it returns.
    init(engine: Engine<Executor>, beside: (@Sendable () async -> Void)? = nil) {
        self.engine = engine
        self.beside = beside
    }

    /// What the engine did, once it returned.
    var summary: EngineSummary? { result.withLock { $0 } }

    func run() async throws {
        let engine = self.engine
        let beside = self.beside
        let summary = try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: EngineSummary?.self) { group in
                if let beside {
                    group.addTask {
                        await beside()
                        return nil
                    }
                }
                group.addTask { try await engine.run() }
                var summary: EngineSummary?
                while let next = try await group.next() {
                    if let next {
                        summary = next
                        group.cancelAll()
                    }
                }
                return summary
            }
        }
        result.withLock { $0 = summary }
    }
}
