import Dispatch

/// Runs blocking system calls (spawning and waiting for a supervisor, socket exchanges, file
/// copies) off Swift's cooperative threads, so they never stall other runs.
enum Blocking {
    private static let queue = DispatchQueue(label: "runlog.effects.blocking", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: body())
            }
        }
    }
}
