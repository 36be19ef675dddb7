/// What a run has cost so far: model tokens and calls, and sandbox time, folded from its
/// journaled events and their (informational) record times.
public struct RunCost: Hashable, Sendable {
    /// Tokens of every model response journaled (input includes cache reads and writes).
    public private(set) var tokens = TokenUsage()
    /// Model calls answered with a response.
    public private(set) var modelCalls = 0
    /// Model calls that failed (each may or may not have been billed; see its reason).
    public private(set) var failedModelCalls = 0
    /// Milliseconds sandboxes were held, counting closed holds only.
    public private(set) var closedSandboxMilliseconds: Int64 = 0
    /// When the sandbox held now was created, if one is held.
    public private(set) var sandboxSince: Timestamp?

    /// Nothing spent.
    public init() {}

    /// Takes the event of a record written at `at` into account (records in run order).
    public mutating func record(_ event: SandboxJobEvent, at: Timestamp) {
        switch event {
        case .modelResponded(_, let response):
            tokens = tokens + response.usage
            modelCalls &+= 1
        case .modelCallFailed:
            failedModelCalls &+= 1
        case .sandboxCreated:
            sandboxSince = sandboxSince ?? at
        case .sandboxReleased:
            if let since = sandboxSince {
                closedSandboxMilliseconds = closedSandboxMilliseconds.addingSaturated(max(0, at.milliseconds.subtractingSaturated(since.milliseconds)))
            }
            sandboxSince = nil
        default:
            break
        }
    }

    /// Sandbox milliseconds up to `now`, counting a sandbox still held.
    public func sandboxMilliseconds(asOf now: Timestamp) -> Int64 {
        closedSandboxMilliseconds.addingSaturated(sandboxSince.map { max(0, now.milliseconds.subtractingSaturated($0.milliseconds)) } ?? 0)
    }

    /// `{"tokensIn":..,"tokensOut":..,"modelCalls":..,"failedModelCalls":..,"sandboxSeconds":..}`,
    /// sandbox time as of `now`.
    public func json(asOf now: Timestamp) -> JSONValue {
        [
            "tokensIn": .int(Int64(tokens.input)),
            "tokensOut": .int(Int64(tokens.output)),
            "modelCalls": .int(Int64(modelCalls)),
            "failedModelCalls": .int(Int64(failedModelCalls)),
            "sandboxSeconds": .double(Double(sandboxMilliseconds(asOf: now)) / 1000),
        ]
    }

    /// `1,234 in / 56 out tokens (3 model calls, 1 failed); sandbox 4.2 s`, as of `now`.
    public func summary(asOf now: Timestamp) -> String {
        let failed = failedModelCalls > 0 ? ", \(failedModelCalls) failed" : ""
        let seconds = Double(sandboxMilliseconds(asOf: now)) / 1000
        let held = sandboxSince == nil ? "" : " (still held)"
        return "\(tokens.input) in / \(tokens.output) out tokens (\(modelCalls) model call\(modelCalls == 1 ? "" : "s")\(failed)); sandbox \((seconds * 10).rounded() / 10) s\(held)"
    }
}
