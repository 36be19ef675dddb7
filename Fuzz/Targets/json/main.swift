import FuzzChecks
import FuzzDriver

// libFuzzer on FuzzTarget.json (scripts/fuzz builds and runs it).
runFuzzer(.json)
