import FuzzChecks
import Glibc

/// The target the driver feeds, set once by ``runFuzzer(_:)`` before libFuzzer starts.
nonisolated(unsafe) private var current = FuzzTarget.json

/// libFuzzer's input callback (also what its own `main` would call).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    current.fuzz(data, size)
}

/// libFuzzer's driver (`-sanitize=fuzzer` links it in).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ check: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Runs libFuzzer on `target` with the process's arguments (`-max_total_time=…`, the corpus
/// folder, …) and exits with its status.
public func runFuzzer(_ target: FuzzTarget) -> Never {
    current = target
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv, fuzzOne))
}
