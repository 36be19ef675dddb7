import FuzzChecks
import FuzzDriver

// libFuzzer on FuzzTarget.connect (scripts/fuzz builds and runs it).
runFuzzer(.connect)
