/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-pair: the per-syscall measurements of the benchmark, with every
 * configuration switched on and off from one process, so that they
 * alternate every few milliseconds and a noisy machine moves them alike.
 *
 * Each cycle visits the requested states, in an order that rotates from
 * cycle to cycle:
 *   none         nothing of ours on sys_enter
 *   floor        the empty program (empty.bpf.c) attached
 *   other, self  sysrecd records the --rec cgroup (StartRecording before,
 *                StopRecording and RemoveRecording after, with --record; a
 *                recording made by the caller otherwise); this process runs in
 *                the --free cgroup (other) or in the --rec cgroup (self)
 *   idle         right after that recording stopped: nothing may be attached
 *   proto-other, proto-self
 *                the design variant --proto (variants.bpf.c) attached, tracking
 *                the --rec cgroup
 * In each state it times a getppid loop and a file-heavy loop (7 syscalls an
 * iteration), each as --reps batches after a warm-up batch, and keeps the
 * fastest batch (thread CPU time: preemption, interrupts and another task's
 * cache footprint only ever add time). Before each state it checks that
 * exactly the expected number of its programs sits on sys_enter (sysrecd's
 * count as its own, --ours); a cycle during which any other program was
 * there (another sysrecd on the host) is thrown away and repeated once the
 * tracepoint is clear.
 *
 * Prints "m CYCLE STATE LOOP NS_PER_SYSCALL" per measurement, then
 * "done cycles=N discarded=N waited_s=S".
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "empty.skel.h"
#include "macro.h"

#define MAX_OURS 64
#define RECORDING "bench-pair"

typedef enum State {
        STATE_NONE,
        STATE_FLOOR,
        STATE_OTHER,
        STATE_SELF,
        STATE_IDLE,
        STATE_PROTO_OTHER,
        STATE_PROTO_SELF,
        _STATE_MAX,
} State;

static const char *const state_names[_STATE_MAX] = {
        "none", "floor", "other", "self", "idle", "proto-other", "proto-self",
};

typedef enum Block { BLOCK_NONE, BLOCK_FLOOR, BLOCK_SYSREC, BLOCK_PROTO, _BLOCK_MAX } Block;

static const char *arg_free, *arg_rec, *arg_record, *arg_proto, *arg_file = "/etc/passwd";
static unsigned arg_cycles = 100, arg_getppid = 5000, arg_filemix = 300, arg_reps = 3;
static double arg_foreign_wait = 600;
static unsigned arg_settle_ms;
static bool arg_state[_STATE_MAX];
static uint32_t arg_ours[MAX_OURS];
static size_t arg_n_ours;

DEFINE_TRIVIAL_CLEANUP_FUNC(struct bench_empty *, bench_empty__destroy)

typedef struct Pair {
        struct bench_empty *floor;
        struct bench_variants *variants;
        struct bpf_program *proto;
        struct bpf_link **proto_link;
        sd_bus *bus;
        int procs_fd[2]; /* cgroup.procs of --free, --rec */
        int where;       /* index into procs_fd, -1 before the first move */
        uint32_t ours[MAX_OURS + 16];
        size_t n_ours;
        bool dirty;      /* a foreign program was seen this cycle */
        char *out;       /* this cycle's lines, printed once it is known clean */
        size_t out_len;
        FILE *outf;
        unsigned discarded;
        double waited;
} Pair;

