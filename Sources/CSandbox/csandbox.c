#define _GNU_SOURCE
#include "csandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// What the child reports through the close-on-exec pipe when a step fails: the stage index and
/// errno. Nothing arrives when exec succeeds.
typedef struct {
    int stage;
    int error;
} failure_report;

static const char *const stages[] = {
    "pipe", "fork", "dup2", "setsid", "chdir", "setrlimit", "setgroups", "setgid", "setuid", "prctl", "parent-exited", "close_range", "execve",
};

static void fail(int pipe_fd, int stage) {
    failure_report report = {stage, errno};
    ssize_t ignored = write(pipe_fd, &report, sizeof report);
    (void)ignored;
    _exit(127);
}

static int limit(int resource, uint64_t value) {
    if (value == 0) return 0;
    struct rlimit rl = {(rlim_t)value, (rlim_t)value};
    return setrlimit(resource, &rl);
}

pid_t csb_spawn_confined(const csb_confined_request *r, const char **stage, int *error) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *stage = stages[0];
        *error = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *stage = stages[1];
        *error = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        close(report[0]);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++) {
            if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
        }
        if (dup2(r->stdin_fd, 0) < 0 || dup2(r->stdout_fd, 1) < 0 || dup2(r->stderr_fd, 2) < 0) fail(report[1], 2);
        if (setsid() < 0) fail(report[1], 3);
        if (chdir(r->cwd) != 0) fail(report[1], 4);
        struct rlimit no_core = {0, 0};
        if (limit(RLIMIT_AS, r->address_space_bytes) || limit(RLIMIT_CPU, r->cpu_seconds) || limit(RLIMIT_NPROC, r->processes) ||
            limit(RLIMIT_FSIZE, r->file_size_bytes) || limit(RLIMIT_NOFILE, r->open_files) || setrlimit(RLIMIT_CORE, &no_core))
            fail(report[1], 5);
        if (r->set_identity) {
            if (setgroups(0, NULL) != 0) fail(report[1], 6);
            if (setgid(r->gid) != 0) fail(report[1], 7);
            if (setuid(r->uid) != 0) fail(report[1], 8);
        }
        // After the identity change, which clears the parent-death signal.
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(report[1], 9);
        if (getppid() != parent) fail(report[1], 10);
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
            // Kernels before 5.11: close one by one, keeping the report pipe (close-on-exec).
            for (int fd = 3; fd < 65536; fd++) {
                if (fd != report[1]) close(fd);
            }
        }
        execve(r->argv[0], r->argv, r->envp);
        fail(report[1], 12);
    }
    close(report[1]);
    failure_report failure;
    ssize_t n;
    do {
        n = read(report[0], &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof failure) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *stage = stages[failure.stage];
        *error = failure.error;
        return -1;
    }
    return pid;
}

pid_t csb_spawn_detached(const char *path, char *const *argv, char *const *envp, int stdin_fd, int stdout_fd, int stderr_fd, int *error) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int result = posix_spawn(&pid, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (result != 0) {
        *error = result;
        return -1;
    }
    return pid;
}

int csb_user_has_processes(uid_t uid) {
    DIR *proc = opendir("/proc");
    if (proc == NULL) return -1;
    int found = 0;
    struct dirent *entry;
    while (!found && (entry = readdir(proc)) != NULL) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        struct stat info;
        if (fstatat(dirfd(proc), entry->d_name, &info, 0) != 0 || info.st_uid != uid) continue;
        // A zombie (killed, not yet reaped) or a dying process no longer counts.
        char path[64];
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        char text[512];
        ssize_t n = read(fd, text, sizeof text - 1);
        close(fd);
        if (n <= 0) continue;
        text[n] = 0;
        char *close_paren = strrchr(text, ')');
        if (close_paren == NULL || close_paren[1] == 0) continue;
        char state = close_paren[2];
        if (state != 'Z' && state != 'X' && state != 'x') found = 1;
    }
    closedir(proc);
    return found;
}

int csb_kill_user(uid_t uid) {
    if (uid == 0) {
        errno = EPERM;
        return -1;
    }
    // kill(-1) reports success whenever any process exists (EPERM ones included), so whether
    // something is left is read from /proc; killed processes take a moment to become zombies.
    for (int round = 0; round < 20; round++) {
        int left = csb_user_has_processes(uid);
        if (left == 0) return 0;
        pid_t pid = fork();
        if (pid < 0) return -1;
        if (pid == 0) {
            if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0) _exit(2);
            // kill(-1) signals every process this user may signal, except the caller.
            kill(-1, SIGKILL);
            _exit(0);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) return -1;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) == 2) {
            errno = EPERM;
            return -1;
        }
        usleep(200 * (useconds_t)(round + 1));
    }
    errno = EBUSY;
    return csb_user_has_processes(uid) == 0 ? 0 : -1;
}

int csb_signalfd(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0) return -1;
    return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int csb_read_signal(int fd) {
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    return n == (ssize_t)sizeof info ? (int)info.ssi_signo : 0;
}

int csb_pipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    return fcntl(fds[0], F_SETFL, O_NONBLOCK);
}

int csb_accept(int fd) {
    return accept4(fd, NULL, NULL, SOCK_CLOEXEC);
}

long csb_peer_uid(int fd) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    return (long)credentials.uid;
}

int csb_exited(int status) { return WIFEXITED(status); }
int csb_exit_code(int status) { return WEXITSTATUS(status); }
int csb_signaled(int status) { return WIFSIGNALED(status); }
int csb_term_signal(int status) { return WTERMSIG(status); }
