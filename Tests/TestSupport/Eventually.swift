import Synchronization
import Testing

/// Waits until `condition` holds, looking every `every` milliseconds of real time for at most
/// `within` milliseconds; records an issue (naming `what`) if it never does.
public func eventually(
    _ what: String = "condition",
    within milliseconds: Int = 5000,
    every interval: Int = 5,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async -> Bool
) async throws {
    for _ in 0..<max(1, milliseconds / max(1, interval)) {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(interval))
    }
    Issue.record("\(what) not met within \(milliseconds) ms", sourceLocation: sourceLocation)
}

/// Whether `operation` finishes within `seconds` of real time. A bound for tests of code that must
/// not block: when it does block (in a system call, out of reach of cancellation), this still
/// returns, `false`, and the test fails instead of hanging.
public func completes(within seconds: Int, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    let answer = FirstAnswer()
    return await withCheckedContinuation { continuation in
        answer.wait(continuation)
        Task {
            await operation()
            answer.give(true)
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            answer.give(false)
        }
    }
}

/// The first of several answers, handed to one waiter.
private final class FirstAnswer: Sendable {
    private let waiter = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<Bool, Never>) {
        waiter.withLock { $0 = continuation }
    }

    func give(_ value: Bool) {
        waiter.withLock { continuation in
            continuation?.resume(returning: value)
            continuation = nil
        }
    }
}
