import Crypto
import RunStateMachine

/// The at-most-once wrapper every command runs under in an E2B sandbox
/// (`external-apis.md` §5): an atomic started marker (`set -C`), the command's output and exit
/// record in files of the sandbox's own filesystem, so a worker that died, or lost the stream,
/// learns the command's fate from them. envd keeps a finished process's exit for 30 s only.
///
/// ```
/// $HOME/.runlog/commands/<hash of key>/started   created before the command runs (noclobber)
///                                      /out, err  its output
///                                      /exit      {"rc":N,"ms":N,"timedOut":0|1}, written last
/// ```
public enum E2BCommandScript {
    /// The directory of the command with `key`, under `home`.
    public static func directory(home: String, key: String) -> String {
        "\(home)/.runlog/commands/\(tag(key))"
    }

    /// The process tag of the command with `key` (its hash; tags are selectors in envd).
    public static func tag(_ key: String) -> String {
        String(ContentHash.hex(SHA256.hash(data: Array(key.utf8))).prefix(32))
    }

    /// The workspace, under `home`.
    public static func workspace(home: String) -> String { "\(home)/workspace" }

    /// The bash script running the command in `$RUNLOG_COMMAND` once, killed after
    /// `timeoutSeconds` (exit 97: the key had already started, nothing ran).
    public static func script(key: String, timeoutSeconds: Int) -> String {
        let d = "$HOME/.runlog/commands/\(tag(key))"
        return """
            D="\(d)"; W="$HOME/workspace"
            mkdir -p "$D" "$W" || exit 96
            ( set -C; : > "$D/started" ) 2>/dev/null || exit 97
            start=$(date +%s%3N)
            ( cd "$W" && exec timeout --kill-after=2 \(timeoutSeconds) /bin/sh -c "$RUNLOG_COMMAND" ) > "$D/out" 2> "$D/err" < /dev/null
            rc=$?
            ms=$(( $(date +%s%3N) - start ))
            timed=0
            if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$ms" -ge \(timeoutSeconds * 1000) ]; }; then timed=1; fi
            printf '{"rc":%d,"ms":%d,"timedOut":%d}' "$rc" "$ms" "$timed" > "$D/exit.tmp" && mv "$D/exit.tmp" "$D/exit"
            exit "$rc"
            """
    }

    /// How the command ended, from its exit record.
    public static func exit(fromRecord bytes: [UInt8]) -> (exit: StepExit, milliseconds: Int64)? {
        guard case .object(let fields)? = try? JSONValue.parse(bytes), case .int(let rc)? = fields["rc"] else { return nil }
        var ms: Int64 = 0
        if case .int(let value)? = fields["ms"] { ms = value }
        if fields["timedOut"] == .int(1) { return (.timedOut, ms) }
        if rc > 128, rc < 128 + 65 { return (.signaled(signal: Int32(rc - 128)), ms) }
        return (.exited(code: Int32(truncatingIfNeeded: rc)), ms)
    }
}
