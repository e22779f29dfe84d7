/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privileged tests for recorder.h: load the real BPF program, create cgroups
 * below the cgroup2 mount, run processes in them and check what ends up in
 * the recording. These are the promises users rely on: every syscall of the
 * workload is recorded (also of cgroups and processes that appear after the
 * recording started, and of 32-bit and x32 code, under the right names), and
 * nothing of anybody else is. Fixture and helpers: recorder-test.h.
 */
#include <inttypes.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"
#include "profile.h"
#include "recorder-test.h"
#include "sysrec-bpf.h"

#define N_SHORT_LIVED 500
#define N_CREATED 2000
#define N_OTHERS 1000
#define X32_SYSCALL_BIT 0x40000000L

/* Calls of the compat program (compat32.c) whose numbers name other calls
 * in the native ABI: recorded under the compat ABI's names, never the
 * native ones. native_too: the child makes the native call itself (its
 * handshake writes). */
static const struct {
        const char *compat, *native;
        int nr;
        bool native_too;
} compat_twins[] = {
#if defined(__x86_64__)
        { "getppid", "semget", 64, false },
#elif defined(__aarch64__)
        { "getppid", "write", 64, true },
        { "uname", "sched_setaffinity", 122, false },
#endif
};

#if defined(__x86_64__)
#define COMPAT_OCI_ARCH "\"SCMP_ARCH_X86\""
#elif defined(__aarch64__)
#define COMPAT_OCI_ARCH "\"SCMP_ARCH_ARM\""
#endif

/* ---- Workloads (run in children) ---- */

static char mincore_page[4096] __attribute__((aligned(4096)));

static void do_four(ChildCtx *ctx)
{
        unsigned char vec[1];

        (void)syscall(SYS_mincore, mincore_page, sizeof(mincore_page), vec);
        do_getcpu(ctx);
        do_ioprio_get(ctx);
        do_sysinfo(ctx);
}

/* The four, then (after the recording was released) one more call. */
static void do_four_then_times(ChildCtx *ctx)
{
        struct tms t;

        do_four(ctx);
        child_signal(ctx);
        child_wait(ctx);
        (void)syscall(SYS_times, &t);
}

#if defined(__x86_64__)
static void do_x32_getpid(ChildCtx *ctx)
{
        /* ENOSYS on kernels without CONFIG_X86_X32_ABI; sys_enter fires anyway. */
        (void)syscall(X32_SYSCALL_BIT | 39);
}
#endif

/* ---- Cases ---- */

/* The workload's syscalls are in the recording; the ring buffer reports them
 * live; after release the result is final and the recording is forgotten. */
static void test_records_syscalls(Fixture *f)
{
        static const char *const calls[] = { "mincore", "getcpu", "ioprio_get", "sysinfo" };
        g_autofree char *cg = cg_make(f, "work");
        uint64_t id = cg_id(f, cg);
        SyscallSet live, final = {}, after;
        struct pollfd pfd = { .fd = recorder_get_fd(f->recorder), .events = POLLIN };
        ChildSpec spec = { .handshake = true, .work = do_four_then_times };
        unsigned events_before;
        Child c;

        g_assert_false(attached(f));
        g_assert_cmpint(recorder_track(f->recorder, id, REC_A, 0, NULL), ==, 1);
        g_assert_true(attached(f));
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1);

        child_spawn(f, cg, &spec, &c);
        child_wait_ready(f, &c);
        child_go(&c);
        child_wait_ready(f, &c); /* the four calls are done */

        /* Live progress: the ring buffer's fd wakes up an event loop. */
        g_assert_cmpint(pfd.fd, >=, 0);
        g_assert_cmpint(poll(&pfd, 1, 10000), ==, 1);
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        collect(f, REC_A, &live);
        for (size_t i = 0; i < G_N_ELEMENTS(calls); i++) {
                const struct sysrec_event *e;

                assert_recorded(&live, SYSREC_ABI_NATIVE, calls[i]);
                e = find_syscall_event(f, id, SYSREC_ABI_NATIVE,
                                       (unsigned)nr_of(SYSREC_ABI_NATIVE, calls[i]));
                if (!e)
                        g_error("no ring-buffer event for %s", calls[i]);
                g_assert_cmpuint(e->recording, ==, REC_A);
                g_assert_cmpuint(e->pid, ==, (unsigned)c.pid);
        }
        /* Events report a bit's first flip only: one per syscall recorded. */
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_SYSCALL, id, REC_A), ==,
                         syscall_set_count(&live));

        g_assert_cmpint(recorder_release(f->recorder, REC_A, &final), ==, 0);
        g_assert_cmpmem(&final, sizeof(final), &live, sizeof(live));
        g_assert_false(attached(f));
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 0);

        /* The workload goes on; nothing of it lands anywhere any more. */
        events_before = f->events->len;
        child_go(&c);
        child_reap(f, &c);
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(f->events->len, ==, events_before);
        collect(f, REC_A, &after);
        g_assert_cmpuint(syscall_set_count(&after), ==, 0);
        assert_not_recorded(&final, SYSREC_ABI_NATIVE, "times");
}

/* A cgroup created below a tracked one after tracking started (a container
 * started in a pod) is recorded from its first syscall. */
