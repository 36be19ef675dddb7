#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import RunStateMachine

/// The one place wall time is read (the worker's clock, the command line's, the supervisor's):
/// wall time for records, leases and deadlines (shared between processes), monotonic time for
/// timeouts. Machines never read a clock; time reaches them as event data.
public enum WallClock {
    /// The current wall-clock time.
    public static func now() -> Timestamp {
        Timestamp(milliseconds: nowMilliseconds())
    }

    /// Milliseconds since the Unix epoch.
    public static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Milliseconds of a monotonic clock (only differences mean anything).
    public static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
