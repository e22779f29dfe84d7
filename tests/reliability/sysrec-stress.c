/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysrec-stress: a fast org.sysrec1 client for the stress test. busctl
 * costs a process and a connection per call; this keeps one connection and
 * up to --window calls in flight, so that several of it running side by
 * side make starts, stops and removals race inside sysrecd.
 *
 * Recording i is named PREFIX-i and targets the cgroup REL/r<i>. Its
 * workload is --procs short-lived processes, each born in the cgroup with
 * clone3(CLONE_INTO_CGROUP) (the last one in REL/r<i>/sub, made after the
 * recording started, to exercise descendant tracking), which issue exactly:
 * 600 + i % 400, 1000 + i / 400 (unused numbers: together a signature of
 * i that no other recording has), one of ten harmless named syscalls
 * (different per process), then exit_group. `expect` prints that set.
 *
 *   sysrec-stress start|wave|stop|remove|noise|expect [OPTIONS]
 *     start   StartRecording, then run the workload (recording stays on)
 *     wave    StartRecording, the workload, StopRecording
 *     stop    StopRecording        remove  RemoveRecording
 *     noise   ListRecordings, GetProfile and property reads of random
 *             recordings for --seconds or until SIGTERM (errors like
 *             NoSuchRecording expected)
 *     expect  print "PREFIX-i<TAB>syscall name" for every expected syscall
 *   --prefix P --from A --to B --cgroup-root DIR (the cgroup2 mount)
 *   --cgroup-rel /REL --procs K (default 5) --window W (default 32)
 *   --seconds S (noise)
 *
 * Prints one summary line; exits 1 if a call that should succeed failed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define DEST "org.sysrec1"
#define PATH "/org/sysrec1"
#define IFACE "org.sysrec1.Manager"

#if !defined(SYS_getpgrp)
/* aarch64 has only getpgid(), which glibc's getpgrp() calls. */
#define SYS_getpgrp SYS_getpgid
#endif

static const long named[10] = {
        SYS_getcpu, SYS_sysinfo, SYS_ioprio_get, SYS_mincore, SYS_getppid,
        SYS_getuid, SYS_getgid,  SYS_geteuid,    SYS_getegid, SYS_getpgrp,
};

enum mode { M_START, M_WAVE, M_STOP, M_REMOVE, M_NOISE, M_EXPECT };

static struct {
        enum mode mode;
        const char *prefix, *cg_root, *cg_rel;
        unsigned from, to, procs, window, seconds;
} arg = { .prefix = "stress", .cg_rel = "/sysrec-stress", .procs = 5, .window = 32, .seconds = 10 };

static struct {
        sd_bus *bus;
        unsigned next, inflight, done;
        unsigned ok[4], failed[4]; /* start, stop, remove, noise */
        unsigned long procs;
} ctx;

static long sig_a(unsigned i)
{
        return 600 + (long)(i % 400);
}

static long sig_b(unsigned i)
{
        return 1000 + (long)(i / 400);
}

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rec_name(unsigned i, char *buf, size_t n)
{
        snprintf(buf, n, "%s-%u", arg.prefix, i);
}

/* Fork one process into the cgroup open at cgfd that issues the signature
 * syscalls of recording i and process j, and exits. */
static pid_t spawn(int cgfd, unsigned i, unsigned j)
{
        struct clone_args ca = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t)cgfd,
        };
        long pid = syscall(SYS_clone3, &ca, sizeof(ca));

        if (pid == 0) {
                /* Only raw syscalls here: this is exactly the workload's set. */
                syscall(sig_a(i), 0, 0, 0, 0, 0, 0);
                syscall(sig_b(i), 0, 0, 0, 0, 0, 0);
                syscall(named[(i + j) % 10], 0, 0, 0, 0, 0, 0);
                syscall(SYS_exit_group, 0);
        }
        return (pid_t)pid;
}