static void test_descendants_new_cgroup(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work"), *late = NULL, *deeper = NULL;
        _cleanup_close_ int fd = cg_open(f, work);
        uint64_t id = cg_id(f, work), late_id;
        ChildSpec spec = { .first = do_getcpu };
        SyscallSet s;
        int getcpu_nr = nr_of(SYSREC_ABI_NATIVE, "getcpu");
        const struct sysrec_event *e;

        g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, SYSREC_CG_DESCENDANTS, NULL), ==, 1);
        late = cg_make(f, "work/late");
        late_id = cg_id(f, late);
        /* The kernel added it on mkdir, before anybody could enter it. */
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 2);

        run_child(f, late, &spec);
        collect(f, REC_A, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "exit_group");

        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_CGROUP, late_id, REC_A), ==, 1);
        for (guint i = 0; i < f->events->len; i++) {
                e = &g_array_index(f->events, struct sysrec_event, i);
                if (e->type == SYSREC_EVENT_CGROUP)
                        g_assert_cmpuint(e->parent, ==, id);
        }
        /* getcpu is the first syscall the child made in "late". */
        e = find_syscall_event(f, late_id, SYSREC_ABI_NATIVE, (unsigned)getcpu_nr);
        g_assert_nonnull(e);
        for (guint i = 0; i < f->events->len; i++) {
                const struct sysrec_event *first = &g_array_index(f->events, struct sysrec_event, i);

                if (first->type == SYSREC_EVENT_SYSCALL && first->cgroup == late_id) {
                        g_assert_cmpuint(first->nr, ==, (unsigned)getcpu_nr);
                        break;
                }
        }

        /* Grandchildren inherit the flag. */
        deeper = cg_make(f, "work/late/deeper");
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 3);
        g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
}

/* Without SYSREC_CG_DESCENDANTS only the cgroup itself is recorded. */
static void test_descendants_disabled(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work"), *late = NULL;
        _cleanup_close_ int fd = cg_open(f, work);
        ChildSpec in_work = { .first = do_ioprio_get }, in_late = { .first = do_getcpu };
        SyscallSet s;

        g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, 0, NULL), ==, 1);
        late = cg_make(f, "work/late");
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1);

        run_child(f, late, &in_late);
        run_child(f, work, &in_work); /* shows the recording does work */
        collect(f, REC_A, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "ioprio_get");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_CGROUP, 0, 0), ==, 0);
}

/* Syscall numbers no kernel of this architecture assigns: ENOSYS, but
 * sys_enter sees them. 424..511 are the common range new syscalls are added
 * in. x86-64: 335 and 336 are left out, uretprobe and uprobe (6.11+, x86-64
 * only) use them although libseccomp 2.5 does not know them. aarch64: the
 * arch-specific range 244..259 (arm64 has none) and 403..423, the 32-bit
 * architectures' time64 calls. */
static unsigned pick_unassigned(unsigned *nrs, unsigned n)
{
        static const struct {
                unsigned from, to;
#if defined(__aarch64__)
        } ranges[] = { { 244, 259 }, { 403, 423 }, { 512, SYSREC_NR_MAX - 1 } };
#else
        } ranges[] = { { 337, 423 }, { 512, SYSREC_NR_MAX - 1 } };
#endif
        unsigned k = 0;

        for (size_t r = 0; r < G_N_ELEMENTS(ranges); r++)
                for (unsigned nr = ranges[r].from; nr <= ranges[r].to && k < n; nr++) {
                        _cleanup_free_ char *name = abi_syscall_name(SYSREC_ABI_NATIVE, nr);

                        if (!name)
                                nrs[k++] = nr;
                }
        return k;
}

/* 500 short-lived processes, each in a cgroup created after the recording
 * started, each making one distinct syscall and exiting at once: none of
 * them is missed. */
static void test_short_lived(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        _cleanup_close_ int fd = cg_open(f, work);
        unsigned nrs[N_SHORT_LIVED];
        g_autofree char **procs = g_new0(char *, N_SHORT_LIVED + 1);
        pid_t parent = getpid();
        unsigned missing = 0;
        SyscallSet s;

        g_assert_cmpuint(pick_unassigned(nrs, N_SHORT_LIVED), ==, N_SHORT_LIVED);
        g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, SYSREC_CG_DESCENDANTS, NULL), ==, 1);

        for (unsigned i = 0; i < N_SHORT_LIVED; i++) {
                g_autofree char *rel = g_strdup_printf("work/c%u", i), *dir = cg_make(f, rel);

                procs[i] = g_build_filename(dir, "cgroup.procs", NULL);
        }
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, N_SHORT_LIVED + 1);

        /* All at once, so that they also race each other. */
        for (unsigned i = 0; i < N_SHORT_LIVED; i++) {
                pid_t pid = fork();

                g_assert_cmpint(pid, >=, 0);
                if (pid == 0) {
                        int pfd;

                        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                                _exit(120);
                        pfd = open(procs[i], O_WRONLY | O_CLOEXEC);
                        if (pfd < 0 || write(pfd, "0", 1) != 1)
                                _exit(121);
                        (void)syscall(nrs[i]);
                        _exit(0);
                }
                g_array_append_val(f->children, pid);
        }
        while (f->children->len > 0) {
                pid_t pid = g_array_index(f->children, pid_t, 0);
                int status;

                g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
                forget_child(f, pid);
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        for (unsigned i = 0; i < N_SHORT_LIVED; i++) {
                                g_autofree char *dir = g_path_get_dirname(procs[i]);
                                check_interference(f, dir);
                        }
                        g_error("child %i failed: wait status 0x%x", (int)pid, (unsigned)status);
                }
        }

        collect(f, REC_A, &s);
        for (unsigned i = 0; i < N_SHORT_LIVED; i++)
                if (!syscall_set_contains(&s, SYSREC_ABI_NATIVE, nrs[i])) {
                        g_test_message("syscall %u of process %u not recorded", nrs[i], i);
                        missing++;
                }
        g_assert_cmpuint(missing, ==, 0);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "exit_group");

        for (unsigned i = 0; i < N_SHORT_LIVED; i++)
                g_free(procs[i]);
}

