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
