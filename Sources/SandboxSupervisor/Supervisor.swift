import CSandbox
import RunStateMachine
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// The process that holds one local sandbox: it starts commands under the sandbox's confinement,
/// drains their output into capped captures, records their results on disk, kills what runs past
/// its timeout, and ends the sandbox when its lease runs out or the worker asks. It outlives the
/// worker that created it, so a restarted worker finds every command's marker and result.
///
/// Single-threaded: one `poll` loop over the control socket, a signalfd and the commands' pipes.
public final class Supervisor {
    let layout: SandboxLayout
    let config: SupervisorConfig
    let listener: Int32
    let signals: Int32
    let devNull: Int32
    let owner: uid_t
    var running: [RunningCommand] = []
    /// Wall-clock milliseconds after which the sandbox ends unless the lease file moves it on.
    var leaseUntil: Int64
    /// Monotonic milliseconds of the next lease file read.
    var nextLeaseRead: Int64 = 0

    /// How often the lease file is read, in milliseconds.
    static let leaseCheckInterval: Int64 = 250
    /// How long a terminated command has before SIGKILL, in milliseconds.
    static let terminationGrace: Int64 = 2_000
    /// How long output pipes may stay open after the command's process exited (descendants
    /// holding them) before the supervisor stops reading them.
    static let pipeLinger: Int64 = 100

    init(layout: SandboxLayout, config: SupervisorConfig, listener: Int32, signals: Int32, devNull: Int32, leaseUntil: Int64) {
        self.layout = layout
        self.config = config
        self.listener = listener
        self.signals = signals
        self.devNull = devNull
        self.owner = geteuid()
        self.leaseUntil = leaseUntil
    }

    /// The supervisor's entry point: `runlog-supervisor SANDBOX_DIRECTORY`.
    ///
    /// Reads the configuration and lease, claims the control socket, then forks: the process the
    /// worker started exits 0 once the sandbox is ready to take commands (non-zero with a message
    /// on stderr if not), and its child supervises. Never returns in the child.
    public static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count == 2, arguments[1].hasPrefix("/") else {
            complain("usage: runlog-supervisor /absolute/sandbox/directory")
            return 2
        }
        let directory = arguments[1]
        let slash = directory.lastIndex(of: "/")!
        let layout = SandboxLayout(root: String(directory[..<slash]), id: String(directory[directory.index(after: slash)...]))
        guard let bytes = FileIO.read(layout.config), let value = try? JSONValue.parse(bytes), let config = try? SupervisorConfig(json: value) else {
            complain("cannot read \(layout.config)")
            return 1
        }
        guard let lease = readLease(layout) else {
            complain("cannot read \(layout.lease)")
            return 1
        }
        let listener: Int32
        do {
            listener = try ControlSocket.listen(layout.socketName)
        } catch {
            complain(error.code == EADDRINUSE ? "a supervisor already holds \(directory)" : "control socket: \(error)")
            return 3
        }
        signal(SIGPIPE, SIG_IGN)
        let signals = csb_signalfd()
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard signals >= 0, devNull >= 0 else {
            complain("signalfd or /dev/null: \(String(cString: strerror(errno)))")
            return 1
        }
        let child = fork()
        if child < 0 {
            complain("fork: \(String(cString: strerror(errno)))")
            return 1
        }
        if child > 0 {
            let error = FileIO.writeAtomically(layout.pidFile, text: "\(child)\n")
            return error == 0 ? 0 : 1
        }
        let supervisor = Supervisor(layout: layout, config: config, listener: listener, signals: signals, devNull: devNull, leaseUntil: lease)
        supervisor.loop()
    }

    /// The lease's end in wall-clock milliseconds, as the worker last wrote it.
    static func readLease(_ layout: SandboxLayout) -> Int64? {
        FileIO.readText(layout.lease).flatMap { Int64($0.filter { !$0.isWhitespace }) }
    }

    static func complain(_ message: String) {
        let line = Array("runlog-supervisor: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    func loop() -> Never {
        while true {
            let now = WallClock.monotonicMilliseconds()
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            var timeout = Self.leaseCheckInterval
            for command in running {
                for fd in [command.stdout, command.stderr] where fd >= 0 {
                    fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                }
                for moment in [command.deadline, command.killAt ?? .max, command.reapedAt.map { $0 + Self.pipeLinger } ?? .max] {
                    timeout = min(timeout, max(0, moment - now))
                }
            }
            let ready = poll(&fds, nfds_t(fds.count), Int32(timeout))
            if ready < 0, errno != EINTR {
                end(because: "poll failed: \(String(cString: strerror(errno)))", replyingTo: nil)
            }
            if fds[1].revents != 0 {
                handleSignals()
            }
            reap()
            for entry in fds.dropFirst(2) where entry.revents != 0 {
                drain(entry.fd)
            }
            if fds[0].revents != 0 {
                acceptRequests()
            }
            enforceTimeouts()
            finishEnded()
            checkLease()
        }
    }

    func handleSignals() {
        while true {
            let signal = csb_read_signal(signals)
            if signal == 0 { return }
            if signal != SIGCHLD {
                end(because: "the supervisor received signal \(signal)", replyingTo: nil)
            }
        }
    }

    func checkLease() {
        let now = WallClock.monotonicMilliseconds()
        guard now >= nextLeaseRead else { return }
        nextLeaseRead = now + Self.leaseCheckInterval
        if let lease = Self.readLease(layout) {
            leaseUntil = lease
        }
        if WallClock.nowMilliseconds() > leaseUntil {
            end(because: "lease expired", replyingTo: nil)
        }
    }
}