/* A 32-bit program's syscalls are recorded under the compat ABI with its
 * names (i386, arm): its getppid (64) is not x86-64's semget (64) nor
 * aarch64's write (64), its uname (122) not aarch64's sched_setaffinity. */
static void test_compat32(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        ChildSpec spec = { .handshake = true, .work = do_exec_compat32 };
        _cleanup_strv_free_ char **compat_names = NULL;
        _cleanup_free_ char *oci = NULL;
        SyscallSet s;

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, 0, NULL), ==, 1);
        run_child(f, work, &spec);

        collect(f, REC_A, &s);
        g_assert_cmpint(syscall_set_names(&s, SYSREC_ABI_COMPAT, &compat_names), ==, 0);
        for (size_t i = 0; i < G_N_ELEMENTS(compat_twins); i++) {
                g_assert_cmpint(nr_of(SYSREC_ABI_COMPAT, compat_twins[i].compat), ==, compat_twins[i].nr);
                g_assert_cmpint(nr_of(SYSREC_ABI_NATIVE, compat_twins[i].native), ==, compat_twins[i].nr);
                assert_recorded(&s, SYSREC_ABI_COMPAT, compat_twins[i].compat);
                if (!compat_twins[i].native_too)
                        assert_not_recorded(&s, SYSREC_ABI_NATIVE, compat_twins[i].native);
                g_assert_true(g_strv_contains((const char *const *)compat_names, compat_twins[i].compat));
                g_assert_false(g_strv_contains((const char *const *)compat_names, compat_twins[i].native));
        }
        assert_recorded(&s, SYSREC_ABI_COMPAT, "uname");
        /* execve itself was issued by the 64-bit child. */
        assert_recorded(&s, SYSREC_ABI_NATIVE, "execve");

        /* And the profile lets runc load it for the compat ABI. */
        g_assert_cmpint(profile_format_oci(&s, &oci), ==, 0);
        g_assert_nonnull(strstr(oci, COMPAT_OCI_ARCH));
}

#if defined(__x86_64__)
/* An x32 syscall (__X32_SYSCALL_BIT | 39) is recorded as x32 getpid, not as
 * a native call and not dropped for its large number. */
static void test_x32(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        ChildSpec spec = { .handshake = true, .work = do_x32_getpid };
        _cleanup_strv_free_ char **x32_names = NULL;
        SyscallSet s;

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, 0, NULL), ==, 1);
        run_child(f, work, &spec);

        collect(f, REC_A, &s);
        g_assert_true(syscall_set_contains(&s, SYSREC_ABI_X32, 39));
        g_assert_cmpuint(syscall_set_count_abi(&s, SYSREC_ABI_X32), ==, 1);
        g_assert_cmpint(syscall_set_names(&s, SYSREC_ABI_X32, &x32_names), ==, 0);
        g_assert_cmpstrv(x32_names, ((const char *const[]){ "getpid", NULL }));
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getpid");
}
#endif

/* A process in a sibling cgroup is not recorded: the tracked cgroup's only
 * process does nothing but exit, and that is all the recording holds. */
static void test_outside_not_recorded(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work"), *sibling = cg_make(f, "sibling");
        _cleanup_close_ int fd = cg_open(f, work);
        ChildSpec busy = { .handshake = true, .work = do_four }, idle = {};
        uint64_t sibling_id = cg_id(f, sibling);
        _cleanup_strv_free_ char **names = NULL;
        Child a, b;
        SyscallSet s;

        g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, SYSREC_CG_DESCENDANTS, NULL), ==, 1);
        child_spawn(f, sibling, &busy, &a);
        child_spawn(f, work, &idle, &b);
        child_wait_ready(f, &a);
        child_go(&a);
        child_reap(f, &a);
        child_reap(f, &b);

        collect(f, REC_A, &s);
        g_assert_cmpint(syscall_set_names_union(&s, &names), ==, 0);
        g_assert_cmpstrv(names, ((const char *const[]){ "exit_group", NULL }));
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_SYSCALL, sibling_id, 0), ==, 0);
}

/* A cgroup belongs to one recording; programs are attached exactly while
 * something is tracked. */
