import CSandbox

#if canImport(Glibc)
import Glibc
#endif

/// A process this one started (the demo's child workers, the installer), to wait for or kill.
struct ChildProcess {
    /// Its pid.
    let pid: Int32

    /// Starts `arguments` (absolute program path first) in its own session, with this process's
    /// environment plus `environment`, standard output and error appended to `log` (or
    /// discarded), and no other descriptor inherited.
    static func start(_ arguments: [String], environment: [String: String] = [:], log: String? = nil) throws -> ChildProcess {
        var merged = ProcessEnvironment.current()
        for (name, value) in environment { merged[name] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let output = log.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer {
            close(input)
            close(output)
        }
        var error: Int32 = 0
        let pid = argv.withUnsafeBufferPointer { args in
            envp.withUnsafeBufferPointer { env in
                csb_spawn_detached(arguments[0], args.baseAddress, env.baseAddress, input, output, output, &error)
            }
        }
        guard pid > 0 else { throw ChildError(message: "cannot start \(arguments[0]): \(String(cString: strerror(error)))") }
        return ChildProcess(pid: pid)
    }

    /// Waits for it to exit; its exit status (128 + n when killed by signal n).
    func wait() async -> Int32 {
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                return csb_exited(status) != 0 ? csb_exit_code(status) : 128 + csb_term_signal(status)
            }
            if result < 0, errno != EINTR { return -1 }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends `signal`.
    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// The path of the running executable.
    static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }
}

/// A child process could not be started.
struct ChildError: Error, CustomStringConvertible {
    /// Why.
    let message: String
    /// Why.
    var description: String { message }
}
