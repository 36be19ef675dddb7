import SystemSupport

/// How an ``Engine`` takes and drives runs.
public struct EngineOptions: Sendable {
    /// The owner name journaled with each lease (for example `host:pid`).
    public var owner: String
    /// The host the engine runs on: runs it drives into states that hold resources on this
    /// host (a local sandbox) are tied to it (``HostAffinity``), and runs tied to it are taken
    /// as soon as their leases are free. This machine's host name unless given.
    public var host: String
    /// The most runs driven at once; more wait in the journal (back-pressure, not memory).
    public var concurrency: Int
    /// How long a lease lasts unless renewed, in milliseconds. A worker that dies loses its runs
    /// to another worker after this long.
    public var leaseMilliseconds: Int64
    /// How often to look for new or abandoned runs and for cancel requests, in milliseconds.
    public var pollMilliseconds: Int64
    /// Up to this much is added to each poll interval, in milliseconds: a different sequence
    /// for each worker (seeded by ``owner``), so that many workers' polls do not fall together.
    public var pollJitterMilliseconds: Int64
    /// Return once no run can make progress instead of waiting for new ones.
    public var untilIdle: Bool
    /// Whether this engine is the only one that can drive the journal's runs: it holds the
    /// journal's owner lock, so every lease in the journal was left by a process that has died,
    /// and the engine takes those runs over at once instead of waiting for the leases to expire.
    /// A worker restarted after a crash resumes its runs immediately.
    public var exclusive: Bool

    /// Creates options.
    public init(
        owner: String,
        host: String = HostName.current,
        concurrency: Int = 64,
        leaseMilliseconds: Int64 = 15_000,
        pollMilliseconds: Int64 = 250,
        pollJitterMilliseconds: Int64 = 0,
        untilIdle: Bool = false,
        exclusive: Bool = false
    ) {
        self.owner = owner
        self.host = host
        self.concurrency = concurrency
        self.leaseMilliseconds = leaseMilliseconds
        self.pollMilliseconds = pollMilliseconds
        self.pollJitterMilliseconds = pollJitterMilliseconds
        self.untilIdle = untilIdle
        self.exclusive = exclusive
    }
}
