import FuzzChecks
import FuzzDriver

// libFuzzer on FuzzTarget.record (scripts/fuzz builds and runs it).
runFuzzer(.record)