static uint64_t now_ns(clockid_t clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned loop_getppid(unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                syscall(SYS_getppid);
        return n;
}

/* Same iteration as bench-workload's filemix. */
static unsigned loop_filemix(unsigned n)
{
        char buf[4096];
        struct stat st;

        for (unsigned i = 0; i < n; i++) {
                long fd = syscall(SYS_openat, AT_FDCWD, arg_file, O_RDONLY | O_CLOEXEC);
                syscall(SYS_fstat, fd, &st);
                syscall(SYS_read, fd, buf, sizeof(buf));
                syscall(SYS_read, fd, buf, sizeof(buf));
                syscall(SYS_close, fd);
                syscall(SYS_newfstatat, AT_FDCWD, "/nonexistent/sysrec-bench", &st, 0);
                syscall(SYS_faccessat, AT_FDCWD, arg_file, R_OK);
        }
        return 7 * n;
}

/* The fastest of arg_reps batches after a warm-up, in ns per syscall. */
static double time_loop(unsigned (*loop)(unsigned n), unsigned n)
{
        double best = 1e300;

        (void)loop(n / 4 ? n / 4 : 1);
        for (unsigned r = 0; r < arg_reps; r++) {
                uint64_t t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
                unsigned calls = loop(n);
                double ns = (double)(now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / calls;

                if (ns < best)
                        best = ns;
        }
        return best;
}

static int move_to(Pair *p, int where)
{
        if (p->where == where)
                return 0;
        if (write(p->procs_fd[where], "0", 1) != 1)
                return negative_errno();
        p->where = where;
        return 0;
}

static int census(Pair *p, unsigned *ret_ours)
{
        unsigned foreign = 0;
        int r;

        r = sys_enter_census(p->ours, p->n_ours, ret_ours, &foreign);
        if (r < 0)
                return r;
        if (foreign)
                p->dirty = true;
        return 0;
}

static int measure(Pair *p, unsigned cycle, State s, int where, unsigned expect)
{
        unsigned ours;
        int r;

        r = move_to(p, where);
        if (r < 0)
                return r;
        r = census(p, &ours);
        if (r < 0)
                return r;
        if (ours != expect) {
                fprintf(stderr, "bench-pair: state %s: %u programs of ours on sys_enter, expected %u\n",
                        state_names[s], ours, expect);
                return -EBADE;
        }
        fprintf(p->outf, "m %u %s getppid %.3f\n", cycle, state_names[s], time_loop(loop_getppid, arg_getppid));
        fprintf(p->outf, "m %u %s filemix %.3f\n", cycle, state_names[s], time_loop(loop_filemix, arg_filemix));
        return 0;
}

static int call(Pair *p, const char *member)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (strcmp(member, "StartRecording") == 0)
                r = sd_bus_call_method(p->bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager", member,
                                       &error, NULL, "sa{sv}a{sv}", RECORDING, 1, "cgroup", "s", arg_record, 0);
        else
                r = sd_bus_call_method(p->bus, "org.sysrec1", "/org/sysrec1", "org.sysrec1.Manager", member,
                                       &error, NULL, "s", RECORDING);
        if (r < 0)
                fprintf(stderr, "bench-pair: %s: %s\n", member, error.message ?: strerror(-r));
        return r;
}

static int run_block(Pair *p, unsigned cycle, Block b)
{
        bool swap = cycle % 2;
        int r = 0;

        switch (b) {
        case BLOCK_NONE:
                return measure(p, cycle, STATE_NONE, 0, 0);
        case BLOCK_FLOOR:
                r = bench_empty__attach(p->floor);
                if (r >= 0)
                        r = measure(p, cycle, STATE_FLOOR, 0, 1);
                bench_empty__detach(p->floor);
                return r;
        case BLOCK_SYSREC:
                if (arg_record && (r = call(p, "StartRecording")) < 0)
                        return r;
                /* Let sysrecd finish what a large Start leaves behind (saving its
                 * state, signals) before the loop is timed on the other CPU. */
                if (arg_record && arg_settle_ms > 0)
                        (void)nanosleep(&(struct timespec){ .tv_sec = arg_settle_ms / 1000,
                                                            .tv_nsec = (long)(arg_settle_ms % 1000) * 1000000L },
                                        NULL);
                for (int i = 0; i < 2 && r >= 0; i++) {
                        State s = (i ^ swap) ? STATE_SELF : STATE_OTHER;
                        if (arg_state[s])
                                r = measure(p, cycle, s, s == STATE_SELF, 1);
                }
                if (arg_record) {
                        int k = call(p, "StopRecording");
                        if (k >= 0)
                                k = call(p, "RemoveRecording");
                        if (r >= 0)
                                r = k;
                }
                if (r >= 0 && arg_state[STATE_IDLE])
                        r = measure(p, cycle, STATE_IDLE, 0, 0);
                return r;
        case BLOCK_PROTO:
                *p->proto_link = bpf_program__attach(p->proto);
                if (!*p->proto_link)
                        return negative_errno();
                for (int i = 0; i < 2 && r >= 0; i++) {
                        State s = (i ^ swap) ? STATE_PROTO_SELF : STATE_PROTO_OTHER;
                        if (arg_state[s])
                                r = measure(p, cycle, s, s == STATE_PROTO_SELF, 1);
                }
                bpf_link__destroy(*p->proto_link);
                *p->proto_link = NULL;
                return r;
        default:
                return -EINVAL;
        }
}

/* Wait until no program but ours is on sys_enter, within the overall budget. */
static int wait_clear(Pair *p)
{
        for (;;) {
                unsigned ours;
                int r;

                p->dirty = false;
                r = census(p, &ours);
                if (r < 0)
                        return r;
                if (!p->dirty)
                        return 0;
                if (p->waited > arg_foreign_wait) {
                        fprintf(stderr, "bench-pair: programs not ours stayed on sys_enter for %.0f s in all\n",
                                p->waited);
                        return -EBUSY;
                }
                usleep(250 * 1000);
                p->waited += 0.25;
        }
}

static int run(Pair *p)
{
        Block blocks[_BLOCK_MAX];
        unsigned n = 0;
        int r;

        if (arg_state[STATE_NONE])
                blocks[n++] = BLOCK_NONE;
        if (arg_state[STATE_FLOOR])
                blocks[n++] = BLOCK_FLOOR;
        if (arg_state[STATE_OTHER] || arg_state[STATE_SELF] || arg_state[STATE_IDLE])
                blocks[n++] = BLOCK_SYSREC;
        if (arg_state[STATE_PROTO_OTHER] || arg_state[STATE_PROTO_SELF])
                blocks[n++] = BLOCK_PROTO;

        for (unsigned cycle = 0; cycle < arg_cycles;) {
                r = wait_clear(p);
                if (r < 0)
                        return r;
                p->outf = open_memstream(&p->out, &p->out_len);
                if (!p->outf)
                        return -ENOMEM;
                for (unsigned i = 0; i < n; i++) {
                        r = run_block(p, cycle, blocks[(i + cycle) % n]);
                        if (r < 0) {
                                fclose(p->outf);
                                free(p->out);
                                return r;
                        }
                }
                fclose(p->outf);
                /* Clean only if no foreign program was seen before any state or now. */
                {
                        unsigned ours;
                        r = census(p, &ours);
                        if (r < 0)
                                return r;
                }
                if (p->dirty)
                        p->discarded++;
                else {
                        fputs(p->out, stdout);
                        fflush(stdout);
                        cycle++;
                }
                free(p->out);
                p->out = NULL;
        }
        printf("done cycles=%u discarded=%u waited_s=%.1f\n", arg_cycles, p->discarded, p->waited);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { A_FREE = 0x100, A_REC, A_RECORD, A_PROTO, A_OURS, A_CYCLES, A_GETPPID, A_FILEMIX, A_REPS,
               A_FILE, A_WAIT, A_SETTLE };
        static const struct option options[] = {
                { "free", required_argument, NULL, A_FREE },
                { "rec", required_argument, NULL, A_REC },
                { "record", required_argument, NULL, A_RECORD },
                { "proto", required_argument, NULL, A_PROTO },
                { "ours", required_argument, NULL, A_OURS },
                { "cycles", required_argument, NULL, A_CYCLES },
                { "getppid", required_argument, NULL, A_GETPPID },
                { "filemix", required_argument, NULL, A_FILEMIX },
                { "reps", required_argument, NULL, A_REPS },
                { "file", required_argument, NULL, A_FILE },
                { "foreign-wait", required_argument, NULL, A_WAIT },
                { "settle-ms", required_argument, NULL, A_SETTLE },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case A_FREE:
                        arg_free = optarg;
                        break;
                case A_REC:
                        arg_rec = optarg;
                        break;
                case A_RECORD:
                        arg_record = optarg;
                        break;
                case A_PROTO:
                        arg_proto = optarg;
                        break;
                case A_OURS:
                        for (char *s = strtok(optarg, ","); s && arg_n_ours < MAX_OURS; s = strtok(NULL, ","))
                                arg_ours[arg_n_ours++] = (uint32_t)strtoul(s, NULL, 10);
                        break;
                case A_CYCLES:
                        arg_cycles = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case A_GETPPID:
                        arg_getppid = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case A_FILEMIX:
                        arg_filemix = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case A_REPS:
                        arg_reps = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case A_FILE:
                        arg_file = optarg;
                        break;
                case A_WAIT:
                        arg_foreign_wait = strtod(optarg, NULL);
                        break;
                case A_SETTLE:
                        arg_settle_ms = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                default:
                        return -EINVAL;
                }
        if (!arg_free || !arg_rec || optind >= argc || arg_reps == 0 || arg_getppid == 0 || arg_filemix == 0)
                return -EINVAL;
        for (int i = optind; i < argc; i++) {
                State s = _STATE_MAX;
                for (State k = 0; k < _STATE_MAX; k++)
                        if (strcmp(argv[i], state_names[k]) == 0)
                                s = k;
                if (s == _STATE_MAX) {
                        fprintf(stderr, "bench-pair: unknown state '%s'\n", argv[i]);
                        return -EINVAL;
                }
                arg_state[s] = true;
        }
        if (arg_state[STATE_IDLE] && !arg_record)
                return -EINVAL; /* idle follows a recording this process stops */
        if ((arg_state[STATE_PROTO_OTHER] || arg_state[STATE_PROTO_SELF]) && !arg_proto)
                return -EINVAL;
        return 0;
}

static int add_prog_id(Pair *p, struct bpf_program *prog)
{
        struct bpf_prog_info info = {};
        __u32 len = sizeof(info);

        if (bpf_program__fd(prog) < 0)
                return 0;
        if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) < 0)
                return negative_errno();
        p->ours[p->n_ours++] = info.id;
        return 0;
}

