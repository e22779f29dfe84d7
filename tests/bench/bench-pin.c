/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-pin: creates DIR/c0 .. DIR/c<N-1> and keeps one sleeping process in
 * each until told to stop (EOF on stdin, SIGTERM, or the death of its
 * parent), so that the cgroups the benchmark records at scale are real,
 * populated cgroups that nothing else on the host removes while it runs (an
 * empty cgroup can be trimmed away by any systemd that shares the
 * hierarchy). Each process is a fork of this one, born into its cgroup with
 * clone3(CLONE_INTO_CGROUP), asleep in pause(): it makes no syscall while
 * measured. Prints "ready" once every process is in place; on EOF or
 * SIGTERM it kills and reaps them all before it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"

static pid_t spawn_into(int cgroup_fd)
{
        struct clone_args args = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t)cgroup_fd,
        };
        pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));

        if (pid == 0) {
                (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        return pid < 0 ? negative_errno() : pid;
}

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
        stop = 1; /* and read() below returns EINTR */
}

int main(int argc, char *argv[])
{
        struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART */
        _cleanup_free_ pid_t *pids = NULL;
        unsigned n;
        char buf[64];
        int r = 0;

        if (argc != 3) {
                fprintf(stderr, "usage: %s DIR N\n", argv[0]);
                return 2;
        }
        n = (unsigned)strtoul(argv[2], NULL, 10);
        pids = calloc(n, sizeof(pid_t));
        if (!pids)
                return 1;
        /* SIGTERM (or the parent's death) ends the wait below, so that the
         * children are killed and reaped here, not left to PID 1. */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);

        for (unsigned i = 0; i < n && !stop; i++) {
                _cleanup_close_ int fd = -EBADF;
                char path[4096];

                snprintf(path, sizeof(path), "%s/c%u", argv[1], i);
                if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                        r = negative_errno();
                        break;
                }
                fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0) {
                        r = negative_errno();
                        break;
                }
                pids[i] = spawn_into(fd);
                if (pids[i] < 0) {
                        r = pids[i];
                        pids[i] = 0;
                        break;
                }
        }
        if (r < 0)
                fprintf(stderr, "bench-pin: %s\n", strerror(-r));
        else {
                printf("ready\n");
                fflush(stdout);
                while (!stop && read(STDIN_FILENO, buf, sizeof(buf)) > 0)
                        ;
        }

        for (unsigned i = 0; i < n; i++)
                if (pids[i] > 0)
                        kill(pids[i], SIGKILL);
        for (unsigned i = 0; i < n; i++)
                if (pids[i] > 0)
                        (void)waitpid(pids[i], NULL, 0);
        return r < 0 ? 1 : 0;
}
