import CSandbox
import RunStateMachine
import SystemSupport

#if canImport(Glibc)
import Glibc
#endif

extension Supervisor {
    /// Starts `spec` unless its key already started: writes the started marker, then creates the
    /// process. Returns what happened (`started`, `existing`, `failed to start: ...`).
    func start(_ spec: CommandSpec) -> ControlReply {
        let files = layout.command(spec.key)
        if FileIO.exists(files.started) {
            return ControlReply(ok: true, detail: "existing")
        }
        FileIO.makeDirectory(layout.commands)
        let made = FileIO.makeDirectory(files.directory)
        let marked = FileIO.writeAtomically(files.started, CommandRecord.started(key: spec.key, at: WallClock.nowMilliseconds()).canonicalBytes)
        guard made == 0, marked == 0 else {
            return ControlReply(ok: false, detail: "cannot record the command's start: \(String(cString: strerror(made != 0 ? made : marked)))")
        }
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        guard csb_pipe(&output) == 0, csb_pipe(&errors) == 0 else {
            let reason = "pipe: \(String(cString: strerror(errno)))"
            for fd in output + errors where fd >= 0 { close(fd) }
            record(key: spec.key, files: files, result: StepResult(exit: .failedToStart(reason: reason)), stdout: nil, stderr: nil)
            return ControlReply(ok: true, detail: "failed to start: \(reason)")
        }
        let pid = spawn(spec, stdout: output[1], stderr: errors[1])
        close(output[1])
        close(errors[1])
        guard case .success(let pid) = pid else {
            close(output[0])
            close(errors[0])
            if case .failure(let reason) = pid {
                record(key: spec.key, files: files, result: StepResult(exit: .failedToStart(reason: reason)), stdout: nil, stderr: nil)
                return ControlReply(ok: true, detail: "failed to start: \(reason)")
            }
            return ControlReply(ok: false, detail: "unreachable")
        }
        let now = WallClock.monotonicMilliseconds()
        running.append(
            RunningCommand(
                key: spec.key,
                files: files,
                pid: pid,
                startedAt: now,
                // The timeout arrives over the control socket: the sum must not overflow.
                deadline: now.addingSaturated(max(1, spec.timeoutMilliseconds)),
                stdout: output[0],
                stderr: errors[0],
                // Values passed with a command are its secrets: they never reach what is kept.
                stdoutCapture: OutputCapture(budget: config.outputBytes, redacting: spec.secrets),
                stderrCapture: OutputCapture(budget: config.outputBytes, redacting: spec.secrets)
            )
        )
        return ControlReply(ok: true, detail: "started")
    }

    /// The outcome of creating a command's process: its pid, or why it could not be created.
    enum SpawnOutcome {
        case success(Int32)
        case failure(String)
    }

    /// Creates the command's process under the configured confinement.
    func spawn(_ spec: CommandSpec, stdout: Int32, stderr: Int32) -> SpawnOutcome {
        var environment = config.environment
        for (name, value) in spec.environment.merging(spec.secrets, uniquingKeysWith: { _, secret in secret }) {
            environment[name] = value
        }
        let argv = CStringArray(config.launcher + [spec.command])
        let envp = CStringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer {
            argv.free()
            envp.free()
        }
        var stage: UnsafePointer<CChar>?
        var error: Int32 = 0
        let pid = config.workingDirectory.withCString { cwd in
            var request = csb_confined_request()
            request.argv = UnsafePointer(argv.pointer)
            request.envp = UnsafePointer(envp.pointer)
            request.cwd = cwd
            request.stdin_fd = devNull
            request.stdout_fd = stdout
            request.stderr_fd = stderr
            request.set_identity = config.user == nil ? 0 : 1
            request.uid = config.user ?? 0
            request.gid = config.group ?? config.user ?? 0
            request.address_space_bytes = config.limits.addressSpaceBytes
            request.cpu_seconds = config.limits.cpuSeconds
            request.processes = config.limits.processes
            request.file_size_bytes = config.limits.fileSizeBytes
            request.open_files = config.limits.openFiles
            return csb_spawn_confined(&request, &stage, &error)
        }
        guard pid > 0 else {
            let step = stage.map { String(cString: $0) } ?? "spawn"
            return .failure("\(step): \(String(cString: strerror(error)))")
        }
        return .success(pid)
    }

