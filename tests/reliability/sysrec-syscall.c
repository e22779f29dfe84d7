/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrec-syscall: issue system calls chosen by number, so that a test knows
 * exactly which ones a workload made. Numbers no kernel implements (600 and
 * up on x86-64) are fine: sys_enter sees them and the recorder records them,
 * and they are distinctive, since nothing else on the host makes them.
 *
 *   sysrec-syscall [--cgroup DIR] NR...
 *           move into the cgroup2 directory DIR (if given), then issue each
 *           syscall once, all arguments 0, and exit
 *   sysrec-syscall [--cgroup DIR] --loop LOG [--interval-ms N] NR...
 *           the same round-robin until SIGTERM/SIGINT; after each call its
 *           number is appended to LOG ("NR\n"), so that the log lists only
 *           calls that were made
 *   sysrec-syscall --name NR...
 *           print each number's x86-64 name as libseccomp spells it, or
 *           "@NR" when it has none (how sysrecd names such numbers)
 *   sysrec-syscall --keep DIR...
 *           make each cgroup2 directory (and its parents) and keep one
 *           sleeping process in it, print
 *           "ready", and remove them all on SIGTERM (or when killed): a
 *           cgroup with a process in it cannot be removed, not even by a
 *           systemd that trims empty cgroups of the shared hierarchy when it
 *           starts or stops (tests/systemd boots one next to us). Each
 *           keeper is born in its cgroup and then blocks in pause(), so it
 *           makes no syscall a recording started later could see.
 *
 * Only numbers the caller picked are issued; the caller picks harmless ones
 * (getcpu, mincore, sysinfo, ioprio_get, unused numbers).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

static int parse_nr(const char *s, long *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < 0 || v > 4095)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int move_to_cgroup(const char *dir)
{
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) {
                fprintf(stderr, "sysrec-syscall: cannot move into %s: %m\n", dir);
                return -1;
        }
        close(fd);
        return 0;
}

static void print_names(int n, char **nrs)
{
        for (int i = 0; i < n; i++) {
                long nr;
                char *name;

                if (parse_nr(nrs[i], &nr) < 0) {
                        fprintf(stderr, "sysrec-syscall: bad number '%s'\n", nrs[i]);
                        exit(2);
                }
                name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
                if (name)
                        printf("%s\n", name);
                else
                        printf("@%ld\n", nr);
                free(name);
        }
}

/* One child per directory, born there (clone3 CLONE_INTO_CGROUP); each dies
 * with us, and on SIGTERM we kill and reap them all before exiting, so that
 * the cgroups are empty when we are gone. */
static int keep(int n, char **dirs)
{
        pid_t *pids = calloc((size_t)n + 1, sizeof(pid_t));
        sigset_t ss;
        int sig, k = 0, r = 0;

        if (!pids)
                return 1;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        for (int i = 0; i < n; i++) {
                struct clone_args ca = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
                long pid;
                int fd = -1;

                /* Make it (and its parents) here: a cgroup left empty even for a
                 * moment may be trimmed away. Retry if that happened meanwhile. */
                for (int try = 0; fd < 0 && try < 20; try++) {
                        for (char *p = strchr(dirs[i] + 1, '/');; p = strchr(p + 1, '/')) {
                                if (p)
                                        *p = 0;
                                (void)mkdir(dirs[i], 0755);
                                if (!p)
                                        break;
                                *p = '/';
                        }
                        fd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
                }
                if (fd < 0) {
                        fprintf(stderr, "sysrec-syscall: cannot open %s: %m\n", dirs[i]);
                        r = 1;
                        break;
                }
                ca.cgroup = (uint64_t)fd;
                pid = syscall(SYS_clone3, &ca, sizeof(ca));
                if (pid == 0) {
                        syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                        for (;;)
#if defined(SYS_pause)
                                syscall(SYS_pause);
#else
                                /* aarch64 has no pause(): what glibc makes of it. */
                                syscall(SYS_ppoll, NULL, 0, NULL, NULL);
#endif
                }
                close(fd);
                if (pid < 0) {
                        fprintf(stderr, "sysrec-syscall: clone3 into %s: %m\n", dirs[i]);
                        r = 1;
                        break;
                }
                pids[k++] = (pid_t)pid;
        }
        if (r == 0) {
                printf("ready\n");
                fflush(stdout);
                sigwait(&ss, &sig);
        }
        for (int i = 0; i < k; i++)
                kill(pids[i], SIGKILL);
        for (int i = 0; i < k; i++)
                while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
                        ;
        free(pids);
        return r;
}

int main(int argc, char **argv)
{
        const char *cgroup = NULL, *log = NULL;
        long interval_ms = 20, nrs[4096];
        int n = 0, logfd = -1, i = 1;

        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--keep") == 0)
                        return keep(argc - i - 1, argv + i + 1);
                if (strcmp(argv[i], "--name") == 0) {
                        print_names(argc - i - 1, argv + i + 1);
                        return 0;
                } else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc)
                        cgroup = argv[++i];
                else if (strcmp(argv[i], "--loop") == 0 && i + 1 < argc)
                        log = argv[++i];
                else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc)
                        interval_ms = atol(argv[++i]);
                else {
                        fprintf(stderr, "usage: sysrec-syscall [--cgroup DIR] [--loop LOG [--interval-ms N]] NR...\n"
                                        "       sysrec-syscall --name NR...\n");
                        return 2;
                }
        }
        for (; i < argc && n < (int)(sizeof(nrs) / sizeof(nrs[0])); i++)
                if (parse_nr(argv[i], &nrs[n++]) < 0) {
                        fprintf(stderr, "sysrec-syscall: bad number '%s'\n", argv[i]);
                        return 2;
                }
        if (n == 0) {
                fprintf(stderr, "sysrec-syscall: no syscall numbers given\n");
                return 2;
        }
        if (log) {
                logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (logfd < 0) {
                        fprintf(stderr, "sysrec-syscall: cannot open %s: %m\n", log);
                        return 1;
                }
                signal(SIGTERM, on_signal);
                signal(SIGINT, on_signal);
        }
        if (cgroup && move_to_cgroup(cgroup) < 0)
                return 1;

        if (!log) {
                for (int k = 0; k < n; k++)
                        (void)syscall(nrs[k], 0, 0, 0, 0, 0, 0);
                return 0;
        }
        for (unsigned long k = 0; !stop; k++) {
                struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };
                char line[32];
                long nr = nrs[k % (unsigned long)n];
                int l;

                (void)syscall(nr, 0, 0, 0, 0, 0, 0);
                l = snprintf(line, sizeof(line), "%ld\n", nr);
                if (write(logfd, line, (size_t)l) != l)
                        return 1;
                if (interval_ms > 0)
                        (void)nanosleep(&ts, NULL);
        }
        return 0;
}
