#ifndef CSANDBOX_H
#define CSANDBOX_H

#include <sys/types.h>
#include <stdint.h>

/// How to start one confined command (see csb_spawn_confined).
typedef struct {
    /// NULL-terminated argv; argv[0] is the program's absolute path.
    char *const *argv;
    /// NULL-terminated environment, exactly what the program gets.
    char *const *envp;
    /// The directory the program starts in.
    const char *cwd;
    /// Descriptors for the program's stdin, stdout and stderr.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// Non-zero: switch to uid/gid (dropping supplementary groups) before exec.
    int set_identity;
    uid_t uid;
    gid_t gid;
    /// rlimits; 0 leaves a limit as inherited.
    uint64_t address_space_bytes;
    uint64_t cpu_seconds;
    uint64_t processes;
    uint64_t file_size_bytes;
    uint64_t open_files;
} csb_confined_request;

/// Forks and, in the child: resets signal mask and dispositions, wires stdio, starts a new
/// session (the child leads its own process group), changes directory, sets rlimits (core
/// dumps off), drops to uid/gid, asks for SIGKILL when the parent dies, marks every fd >= 3
/// close-on-exec, and executes argv. Returns the child's pid, or -1 with *stage naming the step
/// that failed and the return value's errno in *error. Only for single-threaded callers.
pid_t csb_spawn_confined(const csb_confined_request *request, const char **stage, int *error);

/// posix_spawn of a detached process (new session, default signals, empty mask, every fd >= 3
/// closed, stdio on the given descriptors). Returns the pid or -1 with *error set.
pid_t csb_spawn_detached(const char *path, char *const *argv, char *const *envp, int stdin_fd, int stdout_fd, int stderr_fd, int *error);

/// Whether a live process (not a zombie) of user `uid` exists, read from /proc: 1, 0, or -1.
int csb_user_has_processes(uid_t uid);

/// Kills every process of user `uid` (SIGKILL), from a child that becomes that user and signals
/// everything it may: processes that escaped their sandbox's PID namespace included. Repeats
/// while /proc shows a live process of the user (no fork at all when there is none; at most 20
/// rounds). Returns 0, or -1 with errno (EBUSY if processes are still left).
int csb_kill_user(uid_t uid);

/// A signalfd (non-blocking, close-on-exec) for SIGCHLD, SIGTERM, SIGINT and SIGHUP, which are
/// blocked for the calling thread. Returns -1 on failure.
int csb_signalfd(void);

/// Reads one pending signal from a csb_signalfd descriptor: its number, or 0 if none.
int csb_read_signal(int fd);

/// pipe2(fds, O_CLOEXEC); the read end (fds[0]) is also non-blocking. Returns 0 or -1.
int csb_pipe(int fds[2]);

/// accept4(fd, NULL, NULL, SOCK_CLOEXEC): a blocking, close-on-exec connection, or -1.
int csb_accept(int fd);

/// The user id of the peer of a connected Unix socket, or -1.
long csb_peer_uid(int fd);

/// Decoding of a waitpid status.
int csb_exited(int status);
int csb_exit_code(int status);
int csb_signaled(int status);
int csb_term_signal(int status);

#endif