static void test_busy_and_attach(Fixture *f)
{
        g_autofree char *a = cg_make(f, "a"), *b = cg_make(f, "b");
        _cleanup_close_ int a_fd = cg_open(f, a);
        uint64_t a_id = cg_id(f, a), b_id = cg_id(f, b);
        ChildSpec spec = { .first = do_getcpu };
        const char *forced = getenv("SYSREC_BPF_PROGRAMS");
        uint32_t owner;
        RecorderStats st;
        SyscallSet s;

        recorder_get_stats(f->recorder, &st);
        g_assert_false(st.attached);
        g_assert_cmpuint(st.tracked_cgroups, ==, 0);
        /* This kernel takes the best flavour unless a test forces one. */
        g_assert_cmpint(st.btf_programs, ==, g_strcmp0(forced, "raw_tp") != 0);
        /* tp_btf programs update bits atomically; raw_tp ones may lose a race. */
        g_assert_cmpint(recorder_needs_events(f->recorder), ==, g_strcmp0(forced, "raw_tp") == 0);

        g_assert_cmpint(recorder_track(f->recorder, a_id, 0, 0, NULL), ==, -EINVAL);
        g_assert_false(attached(f));

        g_assert_cmpint(recorder_track(f->recorder, a_id, REC_A, 0, NULL), ==, 1);
        g_assert_true(attached(f));
        owner = 0;
        g_assert_cmpint(recorder_track(f->recorder, a_id, REC_A, 0, &owner), ==, 0);

        owner = 0;
        g_assert_cmpint(recorder_track(f->recorder, a_id, REC_B, 0, &owner), ==, -EBUSY);
        g_assert_cmpuint(owner, ==, REC_A);
        owner = 0;
        g_assert_cmpint(recorder_track_tree(f->recorder, a_fd, REC_B, SYSREC_CG_DESCENDANTS, &owner),
                        ==, -EBUSY);
        g_assert_cmpuint(owner, ==, REC_A);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1);
        g_assert_cmpuint(recorder_count(f->recorder, REC_B), ==, 0);

        /* The failed take-over changed nothing: a's syscalls go to its owner. */
        run_child(f, a, &spec);
        collect(f, REC_A, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        collect(f, REC_B, &s);
        g_assert_cmpuint(syscall_set_count(&s), ==, 0);

        g_assert_cmpint(recorder_track(f->recorder, b_id, REC_B, 0, NULL), ==, 1);
        recorder_get_stats(f->recorder, &st);
        g_assert_cmpuint(st.tracked_cgroups, ==, 2);

        g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
        g_assert_true(attached(f)); /* b is still recorded */
        g_assert_cmpint(recorder_release(f->recorder, REC_B, NULL), ==, 0);
        recorder_get_stats(f->recorder, &st);
        g_assert_false(st.attached);
        g_assert_cmpuint(st.tracked_cgroups, ==, 0);

        /* Releasing what is not tracked is harmless; a is free for others now. */
        g_assert_cmpint(recorder_release(f->recorder, REC_B, NULL), ==, 0);
        g_assert_false(attached(f));
        g_assert_cmpint(recorder_track(f->recorder, a_id, REC_B, 0, NULL), ==, 1);
        g_assert_true(attached(f));
}

/* Tracking an existing tree takes every cgroup in it, except a subtree that
 * another recording owns, which stays with that recording. */
static void test_track_tree_existing(Fixture *f)
{
        g_autofree char *a = cg_make(f, "a"), *abc = NULL, *ad = NULL, *ad_new = NULL;
        g_autofree char *ab = cg_make(f, "a/b");
        _cleanup_close_ int a_fd = cg_open(f, a);
        ChildSpec getcpu = { .first = do_getcpu }, sysinfo = { .first = do_sysinfo };
        SyscallSet sa, sb;

        abc = cg_make(f, "a/b/c");
        ad = cg_make(f, "a/d");
        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, ad), REC_B, SYSREC_CG_DESCENDANTS, NULL), ==, 1);
        g_assert_cmpint(recorder_track_tree(f->recorder, a_fd, REC_A, SYSREC_CG_DESCENDANTS, NULL), ==, 3);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 3);
        g_assert_cmpuint(recorder_count(f->recorder, REC_B), ==, 1);

        /* New cgroups go to the recording of their parent. */
        ad_new = cg_make(f, "a/d/new");
        g_assert_cmpuint(recorder_count(f->recorder, REC_B), ==, 2);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 3);

        run_child(f, abc, &getcpu);
        run_child(f, ad_new, &sysinfo);
        collect(f, REC_A, &sa);
        collect(f, REC_B, &sb);
        assert_recorded(&sa, SYSREC_ABI_NATIVE, "getcpu");
        assert_not_recorded(&sa, SYSREC_ABI_NATIVE, "sysinfo");
        assert_recorded(&sb, SYSREC_ABI_NATIVE, "sysinfo");
        assert_not_recorded(&sb, SYSREC_ABI_NATIVE, "getcpu");
}

/* Cgroup names may start with a dot. A workload in ".hidden" below a tracked
 * tree is part of the workload all the same. */
static void test_track_tree_dot_named(Fixture *f)
{
        g_autofree char *a = cg_make(f, "a"), *hidden = cg_make(f, "a/.hidden");
        _cleanup_close_ int a_fd = cg_open(f, a);
        ChildSpec getcpu = { .first = do_getcpu };
        int n;
        SyscallSet s;

        n = recorder_track_tree(f->recorder, a_fd, REC_A, SYSREC_CG_DESCENDANTS, NULL);
        g_assert_cmpint(n, >=, 1);
        run_child(f, hidden, &getcpu);
        collect(f, REC_A, &s);
        if (n == 1 && !recorded(&s, SYSREC_ABI_NATIVE, "getcpu")) {
                /* Known bug: src/core/cgroup.c, walk() skips every directory entry
                 * whose name starts with '.', not just "." and "..". */
                known_bug(f, "recorder_track_tree()/cgroup_walk() skip existing cgroups whose name "
                             "starts with '.'");
                return;
        }
        g_assert_cmpint(n, ==, 2);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
}

/* Without SYSREC_CG_DESCENDANTS, tracking a tree takes its root only. */
static void test_track_tree_root_only(Fixture *f)
{
        g_autofree char *a = cg_make(f, "a"), *ab = cg_make(f, "a/b");
        _cleanup_close_ int a_fd = cg_open(f, a);
        ChildSpec getcpu = { .first = do_getcpu };
        SyscallSet s;

        g_assert_cmpint(recorder_track_tree(f->recorder, a_fd, REC_A, 0, NULL), ==, 1);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1);
        run_child(f, ab, &getcpu);
        collect(f, REC_A, &s);
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
}