static int run_workload(unsigned i)
{
        char dir[4096], sub[4200];
        int fd, subfd = -1, r = 0;
        pid_t pids[64];
        unsigned n = 0;

        snprintf(dir, sizeof(dir), "%s%s/r%u", arg.cg_root, arg.cg_rel, i);
        snprintf(sub, sizeof(sub), "%s/sub", dir);
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "sysrec-stress: cannot open %s: %m\n", dir);
                return -errno;
        }
        if (arg.procs > 1) {
                if (mkdir(sub, 0755) < 0 && errno != EEXIST) {
                        fprintf(stderr, "sysrec-stress: cannot create %s: %m\n", sub);
                        r = -errno;
                } else
                        subfd = open(sub, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        for (unsigned j = 0; r == 0 && j < arg.procs && j < 64; j++) {
                int target = j == arg.procs - 1 && subfd >= 0 ? subfd : fd;
                pid_t p = spawn(target, i, j);

                if (p < 0) {
                        fprintf(stderr, "sysrec-stress: clone3 into %s: %m\n", dir);
                        r = -errno;
                        break;
                }
                pids[n++] = p;
        }
        for (unsigned k = 0; k < n; k++) {
                int status;

                while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
                        ;
                ctx.procs++;
        }
        if (subfd >= 0)
                close(subfd);
        close(fd);
        return r;
}

static int send_call(unsigned i, const char *member);

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        const sd_bus_error *e = sd_bus_message_get_error(m);
        uintptr_t u = (uintptr_t)userdata;
        unsigned i = (unsigned)(u >> 2), kind = (unsigned)(u & 3);
        static const char *const what[] = { "StartRecording", "StopRecording", "RemoveRecording" };
        char name[64];

        (void)ret_error;

        ctx.inflight--;
        rec_name(i, name, sizeof(name));
        if (e) {
                ctx.failed[kind]++;
                fprintf(stderr, "sysrec-stress: %s %s: %s: %s\n", what[kind], name, e->name,
                        e->message ?: "");
                ctx.done++;
                return 0;
        }
        ctx.ok[kind]++;
        if (kind == 0) {
                if (run_workload(i) < 0)
                        ctx.failed[0]++;
                if (arg.mode == M_WAVE && send_call(i, "StopRecording") >= 0)
                        return 0;
        }
        ctx.done++;
        return 0;
}

static int send_call(unsigned i, const char *member)
{
        unsigned kind = strcmp(member, "StartRecording") == 0 ? 0 : strcmp(member, "StopRecording") == 0 ? 1 : 2;
        void *ud = (void *)(((uintptr_t)i << 2) | kind);
        char name[64], cg[4096];
        int r;

        rec_name(i, name, sizeof(name));
        if (kind == 0) {
                snprintf(cg, sizeof(cg), "%s/r%u", arg.cg_rel, i);
                r = sd_bus_call_method_async(ctx.bus, NULL, DEST, PATH, IFACE, member, on_reply, ud,
                                             "sa{sv}a{sv}", name, 1, "cgroup", "s", cg, 0);
        } else
                r = sd_bus_call_method_async(ctx.bus, NULL, DEST, PATH, IFACE, member, on_reply, ud, "s",
                                             name);
        if (r < 0) {
                fprintf(stderr, "sysrec-stress: cannot send %s %s: %s\n", member, name, strerror(-r));
                ctx.failed[kind]++;
                return r;
        }
        ctx.inflight++;
        return 0;
}