static int pair_setup(Pair *p)
{
        const char *dirs[2] = { arg_free, arg_rec };
        struct bpf_program *prog;
        int r;

        for (int i = 0; i < 2; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/cgroup.procs", dirs[i]) < 0)
                        return -ENOMEM;
                p->procs_fd[i] = open(path, O_WRONLY | O_CLOEXEC);
                if (p->procs_fd[i] < 0)
                        return negative_errno();
        }
        p->where = -1;

        p->floor = bench_empty__open_and_load();
        if (!p->floor)
                return negative_errno();
        r = variants_open(arg_rec, &p->variants);
        if (r < 0)
                return r;
        if (arg_proto) {
                p->proto_link = variants_link(p->variants, arg_proto, &p->proto);
                if (!p->proto_link)
                        return -ENOENT;
        }
        memcpy(p->ours, arg_ours, arg_n_ours * sizeof(uint32_t));
        p->n_ours = arg_n_ours;
        r = add_prog_id(p, p->floor->progs.floor_enter);
        bpf_object__for_each_program(prog, p->variants->obj)
                if (r >= 0 && p->n_ours < ELEMENTSOF(p->ours))
                        r = add_prog_id(p, prog);
        if (r < 0)
                return r;
        if (!arg_record)
                return 0;
        r = sd_bus_open_system(&p->bus);
        if (r < 0)
                return r;
        /* Finish authentication now: the bus drops a connection that has not
         * authenticated within its auth timeout, and the first cycle may wait
         * long for another sysrecd's programs to leave sys_enter. */
        return sd_bus_call_method(p->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, NULL);
}

static void pair_done(Pair *p)
{
        bench_empty__destroy(p->floor);
        if (p->variants)
                bench_variants__destroy(p->variants);
        sd_bus_flush_close_unref(p->bus);
        for (int i = 0; i < 2; i++)
                if (p->procs_fd[i] > 0)
                        close(p->procs_fd[i]);
}

int main(int argc, char *argv[])
{
        Pair p = {};
        int r;

        if (parse_argv(argc, argv) < 0) {
                fprintf(stderr,
                        "usage: %s --free=DIR --rec=DIR [--record=CGROUP] [--proto=NAME] [--ours=ID,...]\n"
                        "          [--cycles=N] [--getppid=N] [--filemix=N] [--reps=N] [--file=PATH]\n"
                        "          [--foreign-wait=S] STATE...\n", argv[0]);
                return 2;
        }
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);

        r = pair_setup(&p);
        if (r < 0)
                fprintf(stderr, "bench-pair: set-up failed: %s\n", strerror(-r));
        else
                r = run(&p);
        pair_done(&p);
        return r < 0 ? 1 : 0;
}
