import Journal
import RunStateMachine

#if canImport(Glibc)
import Glibc
#endif

/// Shows runs' progress while a worker drives them, by watching the journal: on a terminal, one
/// line per run, redrawn in place; otherwise a plain line whenever a run changes state.
struct ProgressBoard: Sendable {
    /// The journal to watch.
    let journal: any JournalStore
    /// Only these runs (`nil`: every run that changes while the board watches).
    let runs: Set<String>?
    /// Redraw in place (a terminal) or print a line per change.
    let live: Bool
    /// Labels to show instead of the spec's name.
    let labels: [String: String]

    init(journal: any JournalStore, runs: Set<String>? = nil, live: Bool = isatty(STDOUT_FILENO) == 1, labels: [String: String] = [:]) {
        self.journal = journal
        self.runs = runs
        self.live = live
        self.labels = labels
    }

    /// One run's line.
    struct Line: Equatable {
        var id: String
        var label: String
        var state: String
        var detail: String
        var terminal: Bool
    }

    /// Watches until cancelled, then draws a last time.
    func watch(every milliseconds: Int = 150) async {
        var seen: [String: Int64] = [:]
        var lines: [String: Line] = [:]
        var order: [String] = []
        var drawn = 0
        let baseline = runs == nil ? Set((try? await journal.runs(.all, limit: 10_000).map(\.run.id.value)) ?? []) : []
        while true {
            let cancelled = Task.isCancelled
            var changed: [Line] = []
            for summary in (try? await journal.runs(.all, limit: 10_000)) ?? [] {
                let id = summary.run.id.value
                if let runs, !runs.contains(id) { continue }
                if runs == nil, baseline.contains(id), seen[id] == nil, summary.terminal { continue }
                guard seen[id] != summary.lastSeq else { continue }
                seen[id] = summary.lastSeq
                let line = Line(
                    id: id,
                    label: labels[id] ?? summary.name ?? "",
                    state: summary.stateName,
                    detail: await detail(summary),
                    terminal: summary.terminal
                )
                if lines[id] == nil { order.append(id) }
                if lines[id] != line {
                    lines[id] = line
                    changed.append(line)
                }
            }
            if live {
                if !changed.isEmpty || cancelled {
                    drawn = redraw(order.compactMap { lines[$0] }, over: drawn)
                }
            } else {
                for line in changed {
                    print("  \(Self.clock())  \(Self.format(line))")
                }
            }
            if cancelled { return }
            try? await Task.sleep(for: .milliseconds(milliseconds))
        }
    }

    private func detail(_ summary: RunSummary) async -> String {
        guard let records = try? await journal.records(of: summary.run),
            let json = records.last(where: { $0.state != nil }).flatMap({ try? $0.stateJSON() }),
            let state = try? SandboxJobState(json: json)
        else { return summary.stateName }
        return state.description
    }

    private func redraw(_ lines: [Line], over drawn: Int) -> Int {
        var out = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
        for line in lines {
            out += "\u{1B}[2K  \(Self.format(line))\n"
        }
        let bytes = Array(out.utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        return lines.count
    }

    static func format(_ line: Line) -> String {
        let mark = line.terminal ? (line.state == "succeeded" ? "✔" : "✘") : "…"
        let (name, text) = (TerminalText.escaped(line.label), TerminalText.escaped(line.detail))
        let label = name.count > 18 ? String(name.prefix(17)) + "…" : name
        let detail = text.count > 90 ? String(text.prefix(89)) + "…" : text
        return "\(mark) \(line.id.prefix(12))  \(label + String(repeating: " ", count: max(0, 18 - label.count)))  \(detail)"
    }

    static func clock() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