static int run_calls(const char *member)
{
        unsigned total = arg.to - arg.from;
        int r;

        ctx.next = arg.from;
        while (ctx.done < total) {
                while (ctx.inflight < arg.window && ctx.next < arg.to) {
                        if (send_call(ctx.next++, member) < 0)
                                ctx.done++;
                }
                r = sd_bus_process(ctx.bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "sysrec-stress: bus: %s\n", strerror(-r));
                        return r;
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(ctx.bus, UINT64_MAX);
                if (r < 0 && r != -EINTR) {
                        fprintf(stderr, "sysrec-stress: bus wait: %s\n", strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* Errors a read of a recording that may be gone or not there yet can get. */
static int expected_noise_error(const sd_bus_error *e)
{
        return sd_bus_error_has_names(e, "org.sysrec1.Error.NoSuchRecording",
                                      "org.freedesktop.DBus.Error.UnknownObject",
                                      "org.freedesktop.DBus.Error.UnknownMethod",
                                      "org.freedesktop.DBus.Error.UnknownInterface",
                                      "org.freedesktop.DBus.Error.UnknownProperty");
}

static volatile sig_atomic_t stop_noise;

static void on_term(int sig)
{
        (void)sig;
        stop_noise = 1;
}

static int run_noise(void)
{
        struct sigaction sa = { .sa_handler = on_term }; /* no SA_RESTART: poll returns */
        double end = now() + arg.seconds;
        unsigned span = arg.to > arg.from ? arg.to - arg.from : 1;
        unsigned seed = (unsigned)getpid();

        sigaction(SIGTERM, &sa, NULL);
        while (!stop_noise && now() < end) {
                __attribute__((cleanup(sd_bus_error_free))) sd_bus_error e = SD_BUS_ERROR_NULL;
                __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *reply = NULL;
                unsigned i = arg.from + (unsigned)rand_r(&seed) % span, op = (unsigned)rand_r(&seed) % 3;
                char name[64], *path = NULL;
                int r;

                rec_name(i, name, sizeof(name));
                if (op == 0)
                        r = sd_bus_call_method(ctx.bus, DEST, PATH, IFACE, "ListRecordings", &e, &reply, "");
                else if (op == 1)
                        r = sd_bus_call_method(ctx.bus, DEST, PATH, IFACE, "GetProfile", &e, &reply, "ss",
                                               name, "oci");
                else {
                        r = sd_bus_path_encode("/org/sysrec1/recording", name, &path);
                        if (r >= 0)
                                r = sd_bus_get_property(ctx.bus, DEST, path, "org.sysrec1.Recording", "Syscalls",
                                                        &e, &reply, "a{sas}");
                        free(path);
                }
                if (stop_noise)
                        break;
                if (r >= 0 || expected_noise_error(&e))
                        ctx.ok[3]++;
                else {
                        ctx.failed[3]++;
                        fprintf(stderr, "sysrec-stress: noise call %u on %s: %s: %s\n", op, name,
                                e.name ?: strerror(-r), e.message ?: "");
                        if (!e.name)
                                return r; /* the connection is gone: the daemon died? */
                }
        }
        return 0;
}

static char *syscall_name(long nr)
{
        char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);

        if (!n && asprintf(&n, "@%ld", nr) < 0)
                return NULL;
        return n;
}

static void print_expected(void)
{
        for (unsigned i = arg.from; i < arg.to; i++) {
                char name[64];
                long nrs[3 + 10];
                unsigned n = 0;

                rec_name(i, name, sizeof(name));
                nrs[n++] = sig_a(i);
                nrs[n++] = sig_b(i);
                nrs[n++] = SYS_exit_group;
                for (unsigned j = 0; j < arg.procs && j < 10; j++)
                        nrs[n++] = named[(i + j) % 10];
                for (unsigned k = 0; k < n; k++) {
                        char *s = syscall_name(nrs[k]);
                        printf("%s\t%s\n", name, s ?: "?");
                        free(s);
                }
        }
}

static int parse_args(int argc, char **argv)
{
        static const struct option opts[] = {
                { "prefix", required_argument, NULL, 'p' },   { "from", required_argument, NULL, 'f' },
                { "to", required_argument, NULL, 't' },       { "cgroup-root", required_argument, NULL, 'c' },
                { "cgroup-rel", required_argument, NULL, 'r' }, { "procs", required_argument, NULL, 'n' },
                { "window", required_argument, NULL, 'w' },   { "seconds", required_argument, NULL, 's' },
                {},
        };
        static const char *const modes[] = { "start", "wave", "stop", "remove", "noise", "expect" };
        int c;

        if (argc < 2)
                return -EINVAL;
        for (arg.mode = 0; arg.mode <= M_EXPECT; arg.mode++)
                if (strcmp(argv[1], modes[arg.mode]) == 0)
                        break;
        if (arg.mode > M_EXPECT)
                return -EINVAL;
        optind = 2;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                switch (c) {
                case 'p': arg.prefix = optarg; break;
                case 'f': arg.from = (unsigned)atoi(optarg); break;
                case 't': arg.to = (unsigned)atoi(optarg); break;
                case 'c': arg.cg_root = optarg; break;
                case 'r': arg.cg_rel = optarg; break;
                case 'n': arg.procs = (unsigned)atoi(optarg); break;
                case 'w': arg.window = (unsigned)atoi(optarg); break;
                case 's': arg.seconds = (unsigned)atoi(optarg); break;
                default: return -EINVAL;
                }
        }
        if (arg.to < arg.from || arg.window == 0 || arg.procs > 10 ||
            ((arg.mode == M_START || arg.mode == M_WAVE) && !arg.cg_root))
                return -EINVAL;
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const members[] = { "StartRecording", "StartRecording", "StopRecording",
                                                "RemoveRecording" };
        double t0 = now();
        int r;

        if (parse_args(argc, argv) < 0) {
                fprintf(stderr, "usage: sysrec-stress start|wave|stop|remove|noise|expect --from A --to B "
                                "[--prefix P] [--cgroup-root DIR] [--cgroup-rel /REL] [--procs K] "
                                "[--window W] [--seconds S]\n");
                return 2;
        }
        if (arg.mode == M_EXPECT) {
                print_expected();
                return 0;
        }
        r = sd_bus_open_system(&ctx.bus);
        if (r < 0) {
                fprintf(stderr, "sysrec-stress: cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        if (arg.mode == M_NOISE)
                r = run_noise();
        else
                r = run_calls(members[arg.mode]);
        printf("sysrec-stress %s %s-[%u,%u): start %u/%u, stop %u/%u, remove %u/%u, reads %u/%u, "
               "processes %lu, %.2f s\n",
               argv[1], arg.prefix, arg.from, arg.to, ctx.ok[0], ctx.ok[0] + ctx.failed[0], ctx.ok[1],
               ctx.ok[1] + ctx.failed[1], ctx.ok[2], ctx.ok[2] + ctx.failed[2], ctx.ok[3],
               ctx.ok[3] + ctx.failed[3], ctx.procs, now() - t0);
        sd_bus_flush_close_unref(ctx.bus);
        return r < 0 || ctx.failed[0] || ctx.failed[1] || ctx.failed[2] || ctx.failed[3] ? 1 : 0;
}
