/// A run's tie to one host: the state it is in holds resources that live on the host of the
/// worker that drove it there (a local sandbox), and they may outlive that worker's last lease
/// renewal by up to ``graceMilliseconds`` (the sandbox's own lease, renewed only while the
/// worker's leases are held, and the time its supervisor takes to end it).
///
/// A worker on ``host`` takes such a run as soon as its lease is free, and reattaches to the
/// resources. A worker on another host cannot reach them: it takes the run only once they have
/// surely ended, ``graceMilliseconds`` after the holder's lease and heartbeat have both run out
/// by the store's clock, and then recovers the run as one whose resources were lost.
public struct HostAffinity: Hashable, Sendable {
    /// The host the resources live on.
    public var host: String
    /// How long the resources may outlive the holder's lease, in milliseconds.
    public var graceMilliseconds: Int64

    /// The affinity of a run whose resources live on `host` for up to `graceMilliseconds`
    /// after its holder's lease.
    public init(host: String, graceMilliseconds: Int64) {
        self.host = host
        self.graceMilliseconds = graceMilliseconds
    }
}
