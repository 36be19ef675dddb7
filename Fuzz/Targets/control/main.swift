import FuzzChecks
import FuzzDriver

// libFuzzer on FuzzTarget.control (scripts/fuzz builds and runs it).
runFuzzer(.control)
