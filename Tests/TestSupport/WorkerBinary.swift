import Foundation

/// The built `worker` binary, run as a user runs it: one harness for every test that starts it.
public enum WorkerBinary {
    /// How a worker process ended.
    public enum Ending: Equatable, Sendable {
        case exited(Int32)
        case killed(Int32)
    }

    /// What a finished worker printed, and how it ended.
    public struct Output: Sendable {
        /// How it ended.
        public let ending: Ending
        /// Standard output: results, JSON among them.
        public let stdout: String
        /// Standard error: errors and logs.
        public let stderr: String

        /// The exit status (the signal's number if it was killed).
        public var status: Int32 {
            switch ending {
            case .exited(let status), .killed(let status): status
            }
        }

        /// Standard output, then standard error: for messages and `contains` checks.
        public var text: String { stdout + stderr }
    }

    /// The binary beside the test bundle (`swift build` puts both in one folder).
    public static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("worker").path
    }

    /// Runs `worker ARGUMENTS` to its end, with `stdin` as its input and `environment` added to
    /// this process's.
    public static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Both pipes are read at once: a child that fills one while the other is read would wait
        // for ever.
        let (reader, errors) = (out.fileHandleForReading, err.fileHandleForReading)
        async let stdoutData = offPool { reader.readDataToEndOfFile() }
        async let stderrData = offPool { errors.readDataToEndOfFile() }
        let (stdout, stderr) = try await (stdoutData, stderrData)
        return Output(ending: await wait(process), stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `worker ARGUMENTS` with `environment` added; both outputs are appended to `log`.
    public static func start(_ arguments: [String], environment: [String: String] = [:], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if !FileManager.default.fileExists(atPath: log) {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: log) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: log])
        }
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits for `process` without blocking the cooperative pool.
    public static func wait(_ process: Process) async -> Ending {
        while process.isRunning {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationReason == .uncaughtSignal ? .killed(process.terminationStatus) : .exited(process.terminationStatus)
    }
}