/* A process that makes cgroups x0, x1, ... below dir: n of them (then it
 * exits 0), or with n 0, x0 to x7 made and removed again until killed. */
static pid_t spawn_churner(Fixture *f, const char *dir, unsigned n)
{
        pid_t pid = fork();

        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                char path[PATH_MAX];

                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                        _exit(120);
                for (unsigned i = 0; n == 0 || i < n; i++) {
                        snprintf(path, sizeof(path), "%s/x%u", dir, n == 0 ? i % 8 : i);
                        if (mkdir(path, 0755) < 0 && (n > 0 || errno != EEXIST))
                                _exit(121);
                        if (n == 0)
                                (void)rmdir(path);
                }
                _exit(0);
        }
        g_array_append_val(f->children, pid);
        return pid;
}

/* Releasing a recording while cgroups keep appearing below it (pods come and
 * go) leaves nothing behind: no entries of the released recording, and the
 * programs detached. Nothing is reported lost either. */
static void test_release_while_creating(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        _cleanup_close_ int fd = cg_open(f, work);
        pid_t churner;
        unsigned leaked_rounds = 0, leaked_entries = 0;
        RecorderStats st;

        churner = spawn_churner(f, work, 0);

        for (unsigned round = 0; round < 200; round++) {
                unsigned n;

                g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, SYSREC_CG_DESCENDANTS, NULL), >=, 0);
                sleep_ms(1);
                g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
                n = recorder_count(f->recorder, REC_A);
                if (n > 0) {
                        leaked_rounds++;
                        leaked_entries += n;
                        /* Clean up for the next round. */
                        g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
                }
        }
        (void)kill(churner, SIGKILL);
        (void)waitpid(churner, NULL, 0);
        forget_child(f, churner);

        if (leaked_rounds > 0)
                g_test_message("left entries: %u of 200 releases, %u entries", leaked_rounds, leaked_entries);
        g_assert_cmpuint(leaked_rounds, ==, 0);
        /* No cgroup made meanwhile went untracked for want of room. */
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_LOST, 0, 0), ==, 0);
        recorder_get_stats(f->recorder, &st);
        g_assert_false(st.attached);
}

/* User space and the kernel take record slots from one queue: tracking
 * cgroups while cgroups appear below a tracked one (containers starting
 * while other recordings start) loses none of them. */
static void test_track_while_creating(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        _cleanup_close_ int fd = cg_open(f, work);
        g_autofree uint64_t *others = g_new(uint64_t, N_OTHERS);
        unsigned tracked = 0;
        pid_t churner;
        int status;

        for (unsigned i = 0; i < N_OTHERS; i++) {
                g_autofree char *rel = g_strdup_printf("o%u", i);
                g_autofree char *path = cg_make(f, rel);

                others[i] = cg_id(f, path);
        }
        g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, SYSREC_CG_DESCENDANTS, NULL), ==, 1);

        churner = spawn_churner(f, work, N_CREATED);
        /* No release meanwhile: the free slots stay as the fresh map has them. */
        while (waitpid(churner, &status, WNOHANG) == 0 && tracked < N_OTHERS)
                g_assert_cmpint(recorder_track(f->recorder, others[tracked++], REC_B, 0, NULL), ==, 1);
        if (tracked == N_OTHERS)
                g_assert_cmpint(waitpid(churner, &status, 0), ==, churner);
        forget_child(f, churner);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        g_test_message("%u cgroups tracked while %u were made", tracked, N_CREATED);

        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_LOST, 0, 0), ==, 0);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1 + N_CREATED);
        g_assert_cmpuint(recorder_count(f->recorder, REC_B), ==, tracked);
}

/* Mounts that go with this case's process. */
static void private_mount_ns(void)
{
        g_assert_cmpint(unshare(CLONE_NEWNS), ==, 0);
        g_assert_cmpint(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), ==, 0);
}

/* Pins of our own, in a bpffs at /sys/fs/bpf of this case's own. */
static void private_bpffs(void)
{
        private_mount_ns();
        g_assert_cmpint(mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"), ==, 0);
}

/* A hash entry whose record does not hold its cgroup (left in a pinned map
 * by an older program, which could add one while user space released the
 * cgroup's record) neither keeps the programs attached once nothing is
 * tracked nor survives the release. It is made here by hand. */
static void test_release_stale_entry(Fixture *f)
{
        g_autofree char *x = cg_make(f, "x");
        g_autofree char *map = NULL;
        _cleanup_recorder_ Recorder *r = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t stale = UINT64_MAX - 1;
        uint32_t slot = 0, got;
        RecorderStats st;

        private_bpffs();
        g_assert_cmpint(recorder_new_pinned(64, "/sys/fs/bpf", NULL, NULL, &r), ==, 0);
        g_assert_cmpint(recorder_track(r, cg_id(f, x), REC_A, 0, NULL), ==, 1);
        map = g_strdup_printf("/sys/fs/bpf/v%d/cgroups", SYSREC_MAP_LAYOUT);
        fd = bpf_obj_get(map);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(bpf_map_update_elem(fd, &stale, &slot, BPF_NOEXIST), ==, 0);

        g_assert_cmpint(recorder_release(r, REC_A, NULL), ==, 0);
        recorder_get_stats(r, &st);
        g_assert_false(st.attached);
        g_assert_cmpint(bpf_map_lookup_elem(fd, &stale, &got), <, 0);
        g_assert_cmpint(errno, ==, ENOENT);
}

/* Pop every slot of the free queue, check that none is there twice, and
 * push them back. */
static unsigned free_slots_check(int fd)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
        g_autoptr(GArray) slots = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        uint32_t slot;

        while (bpf_map_lookup_and_delete_elem(fd, NULL, &slot) == 0) {
                g_assert_false(g_hash_table_contains(seen, GUINT_TO_POINTER(slot + 1)));
                g_hash_table_add(seen, GUINT_TO_POINTER(slot + 1));
                g_array_append_val(slots, slot);
        }
        g_assert_cmpint(errno, ==, ENOENT);
        for (unsigned i = 0; i < slots->len; i++)
                g_assert_cmpint(bpf_map_update_elem(fd, NULL, &g_array_index(slots, uint32_t, i), 0), ==, 0);
        return slots->len;
}

