/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-variants: loads variants.bpf.c (design variants of sysrec's hot
 * path), tracks one cgroup in each variant's maps, and attaches or detaches
 * programs by name as told on stdin ("attach NAME", "detach NAME",
 * "detach-all"; "ok" once done), so that the benchmark can time each one like
 * the floor and read each one's bpf_stats run time.
 *
 * Prints "prog NAME ID" per loaded program, then "ready". CGRP_STORAGE
 * variants are left out (and not listed) on kernels without that map type.
 * Stops on SIGTERM/SIGINT, EOF on stdin or the death of its parent.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "bench-util.h"

static int command(struct bench_variants *skel, char *line)
{
        struct bpf_program *prog;
        struct bpf_link **link;
        char *name;

        line[strcspn(line, "\n")] = 0;
        if (strcmp(line, "detach-all") == 0) {
                bench_variants__detach(skel);
                return 0;
        }
        name = strchr(line, ' ');
        if (!name)
                return -EINVAL;
        *name++ = 0;
        link = variants_link(skel, name, &prog);
        if (!link)
                return -ENOENT;
        if (strcmp(line, "attach") == 0) {
                if (!*link)
                        *link = bpf_program__attach(prog);
                return *link ? 0 : negative_errno();
        }
        if (strcmp(line, "detach") == 0) {
                bpf_link__destroy(*link);
                *link = NULL;
                return 0;
        }
        return -EINVAL;
}

static int serve(struct bench_variants *skel)
{
        _cleanup_close_ int sfd = -EBADF;
        sigset_t mask;
        char line[256];

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0)
                return negative_errno();

        for (;;) {
                struct pollfd p[2] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = STDIN_FILENO, .events = POLLIN },
                };
                int r;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (p[0].revents)
                        return 0;
                if (!p[1].revents)
                        continue;
                if (!fgets(line, sizeof(line), stdin))
                        return 0;
                r = command(skel, line);
                if (r < 0)
                        printf("error %s\n", strerror(-r));
                else
                        printf("ok\n");
                fflush(stdout);
        }
}

int main(int argc, char *argv[])
{
        _cleanup_(bench_variants__destroyp) struct bench_variants *skel = NULL;
        struct bpf_program *p;
        sigset_t mask;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: %s CGROUP-DIR\n", argv[0]);
                return 2;
        }
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
        /* stdin is read with stdio; commands must not wait in a buffer behind poll(). */
        setvbuf(stdin, NULL, _IONBF, 0);

        r = variants_open(argv[1], &skel);
        if (r < 0) {
                fprintf(stderr, "bench-variants: failed to load the variants tracking '%s': %s\n", argv[1],
                        strerror(-r));
                return 1;
        }
        bpf_object__for_each_program(p, skel->obj) {
                struct bpf_prog_info info = {};
                __u32 len = sizeof(info);

                if (bpf_program__fd(p) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) < 0)
                        continue;
                printf("prog %s %u\n", bpf_program__name(p), info.id);
        }
        printf("ready\n");
        fflush(stdout);

        r = serve(skel);
        if (r < 0) {
                fprintf(stderr, "bench-variants: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
