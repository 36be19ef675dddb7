import FuzzChecks
import FuzzDriver

// libFuzzer on FuzzTarget.spec (scripts/fuzz builds and runs it).
runFuzzer(.spec)
