/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-floor: loads the benchmark's empty sys_enter program (the floor),
 * attaches it (unless --detached) and then attaches or detaches it on each
 * "attach" / "detach" line of its standard input, so that the benchmark can
 * switch the floor on and off in a millisecond between two timed runs.
 * With --stats it also turns on the kernel's per-program run-time statistics
 * (BPF_ENABLE_STATS) for as long as it runs; --stats-only does only that.
 *
 * Prints "ready prog_id=N" once loaded, "ok" after each command. Stops on
 * SIGTERM or SIGINT, when its standard input reaches EOF, or when its parent
 * dies, so that a benchmark that crashes never leaves a program on the
 * tracepoint or the statistics on.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "empty.skel.h"
#include "macro.h"

static bool arg_load = true;
static bool arg_attach = true;
static bool arg_stats = false;

DEFINE_TRIVIAL_CLEANUP_FUNC(struct bench_empty *, bench_empty__destroy)

static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "stats", no_argument, NULL, 's' },
                { "detached", no_argument, NULL, 'd' },
                { "stats-only", no_argument, NULL, 'n' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        arg_stats = true;
                        break;
                case 'd':
                        arg_attach = false;
                        break;
                case 'n':
                        arg_stats = true;
                        arg_load = false;
                        break;
                default:
                        fprintf(stderr, "usage: %s [--stats] [--detached] [--stats-only]\n", argv[0]);
                        return -EINVAL;
                }
        return 0;
}

/* Attach or detach as told on stdin, one command a line; stop on SIGTERM,
 * SIGINT or EOF. Each command is acknowledged on stdout once done. */
static int serve(struct bench_empty *skel)
{
        _cleanup_close_ int sfd = -EBADF;
        _cleanup_fclose_ FILE *in = NULL;
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0)
                return negative_errno();
        in = fdopen(dup(STDIN_FILENO), "re");
        if (!in)
                return negative_errno();
        /* poll() sees only what stdio has not buffered yet: read unbuffered. */
        setvbuf(in, NULL, _IONBF, 0);

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = fileno(in), .events = POLLIN },
                };
                char line[64];
                int r = 0;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (p[0].revents)
                        return 0;
                if (!p[1].revents)
                        continue;
                if (!fgets(line, sizeof(line), in))
                        return 0;
                if (strcmp(line, "attach\n") == 0 && skel) {
                        if (!skel->links.floor_enter)
                                r = bench_empty__attach(skel);
                } else if (strcmp(line, "detach\n") == 0 && skel)
                        bench_empty__detach(skel);
                else
                        r = -EINVAL;
                if (r < 0)
                        printf("error %s\n", strerror(-r));
                else
                        printf("ok\n");
                fflush(stdout);
        }
}

int main(int argc, char *argv[])
{
        _cleanup_(bench_empty__destroyp) struct bench_empty *skel = NULL;
        _cleanup_close_ int stats_fd = -EBADF;
        struct bpf_prog_info info = {};
        __u32 len = sizeof(info);
        sigset_t mask;
        int r;

        if (parse_argv(argc, argv) < 0)
                return 2;

        /* Signals are taken through a signalfd; block them before the parent can send one. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);

        if (arg_stats) {
                stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
                if (stats_fd < 0) {
                        fprintf(stderr, "bench-floor: failed to enable BPF run-time stats: %s\n",
                                strerror(-stats_fd));
                        return 1;
                }
        }

        if (arg_load) {
                skel = bench_empty__open_and_load();
                if (!skel) {
                        fprintf(stderr, "bench-floor: failed to load the empty program: %m\n");
                        return 1;
                }
                r = bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.floor_enter), &info, &len);
                if (r < 0) {
                        fprintf(stderr, "bench-floor: failed to query the program: %s\n", strerror(-r));
                        return 1;
                }
        }
        if (arg_load && arg_attach) {
                r = bench_empty__attach(skel);
                if (r < 0) {
                        fprintf(stderr, "bench-floor: failed to attach to sys_enter: %s\n", strerror(-r));
                        return 1;
                }
        }

        printf("ready prog_id=%u\n", info.id);
        fflush(stdout);

        r = serve(skel);
        if (r < 0) {
                fprintf(stderr, "bench-floor: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
