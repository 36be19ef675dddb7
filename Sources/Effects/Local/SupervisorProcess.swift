import CSandbox
import SandboxSupervisor
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

/// Starting a sandbox's supervisor and telling whether it still runs.
enum SupervisorProcess {
    /// Starts `runlog-supervisor DIRECTORY` detached (own session, no inherited fds, output to
    /// the sandbox's log) and waits for it to report the sandbox ready. Returns why not, if not.
    static func launch(_ supervisorPath: String, layout: SandboxLayout) -> String? {
        let log = open(layout.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            if log >= 0 { close(log) }
            if devNull >= 0 { close(devNull) }
        }
        guard log >= 0, devNull >= 0 else { return "cannot open \(layout.log): \(String(cString: strerror(errno)))" }
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(supervisorPath), strdup(layout.directory), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer { (argv + envp).forEach { free($0) } }
        var error: Int32 = 0
        let pid = argv.withUnsafeBufferPointer { args in
            envp.withUnsafeBufferPointer { env in
                csb_spawn_detached(supervisorPath, args.baseAddress, env.baseAddress, devNull, log, log, &error)
            }
        }
        guard pid > 0 else {
            return "cannot start the sandbox supervisor '\(supervisorPath)': \(String(cString: strerror(error)))"
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return "waitpid: \(String(cString: strerror(errno)))" }
        }
        guard csb_exited(status) != 0, csb_exit_code(status) == 0 else {
            let said = FileIO.readText(layout.log).map { $0.split(separator: "\n").last.map(String.init) ?? "" } ?? ""
            return "the sandbox supervisor failed: \(said.isEmpty ? "status \(status)" : said)"
        }
        return nil
    }

    /// The supervisor's pid, if it is running (checked against its command line, so a reused
    /// pid is not mistaken for it).
    static func runningPID(_ layout: SandboxLayout) -> Int32? {
        guard let text = FileIO.readText(layout.pidFile), let pid = Int32(text.filter { !$0.isWhitespace }), pid > 0 else { return nil }
        guard let commandLine = FileIO.read("/proc/\(pid)/cmdline") else { return nil }
        let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard arguments.count == 2, arguments[1] == layout.directory else { return nil }
        return isLive(pid) ? pid : nil
    }

    /// Whether `pid` exists and has not exited (a zombie waiting for its reaper has).
    static func isLive(_ pid: Int32) -> Bool {
        guard let stat = FileIO.readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }
}
