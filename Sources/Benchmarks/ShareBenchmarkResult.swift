import RunStateMachine

/// The figures `worker bench share` prints.
public struct ShareBenchmarkResult: Sendable {
    /// Runs driven in all.
    public var runs = 0
    /// Runs per second, all workers together.
    public var runsPerSecond = 0.0
    /// Each worker's share, in the order they were started.
    public var shares: [ShareBenchmark.Share] = []
    /// The scratch schema, if it was kept.
    public var schema: String?

    /// The figures as one JSON object.
    public var json: JSONValue {
        func number(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
        var fields: JSONObject = [
            "runs": .int(Int64(runs)),
            "runs_per_second": number(runsPerSecond),
            "workers": .array(
                shares.map { share in
                    [
                        "cpu_ms_per_run": number(share.cpuSeconds * 1000 / Double(max(1, share.finished))),
                        "runs": .int(Int64(share.finished)),
                        "runs_per_second": number(Double(share.finished) / max(share.seconds, 1e-9)),
                        "seconds": number(share.seconds),
                    ] as JSONValue
                }
            ),
        ]
        if let schema { fields["schema"] = .string(schema) }
        return .object(fields)
    }
}