/* A new cgroup whose id user space tracked already (an id given from
 * outside: a walk of the tree never sees a cgroup before its cgroup_mkdir
 * program has run) is tracked once: the program's insert finds the entry,
 * gives its slot back once, and reports nothing lost. The collision is made
 * by tracking the id the next cgroup will get: kernfs numbers its nodes in
 * sequence, so after siblings p and q the next directory is q + (q - p),
 * unless another cgroup came in between. */
static void test_mkdir_tracked_already(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        _cleanup_close_ int wfd = cg_open(f, work);
        _cleanup_recorder_ Recorder *r = NULL;
        _cleanup_close_ int qfd = -EBADF;
        g_autofree char *queue = NULL, *hit = NULL;
        ChildSpec getcpu = { .first = do_getcpu };
        unsigned n_free, n_before, attempt;
        uint32_t head_before, head_after;
        SyscallSet s = {};

        private_bpffs();
        g_assert_cmpint(recorder_new_pinned(256, "/sys/fs/bpf", fixture_on_event, f, &r), ==, 0);
        queue = g_strdup_printf("/sys/fs/bpf/v%d/free_slots", SYSREC_MAP_LAYOUT);
        qfd = bpf_obj_get(queue);
        g_assert_cmpint(qfd, >=, 0);
        n_free = free_slots_check(qfd);
        g_assert_cmpuint(n_free, ==, 256);
        g_assert_cmpint(recorder_track_tree(r, wfd, REC_A, SYSREC_CG_DESCENDANTS, NULL), ==, 1);

        for (attempt = 0; attempt < 50 && !hit; attempt++) {
                g_autofree char *p_rel = g_strdup_printf("p%u", attempt), *q_rel = g_strdup_printf("q%u", attempt);
                g_autofree char *p = cg_make(f, p_rel), *q = cg_make(f, q_rel);
                g_autofree char *x_rel = g_strdup_printf("work/x%u", attempt), *x = NULL;
                uint64_t next = 2 * cg_id(f, q) - cg_id(f, p);

                /* 0: a missed guess tracked this id already. */
                g_assert_cmpint(recorder_track(r, next, REC_A, 0, NULL), >=, 0);
                n_before = free_slots_check(qfd);
                g_assert_cmpint(bpf_map_lookup_elem(qfd, NULL, &head_before), ==, 0);
                x = cg_make(f, x_rel);
                if (cg_id(f, x) == next) {
                        hit = g_steal_pointer(&x);
                        /* The program took the queue's head and gave it back
                         * (to the tail: FIFO), so the head moved and the queue
                         * is as long as before; a program that did not run
                         * leaves the head, a successful insert keeps the slot. */
                        g_assert_cmpint(bpf_map_lookup_elem(qfd, NULL, &head_after), ==, 0);
                        g_assert_cmpuint(head_after, !=, head_before);
                        g_assert_cmpuint(free_slots_check(qfd), ==, n_before);
                } else /* shown if the case fails */
                        g_printerr("attempt %u: p %" PRIx64 " q %" PRIx64 " next %" PRIx64 " x %" PRIx64 "\n", attempt,
                                   cg_id(f, p), cg_id(f, q), next, cg_id(f, x));
        }
        g_test_message("the inserts collided in attempt %u", attempt);
        g_assert_nonnull(hit);

        /* The entry user space made is the cgroup's record. */
        run_child(f, hit, &getcpu);
        g_assert_cmpint(recorder_collect(r, REC_A, &s), ==, 0);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        g_assert_cmpint(recorder_process(r), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_LOST, 0, 0), ==, 0);

        g_assert_cmpint(recorder_release(r, REC_A, NULL), ==, 0);
        g_assert_false(recorder_is_attached(r));
        g_assert_cmpuint(free_slots_check(qfd), ==, n_free);
}

static void v1_write_pid(const char *dir, pid_t pid)
{
        g_autofree char *procs = g_build_filename(dir, "cgroup.procs", NULL);
        g_autofree char *text = g_strdup_printf("%d\n", (int)pid);

        g_assert_true(write_string(procs, text));
}

/* A cgroup v1 hierarchy numbers its nodes on its own, so on a hybrid layout
 * its ids meet cgroup2's. Its mkdirs and moves are not cgroup2's: a v1
 * directory whose id is that of a tracked cgroup (with descendants) gets no
 * record for a new child, and a process moved into it is not counted. */