    /// Reads what is waiting on one output pipe into its command's capture; closes it at its end.
    func drain(_ fd: Int32) {
        guard let index = running.firstIndex(where: { $0.stdout == fd || $0.stderr == fd }) else { return }
        let isStdout = running[index].stdout == fd
        var chunk = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<16 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN { return }
            if n <= 0 {
                close(fd)
                if isStdout { running[index].stdout = -1 } else { running[index].stderr = -1 }
                return
            }
            chunk.withUnsafeBytes { bytes in
                let part = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
                if isStdout { running[index].stdoutCapture.append(part) } else { running[index].stderrCapture.append(part) }
            }
        }
    }

    /// Collects the wait status of every command process that exited; for commands not in a
    /// PID namespace, kills what they left behind in their process group.
    func reap() {
        for index in running.indices where running[index].status == nil {
            var status: Int32 = 0
            let pid = waitpid(running[index].pid, &status, WNOHANG)
            guard pid == running[index].pid else { continue }
            running[index].status = status
            running[index].reapedAt = WallClock.monotonicMilliseconds()
            if !config.isolated {
                kill(-running[index].pid, SIGKILL)
            }
        }
    }

    /// Terminates commands past their timeout: SIGTERM, then SIGKILL after a grace period.
    /// An isolated command is killed at once, by killing its launcher (its PID namespace dies).
    func enforceTimeouts() {
        let now = WallClock.monotonicMilliseconds()
        for index in running.indices where running[index].status == nil {
            if now >= running[index].deadline, !running[index].timedOut {
                running[index].timedOut = true
                running[index].killAt = now + Self.terminationGrace
                terminate(running[index], signal: config.isolated ? SIGKILL : SIGTERM)
            } else if let killAt = running[index].killAt, now >= killAt {
                running[index].killAt = .max
                terminate(running[index], signal: SIGKILL)
            }
        }
    }

    func terminate(_ command: RunningCommand, signal: Int32) {
        if config.isolated {
            kill(command.pid, signal)
        } else {
            kill(-command.pid, signal)
        }
    }

    /// Records every command that exited and whose output ended (or lingered too long).
    func finishEnded() {
        let now = WallClock.monotonicMilliseconds()
        var index = 0
        while index < running.count {
            guard let status = running[index].status, let reapedAt = running[index].reapedAt,
                running[index].pipesClosed || now >= reapedAt + Self.pipeLinger
            else {
                index += 1
                continue
            }
            closePipes(at: index)
            let command = running.remove(at: index)
            let exit: StepExit =
                if command.timedOut {
                    .timedOut
                } else if csb_exited(status) != 0 {
                    .exited(code: csb_exit_code(status))
                } else {
                    .signaled(signal: csb_term_signal(status))
                }
            let result = StepResult(
                exit: exit,
                stdout: command.stdoutCapture.digest,
                stderr: command.stderrCapture.digest,
                durationMilliseconds: reapedAt - command.startedAt
            )
            record(key: command.key, files: command.files, result: result, stdout: command.stdoutCapture, stderr: command.stderrCapture)
        }
    }

    /// Reads what is left in the pipes of the command at `index` into its captures and closes
    /// them. In place: `drain` updates `running` (and closes a pipe at its end), so working on a
    /// copy would lose output and close a descriptor twice.
    func closePipes(at index: Int) {
        for fd in [running[index].stdout, running[index].stderr] where fd >= 0 {
            drain(fd)
        }
        for fd in [running[index].stdout, running[index].stderr] where fd >= 0 {
            Glibc.close(fd)
        }
        running[index].stdout = -1
        running[index].stderr = -1
        running[index].stdoutCapture.finish()
        running[index].stderrCapture.finish()
    }

    /// Writes a command's captures, then its exit record (the record that says it ended).
    func record(key: String, files: CommandLayout, result: StepResult, stdout: OutputCapture?, stderr: OutputCapture?) {
        FileIO.writeAtomically(files.stdout, stdout?.kept ?? [])
        FileIO.writeAtomically(files.stderr, stderr?.kept ?? [])
        FileIO.writeAtomically(files.exit, CommandRecord.exit(key: key, result: result, at: WallClock.nowMilliseconds()).canonicalBytes)
    }

    /// Ends the sandbox: kills every command, records them as lost, writes why the sandbox
    /// ended, answers the connection that asked (if any), and exits.
    func end(because reason: String, replyingTo connection: Int32?) -> Never {
        for command in running where command.status == nil {
            terminate(command, signal: SIGKILL)
        }
        let giveUp = WallClock.monotonicMilliseconds() + 5_000
        while running.contains(where: { $0.status == nil }), WallClock.monotonicMilliseconds() < giveUp {
            reap()
            usleep(2_000)
        }
        for index in running.indices {
            closePipes(at: index)
            let command = running[index]
            let result = StepResult(
                exit: .sandboxLost(reason: reason),
                stdout: command.stdoutCapture.digest,
                stderr: command.stderrCapture.digest,
                durationMilliseconds: WallClock.monotonicMilliseconds() - command.startedAt
            )
            record(key: command.key, files: command.files, result: result, stdout: command.stdoutCapture, stderr: command.stderrCapture)
        }
        running.removeAll()
        if let user = config.user {
            csb_kill_user(user)
        }
        FileIO.writeAtomically(layout.dead, DeathRecord(reason: reason, at: WallClock.nowMilliseconds()).json.canonicalBytes)
        if let connection {
            _ = ControlSocket.writeAll(connection, ControlReply(ok: true, detail: "killed").json.canonicalBytes + [10])
            Glibc.close(connection)
        }
        exit(0)
    }
}
