import ArgumentParser
import Effects
import Journal
import RunStateMachine
import SystemSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing to the terminal, and turning errors into short messages and exit codes.
enum Console {
    /// Exit status for refused input (an invalid spec, an unknown run).
    static let invalidInput: Int32 = 2
    /// Exit status for a journal that does not verify or replay.
    static let verificationFailed: Int32 = 1

    /// Writes a line to standard error.
    static func error(_ message: String) {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Writes JSON to standard output on one line.
    static func printJSON(_ value: JSONValue) {
        print(value.canonicalString)
    }

    /// Runs a command body, printing known errors without stack traces and exiting with a
    /// status that says what kind of failure it was.
    static func run(json: Bool, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch let error as SpecValidationError {
            report(json: json, code: "invalidSpec", message: error.description, problems: error.problems)
            throw ExitCode(invalidInput)
        } catch let error as JournalError {
            report(json: json, code: error.code.rawValue, message: error.description, problems: [])
            throw ExitCode([.unknownRun, .notFound, .idempotencyConflict, .notParked].contains(error.code) ? invalidInput : 1)
        } catch let error as ConfigurationError {
            report(json: json, code: "configuration", message: error.description, problems: [])
            throw ExitCode(invalidInput)
        } catch let error as IllegalTransition {
            report(json: json, code: error.code.rawValue, message: error.description, problems: [])
            throw ExitCode(invalidInput)
        }
    }

    private static func report(json: Bool, code: String, message: String, problems: [SpecProblem]) {
        if json {
            var object: JSONObject = ["error": .string(code), "message": .string(message)]
            if !problems.isEmpty {
                object["problems"] = .array(problems.map { ["path": .string($0.path), "message": .string($0.message), "fix": .string($0.fix)] })
            }
            printJSON(.object(object))
        } else {
            error("error: \(message)")
        }
    }
}

extension Timestamp {
    /// The current wall-clock time (the CLI's clock; machines never read one).
    static func now() -> Timestamp {
        WallClock.now()
    }
}
