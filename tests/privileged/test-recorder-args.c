/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privileged tests for the risk-deciding arguments of clone, unshare, socket
 * and personality: they are recorded, and the profile built from them lets
 * the recorded workload do what it did. Fixture and helpers: recorder-test.h.
 */
#include <errno.h>
#include <glib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "profile.h"
#include "recorder-test.h"

/* ---- Workloads ---- */

/* A workload whose calls have risk-deciding arguments (see struct
 * sysrec_args), optionally with the persona query. Returns a bit per call
 * that failed. */
#define RISKY_QUERY_BIT (1u << 5)
#if defined(__aarch64__)
#define IS_AARCH64 true
#else
#define IS_AARCH64 false
#endif
static unsigned risky_workload(bool query)
{
        unsigned failed = 0;
        pid_t pid;
        int fd;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                failed |= 1u << 0;
        else
                close(fd);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0)
                failed |= 1u << 1;
        else
                close(fd);
        if (unshare(CLONE_NEWUTS) < 0)
                failed |= 1u << 2;
        pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWIPC | SIGCHLD), NULL, NULL, NULL, 0);
        if (pid == 0)
                _exit(0);
        if (pid < 0 || waitpid(pid, NULL, 0) != pid)
                failed |= 1u << 3;
        /* arm64 refuses PER_LINUX32 on a CPU without AArch32 (EINVAL, not a
         * profile's EPERM); the call and its argument are recorded all the same. */
        if (syscall(SYS_personality, (unsigned long)PER_LINUX32) < 0 && !(IS_AARCH64 && errno == EINVAL))
                failed |= 1u << 4;
        /* The usual way to read the persona without changing it. */
        if (query && syscall(SYS_personality, 0xffffffffUL) < 0)
                failed |= RISKY_QUERY_BIT;
        return failed;
}

static void do_risky_arguments(ChildCtx *ctx)
{
        if (risky_workload(ctx->arg != NULL) != 0)
                _exit(126);
}

static void do_personality_query(ChildCtx *ctx)
{
        (void)syscall(SYS_personality, 0xffffffffUL);
}

/* ---- Cases ---- */

/* The arguments that decide the risk of clone, unshare, socket and
 * personality are recorded along with the syscalls. */
static void test_args(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        ChildSpec spec = { .handshake = true, .work = do_risky_arguments };
        bool per_linux32 = false;
        SyscallSet s;

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, 0, NULL), ==, 1);
        run_child(f, work, &spec);
        collect(f, REC_A, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "socket");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "unshare");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "clone");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "personality");

        g_assert_cmphex(s.args.socket_families & (UINT64_C(1) << AF_INET), !=, 0);
        g_assert_cmphex(s.args.socket_families & (UINT64_C(1) << AF_NETLINK), !=, 0);
        g_assert_cmphex(s.args.socket_families & (UINT64_C(1) << AF_INET6), ==, 0);
        g_assert_cmpuint(s.args.socket_other, ==, 0);
        g_assert_cmphex(s.args.unshare_flags, ==, CLONE_NEWUTS);
        /* fork() is clone(SIGCHLD | CLONE_CHILD_*): no namespace flags. */
        g_assert_cmphex(s.args.clone_flags, ==, CLONE_NEWIPC);
        for (unsigned i = 0; i < SYSREC_PERSONALITY_MAX; i++)
                per_linux32 |= s.args.personality[i] == PER_LINUX32 + 1;
        g_assert_true(per_linux32);
        g_assert_cmpuint(s.args.personality_overflow, ==, 0);
}

/* personality(0xffffffff) is how programs read their persona; a profile with
 * personality argument rules must allow it, so it has to be recorded. */
static void test_args_personality_query(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        ChildSpec spec = { .handshake = true, .work = do_personality_query };
        bool seen = false;
        SyscallSet s;

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, 0, NULL), ==, 1);
        run_child(f, work, &spec);
        collect(f, REC_A, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "personality");
        for (unsigned i = 0; i < SYSREC_PERSONALITY_MAX; i++)
                seen |= s.args.personality[i] != 0 && s.args.personality[i] - 1 == 0xffffffffu;
        if (!seen && !s.args.personality_overflow)
                /* Known bug: values are stored +1 so that 0 means "empty", and
                 * 0xffffffff + 1 wraps to 0 (bpf/sysrec.bpf.c, record_args()). */
                known_bug(f, "personality(0xffffffff) is not recorded: its +1 encoding wraps to "
                             "the empty slot value 0");
}

/* The profile recorded from a workload, enforced, lets the same workload do
 * everything it did while it was recorded, argument rules included. */
static void test_profile_round_trip(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work");
        ChildSpec spec = { .handshake = true, .work = do_risky_arguments, .arg = "query" };
        _cleanup_free_ void *prog = NULL;
        size_t size = 0;
        struct sock_fprog fprog;
        unsigned failed;
        SyscallSet s;
        pid_t pid;
        int status;

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, 0, NULL), ==, 1);
        run_child(f, work, &spec);
        collect(f, REC_A, &s);
        g_assert_cmpint(profile_build_bpf(&s, &(ProfileOptions){ .arguments = true }, &prog, &size), ==, 0);
        g_assert_cmpuint(size % sizeof(struct sock_filter), ==, 0);
        fprog = (struct sock_fprog){ .len = (unsigned short)(size / sizeof(struct sock_filter)),
                                     .filter = prog };

        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) < 0)
                        _exit(255);
                _exit((int)risky_workload(true));
        }
        g_array_append_val(f->children, pid);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        forget_child(f, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), !=, 255);
        failed = (unsigned)WEXITSTATUS(status);
        if (failed == RISKY_QUERY_BIT) {
                /* The consequence of the bug of args/personality-query. */
                known_bug(f, "the recorded profile denies personality(0xffffffff), which the "
                             "workload called while it was recorded");
                return;
        }
        g_assert_cmphex(failed, ==, 0);
}

int main(int argc, char *argv[])
{
        recorder_test_init(&argc, &argv);

        recorder_test_add("/sysrec/recorder/args/risky", test_args);
        recorder_test_add("/sysrec/recorder/args/personality-query", test_args_personality_query);
        recorder_test_add("/sysrec/recorder/args/profile-round-trip", test_profile_round_trip);

        return g_test_run();
}
