import ArgumentParser
import Journal
import RunStateMachine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `worker submit SPEC.json`: validates a job spec and journals a new run.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Validate a job spec and create a run; prints the run id.",
        discussion: """
            The spec is JSON (see the README). Invalid specs are refused with every problem, its \
            JSON path and a fix; nothing is journaled. With an idempotencyKey, submitting the same \
            spec again prints the same run id. Use - to read the spec from standard input.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The job spec file, or - for standard input.")
    var spec: String

    func run() async throws {
        try await Console.run(json: options.json) {
            let bytes = try readSpec(spec)
            let validated = try JobSpec.validate(bytes)
            let journal = try await options.journal(.client)
            defer { journal.close() }
            let result = try await journal.submit(validated, at: .now())
            if options.json {
                Console.printJSON(["run": .string(result.run.id.value), "created": .bool(result.created)])
            } else {
                print(result.run.id.value)
                if !result.created {
                    Console.error("note: the idempotency key matched this existing run; nothing new was created")
                }
            }
        }
    }

    /// The spec's bytes, at most one byte over the spec limit (so oversized input is reported
    /// as such without reading it all).
    private func readSpec(_ path: String) throws -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        let limit = SpecLimits.maxSpecBytes + 1
        var bytes = [UInt8](repeating: 0, count: limit)
        var total = 0
        while total < limit {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + total, limit - total) }
            if count < 0 {
                throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            total += count
        }
        return Array(bytes[0..<total])
    }
}
