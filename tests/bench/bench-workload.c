/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-workload: the syscall loops the benchmark times.
 *
 *   getppid  one getppid() per iteration: the cheapest syscall, so what a
 *            sys_enter program adds is most of what is measured;
 *   filemix  a file-heavy iteration of 7 syscalls (openat, fstat, 2x read,
 *            close, newfstatat of a missing path, faccessat): the mix of a
 *            process that serves or scans files.
 *
 * Syscalls are issued with syscall(2) so that each iteration makes exactly
 * the calls counted, whatever libc does. The loop is split into batches;
 * the median batch is reported, which keeps one preemption on a noisy VM
 * from moving the figure. Prints one line:
 *   ns_per_syscall=M min_ns_per_syscall=X syscalls=N elapsed_ns=T
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

#define MAX_BATCHES 1000

static const char *arg_cgroup = NULL;
static const char *arg_file = "/etc/passwd";
static unsigned arg_batches = 20;
static int arg_cpu = -1;

static clockid_t arg_clock = CLOCK_THREAD_CPUTIME_ID;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(arg_clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Move this process into a cgroup v2 directory before it makes the calls measured. */
static int cgroup_enter(const char *path)
{
        _cleanup_free_ char *procs = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&procs, "%s/cgroup.procs", path) < 0)
                return -ENOMEM;
        fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (write(fd, "0", 1) != 1)
                return negative_errno();
        return 0;
}

static unsigned loop_getppid(uint64_t n)
{
        for (uint64_t i = 0; i < n; i++)
                syscall(SYS_getppid);
        return 1;
}

static unsigned loop_filemix(uint64_t n)
{
        char buf[4096];
        struct stat st;

        for (uint64_t i = 0; i < n; i++) {
                long fd = syscall(SYS_openat, AT_FDCWD, arg_file, O_RDONLY | O_CLOEXEC);
                syscall(SYS_fstat, fd, &st);
                syscall(SYS_read, fd, buf, sizeof(buf));
                syscall(SYS_read, fd, buf, sizeof(buf));
                syscall(SYS_close, fd);
                syscall(SYS_newfstatat, AT_FDCWD, "/nonexistent/sysrec-bench", &st, 0);
                syscall(SYS_faccessat, AT_FDCWD, arg_file, R_OK);
        }
        return 7;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "cgroup", required_argument, NULL, 'g' },
                { "file", required_argument, NULL, 'f' },
                { "batches", required_argument, NULL, 'b' },
                { "cpu", required_argument, NULL, 'c' },
                { "wall", no_argument, NULL, 'w' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'g':
                        arg_cgroup = optarg;
                        break;
                case 'f':
                        arg_file = optarg;
                        break;
                case 'b':
                        arg_batches = (unsigned)strtoul(optarg, NULL, 10);
                        if (arg_batches == 0 || arg_batches > MAX_BATCHES)
                                return -EINVAL;
                        break;
                case 'c':
                        arg_cpu = atoi(optarg);
                        break;
                case 'w':
                        arg_clock = CLOCK_MONOTONIC;
                        break;
                default:
                        return -EINVAL;
                }
        if (argc - optind != 2)
                return -EINVAL;
        return 0;
}

int main(int argc, char *argv[])
{
        static double per_batch[MAX_BATCHES];
        unsigned (*loop)(uint64_t n);
        uint64_t n, per, start, total = 0;
        unsigned calls = 1;
        double min;
        int r;

        if (parse_argv(argc, argv) < 0) {
                fprintf(stderr, "usage: %s [--cgroup=DIR] [--file=PATH] [--batches=N] [--cpu=N] getppid|filemix ITERATIONS\n",
                        argv[0]);
                return 2;
        }
        if (strcmp(argv[optind], "getppid") == 0)
                loop = loop_getppid;
        else if (strcmp(argv[optind], "filemix") == 0)
                loop = loop_filemix;
        else {
                fprintf(stderr, "bench-workload: unknown loop '%s'.\n", argv[optind]);
                return 2;
        }
        n = strtoull(argv[optind + 1], NULL, 10);
        per = n / arg_batches;
        if (per == 0) {
                fprintf(stderr, "bench-workload: fewer iterations than batches.\n");
                return 2;
        }

        if (arg_cgroup) {
                r = cgroup_enter(arg_cgroup);
                if (r < 0) {
                        fprintf(stderr, "bench-workload: cannot enter cgroup '%s': %s\n", arg_cgroup,
                                strerror(-r));
                        return 1;
                }
        }
        if (arg_cpu >= 0) {
                cpu_set_t set;

                CPU_ZERO(&set);
                CPU_SET(arg_cpu, &set);
                if (sched_setaffinity(0, sizeof(set), &set) < 0)
                        fprintf(stderr, "bench-workload: cannot pin to CPU %d: %m\n", arg_cpu);
        }

        /* Warm up: first-seen syscalls (ring-buffer events), caches, page faults. */
        (void)loop(per < 1000 ? per : 1000);

        start = now_ns();
        for (unsigned b = 0; b < arg_batches; b++) {
                uint64_t t0 = now_ns(), t;

                calls = loop(per);
                t = now_ns() - t0;
                total += per * calls;
                per_batch[b] = (double)t / (double)(per * calls);
        }
        start = now_ns() - start;

        qsort(per_batch, arg_batches, sizeof(double), cmp_double);
        min = per_batch[0];
        printf("ns_per_syscall=%.2f min_ns_per_syscall=%.2f syscalls=%llu elapsed_ns=%llu\n",
               per_batch[arg_batches / 2], min, (unsigned long long)total, (unsigned long long)start);
        return 0;
}
