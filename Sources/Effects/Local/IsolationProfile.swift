import RunStateMachine
import SandboxSupervisor

#if canImport(Glibc)
import Glibc
#endif

/// How a local sandbox's commands are confined: the launcher command line, the environment, the
/// user and the rlimits, following the recommended profile of the reliability reference (§4.2).
///
/// With bubblewrap: every namespace unshared (no network), a new session (no TIOCSTI), the
/// command as PID 1 (so `/proc/1/environ` is its own), the host visible only through read-only
/// `/usr` and the merged-`/usr` links, the workspace bound at `/workspace`, a private `/tmp`,
/// `/dev` and `/proc`, and the spec's mounts. bwrap is started with exactly the command's
/// environment and every fd >= 3 closed (by the supervisor's spawner). Without bubblewrap (an
/// explicit opt-out): the same user, rlimits, environment and working directory, no namespaces.
struct IsolationProfile {
    /// The supervisor's configuration for a sandbox.
    let config: SupervisorConfig
    /// The user that owns the workspace, when the worker can switch users.
    let user: UInt32?

    /// The profile for `request` in `layout`, or why it cannot be provided.
    static func make(_ request: SandboxRequest, layout: SandboxLayout, options: LocalSandboxOptions) throws(SandboxError) -> IsolationProfile {
        let spec = request.spec
        for mount in spec.mounts where access(mount.host, F_OK) != 0 {
            throw .invalidRequest("mount host path '\(mount.host)' does not exist: create it or fix sandbox.mounts")
        }
        let isolated: Bool
        switch spec.isolation {
        case .none:
            isolated = false
        case .bubblewrap:
            if options.bubblewrapPath != nil {
                isolated = true
            } else if options.allowUnisolated {
                isolated = false
            } else {
                throw .isolationUnavailable(
                    "bubblewrap is not installed, so local sandboxes cannot be isolated: install it (apt-get install -y bubblewrap), "
                        + "or opt out for trusted jobs with \"isolation\": \"none\" in the spec's sandbox or `worker run --allow-unisolated`"
                )
            }
        }
        var user: UInt32?
        if geteuid() == 0 {
            if let blocked = untraversable(layout.root) {
                throw .isolationUnavailable(
                    "sandboxed commands run as their own user and cannot reach '\(blocked)' (no search permission for others): "
                        + "put the sandboxes in a directory every user can traverse (`worker run --sandboxes /var/tmp/...`)"
                )
            }
            // bubblewrap binds the mounts as the sandbox's user, so it must be able to reach
            // each source: without this check it fails with its own terse message and exit 1.
            for mount in spec.mounts {
                let parent = String(mount.host[..<(mount.host.lastIndex(of: "/") ?? mount.host.startIndex)])
                if let blocked = untraversable(parent.isEmpty ? "/" : parent) {
                    throw .invalidRequest(
                        "mount host path '\(mount.host)' cannot be reached by the sandbox's user: '\(blocked)' has no search permission "
                            + "for others; allow it (chmod o+x '\(blocked)') or mount a directory under one every user can traverse"
                    )
                }
            }
            user = SandboxUsers.claim(for: layout.directory, base: options.userBase, count: options.userCount)
            if user == nil {
                throw .failed("no free sandbox user in \(options.userBase)..<\(options.userBase + options.userCount)", retryable: true)
            }
        }
        var environment = [
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": isolated ? "/workspace" : layout.workspace,
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
        ]
        for (name, value) in spec.env {
            environment[name] = value
        }
        let launcher = isolated ? bubblewrap(options.bubblewrapPath!, workspace: layout.workspace, mounts: spec.mounts) : ["/bin/sh", "-c"]
        let config = SupervisorConfig(
            launcher: launcher,
            workingDirectory: isolated ? "/" : layout.workspace,
            environment: environment,
            user: user,
            group: user,
            limits: ProcessLimits(spec.limits),
            outputBytes: spec.limits.outputBytes,
            isolated: isolated
        )
        return IsolationProfile(config: config, user: user)
    }

    /// bubblewrap's command line, up to and including `/bin/sh -c`.
    static func bubblewrap(_ bwrap: String, workspace: String, mounts: [MountSpec]) -> [String] {
        var arguments = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1", "--ro-bind", "/usr", "/usr"]
        for name in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            var info = stat()
            guard lstat("/\(name)", &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFLNK {
                var target = [CChar](repeating: 0, count: 4096)
                let count = readlink("/\(name)", &target, target.count - 1)
                if count > 0 {
                    arguments += ["--symlink", String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self), "/\(name)"]
                }
            } else if info.st_mode & S_IFMT == S_IFDIR {
                arguments += ["--ro-bind", "/\(name)", "/\(name)"]
            }
        }
        arguments += ["--ro-bind-try", "/etc/alternatives", "/etc/alternatives", "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        arguments += ["--bind", workspace, "/workspace", "--chdir", "/workspace", "--tmpfs", "/tmp", "--dev", "/dev", "--proc", "/proc"]
        for mount in mounts {
            arguments += [mount.readOnly ? "--ro-bind" : "--bind", mount.host, mount.sandbox]
        }
        return arguments + ["--", "/bin/sh", "-c"]
    }

    /// The first directory from `/` down to `path` that others cannot search, if any.
    static func untraversable(_ path: String) -> String? {
        var prefix = ""
        for component in [""] + path.split(separator: "/").map(String.init) {
            prefix = component.isEmpty ? "/" : (prefix == "/" ? "/\(component)" : "\(prefix)/\(component)")
            var info = stat()
            guard stat(prefix, &info) == 0 else { return nil }
            if info.st_mode & S_IXOTH == 0 { return prefix }
        }
        return nil
    }
}