static void test_cgroup_v1_ignored(Fixture *f)
{
        g_autofree char *mnt = g_dir_make_tmp("sysrec-v1-XXXXXX", NULL);
        g_autofree char *opts = g_strdup_printf("none,name=sysrec-test-%d", (int)getpid());
        g_autofree char *dir = NULL, *child = NULL;
        uint64_t dir_id, child_id = 0;
        unsigned n_cgroup, n_process;
        struct stat st;
        int r;

        g_assert_nonnull(mnt);
        private_mount_ns();
        g_assert_cmpint(mount("cgroup", mnt, "cgroup", 0, opts), ==, 0);
        dir = g_build_filename(mnt, "tracked", NULL);
        child = g_build_filename(dir, "child", NULL);
        g_assert_cmpint(mkdir(dir, 0755), ==, 0);
        g_assert_cmpint(stat(dir, &st), ==, 0);
        dir_id = (uint64_t)st.st_ino; /* the kernfs id, as for cgroup2 */

        /* As a D-Bus caller may: an id, not a directory of cgroup2. */
        r = recorder_track(f->recorder, dir_id, REC_A, SYSREC_CG_DESCENDANTS, NULL);
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        n_cgroup = count_events(f, SYSREC_EVENT_CGROUP, 0, 0);
        n_process = count_events(f, SYSREC_EVENT_PROCESS, 0, 0);
        if (r == 1) {
                g_assert_cmpint(mkdir(child, 0755), ==, 0);
                g_assert_cmpint(stat(child, &st), ==, 0);
                child_id = (uint64_t)st.st_ino;
                v1_write_pid(dir, getpid());
                v1_write_pid(mnt, getpid());
                /* Removed before the checks: a v1 hierarchy with a child
                 * would outlive its mount. */
                g_assert_cmpint(rmdir(child), ==, 0);
        }
        g_assert_cmpint(rmdir(dir), ==, 0);
        g_assert_cmpint(umount2(mnt, MNT_DETACH), ==, 0);
        g_assert_cmpint(rmdir(mnt), ==, 0);
        g_assert_cmpint(r, ==, 1);

        g_test_message("v1 directory %" PRIx64 ", child %" PRIx64, dir_id, child_id);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1);
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_CGROUP, 0, 0), ==, n_cgroup);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_LOST, 0, 0), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_PROCESS, 0, 0), ==, n_process);
        g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
}

/* The kernel maps are sized by max_cgroups; beyond it tracking fails
 * cleanly, and a released recording's slots serve the next one. */
static void test_map_full(Fixture *f)
{
        _cleanup_recorder_ Recorder *small = NULL;
        g_autofree char *a = cg_make(f, "a"), *b = cg_make(f, "b"), *c = cg_make(f, "c");
        ChildSpec getcpu = { .first = do_getcpu }, sysinfo = { .first = do_sysinfo };
        uint32_t owner = 0;
        SyscallSet s = {};

        g_assert_cmpint(recorder_new(2, NULL, NULL, &small), ==, 0);
        g_assert_cmpint(recorder_track(small, cg_id(f, a), REC_A, 0, NULL), ==, 1);
        g_assert_cmpint(recorder_track(small, cg_id(f, b), REC_A, 0, NULL), ==, 1);
        g_assert_cmpint(recorder_track(small, cg_id(f, c), REC_B, 0, &owner), ==, -ENOSPC);
        g_assert_cmpuint(recorder_count(small, REC_A), ==, 2);
        g_assert_cmpuint(recorder_count(small, REC_B), ==, 0);

        /* a's slot (the one a's way in the ways table names) is used, then
         * handed to c: what runs in a now must not land in c's recording. */
        run_child(f, a, &getcpu);
        g_assert_cmpint(recorder_release(small, REC_A, &s), ==, 0);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        g_assert_cmpint(recorder_track(small, cg_id(f, c), REC_B, 0, NULL), ==, 1);
        g_assert_cmpint(recorder_track(small, cg_id(f, b), REC_B, 0, NULL), ==, 1);
        run_child(f, a, &getcpu);
        run_child(f, c, &sysinfo);
        s = (SyscallSet){};
        g_assert_cmpint(recorder_collect(small, REC_B, &s), ==, 0);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        g_assert_cmpuint(recorder_count(small, REC_B), ==, 2);
}

/* A cgroup tracked again by another recording after a release (its slot,
 * named by its way in the ways table, changed meanwhile) records into the
 * new one only. */
static void test_retrack(Fixture *f)
{
        g_autofree char *a = cg_make(f, "a");
        uint64_t id = cg_id(f, a);
        ChildSpec getcpu = { .first = do_getcpu }, sysinfo = { .first = do_sysinfo },
                  ioprio = { .first = do_ioprio_get };
        SyscallSet s;

        g_assert_cmpint(recorder_track(f->recorder, id, REC_A, 0, NULL), ==, 1);
        run_child(f, a, &getcpu);
        g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
        run_child(f, a, &ioprio); /* not recorded by anyone */

        g_assert_cmpint(recorder_track(f->recorder, id, REC_B, 0, NULL), ==, 1);
        run_child(f, a, &sysinfo);
        collect(f, REC_B, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "ioprio_get");
        collect(f, REC_A, &s);
        g_assert_cmpuint(syscall_set_count(&s), ==, 0);
}

static void do_getcpu_sysinfo_twice(ChildCtx *ctx)
{
        for (unsigned i = 0; i < 2; i++) {
                do_getcpu(ctx);
                do_sysinfo(ctx);
        }
}

/* More tracked cgroups than the ways table has ways (2 buckets of 4, made
 * tiny for the test): those without a way go through the hash map, every
 * cgroup records into its own recording only, and after a release the ways
 * of the released cgroups (stale: their records are gone) are taken over,
 * without a cgroup tracked again inheriting what its old record had. */
