import SandboxSupervisor

#if canImport(Glibc)
import Glibc
#endif

exit(Supervisor.main(CommandLine.arguments))