#define N_WAYS_CG 12
static void test_ways_overflow(Fixture *f)
{
        _cleanup_recorder_ Recorder *tiny = NULL;
        ChildSpec getcpu = { .first = do_getcpu_sysinfo_twice }, ioprio = { .first = do_ioprio_get };
        char *cg[N_WAYS_CG];
        SyscallSet s;

        g_assert_cmpint(setenv("SYSREC_BPF_WAYS_BITS", "1", 1), ==, 0);
        g_assert_cmpint(recorder_new(64, NULL, NULL, &tiny), ==, 0);
        g_assert_cmpint(unsetenv("SYSREC_BPF_WAYS_BITS"), ==, 0);

        for (unsigned i = 0; i < N_WAYS_CG; i++) {
                g_autofree char *name = g_strdup_printf("w%u", i);

                cg[i] = cg_make(f, name);
                g_assert_cmpint(recorder_track(tiny, cg_id(f, cg[i]), 100 + i, 0, NULL), ==, 1);
        }
        /* Twice each, so that both the first calls and the ones seen before run. */
        for (unsigned round = 0; round < 2; round++)
                for (unsigned i = 0; i < N_WAYS_CG; i++)
                        run_child(f, cg[i], &getcpu);
        for (unsigned i = 0; i < N_WAYS_CG; i++) {
                s = (SyscallSet){};
                g_assert_cmpint(recorder_collect(tiny, 100 + i, &s), ==, 0);
                assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
                assert_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
                assert_not_recorded(&s, SYSREC_ABI_NATIVE, "ioprio_get");
                g_assert_cmpuint(recorder_count(tiny, 100 + i), ==, 1);
        }

        /* Release the even ones and track them again under new recordings:
         * only what they do from now on is in those. */
        for (unsigned i = 0; i < N_WAYS_CG; i += 2) {
                g_assert_cmpint(recorder_release(tiny, 100 + i, NULL), ==, 0);
                g_assert_cmpint(recorder_track(tiny, cg_id(f, cg[i]), 200 + i, 0, NULL), ==, 1);
        }
        for (unsigned round = 0; round < 2; round++)
                for (unsigned i = 0; i < N_WAYS_CG; i++)
                        run_child(f, cg[i], i % 2 ? &getcpu : &ioprio);
        for (unsigned i = 0; i < N_WAYS_CG; i++) {
                s = (SyscallSet){};
                g_assert_cmpint(recorder_collect(tiny, (i % 2 ? 100 : 200) + i, &s), ==, 0);
                if (i % 2) {
                        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
                        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "ioprio_get");
                } else {
                        assert_recorded(&s, SYSREC_ABI_NATIVE, "ioprio_get");
                        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
                        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
                }
        }
        for (unsigned i = 0; i < N_WAYS_CG; i++)
                free(cg[i]);
}

/* The same cgroup recorded again after a release makes the same syscalls:
 * the new recording has them, although its way in the ways table led to a
 * record that had them (whose slot may even be the same). */
static void test_retrack_same_calls(Fixture *f)
{
        g_autofree char *x = cg_make(f, "x");
        uint64_t id = cg_id(f, x);
        ChildSpec twice = { .first = do_getcpu_sysinfo_twice };
        SyscallSet s;

        for (uint32_t rec = REC_A; rec <= REC_B + 1; rec++) {
                g_assert_cmpint(recorder_track(f->recorder, id, rec, 0, NULL), ==, 1);
                run_child(f, x, &twice);
                collect(f, rec, &s);
                assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
                assert_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
                g_assert_cmpint(recorder_release(f->recorder, rec, &s), ==, 0);
                assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
                assert_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
        }
}

int main(int argc, char *argv[])
{
        recorder_test_init(&argc, &argv);

        recorder_test_add("/sysrec/recorder/records-syscalls", test_records_syscalls);
        recorder_test_add("/sysrec/recorder/short-lived", test_short_lived);
        recorder_test_add_compat32("/sysrec/recorder/compat32", test_compat32);
#if defined(__x86_64__)
        recorder_test_add("/sysrec/recorder/x32", test_x32);
#endif
        recorder_test_add("/sysrec/recorder/outside-not-recorded", test_outside_not_recorded);
        recorder_test_add("/sysrec/recorder/busy-and-attach", test_busy_and_attach);
        recorder_test_add("/sysrec/recorder/release-while-creating", test_release_while_creating);
        recorder_test_add("/sysrec/recorder/release-stale-entry", test_release_stale_entry);
        recorder_test_add("/sysrec/recorder/mkdir-tracked-already", test_mkdir_tracked_already);
        recorder_test_add("/sysrec/recorder/cgroup-v1-ignored", test_cgroup_v1_ignored);
        recorder_test_add("/sysrec/recorder/map-full", test_map_full);
        recorder_test_add("/sysrec/recorder/retrack", test_retrack);
        recorder_test_add("/sysrec/recorder/retrack-same-calls", test_retrack_same_calls);
        recorder_test_add("/sysrec/recorder/ways-overflow", test_ways_overflow);
        recorder_test_add("/sysrec/recorder/track-while-creating", test_track_while_creating);
        recorder_test_add("/sysrec/recorder/descendants/new-cgroup", test_descendants_new_cgroup);
        recorder_test_add("/sysrec/recorder/descendants/disabled", test_descendants_disabled);
        recorder_test_add("/sysrec/recorder/track-tree/existing", test_track_tree_existing);
        recorder_test_add("/sysrec/recorder/track-tree/root-only", test_track_tree_root_only);
        recorder_test_add("/sysrec/recorder/track-tree/dot-named", test_track_tree_dot_named);

        return g_test_run();
}
