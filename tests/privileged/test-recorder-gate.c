/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privileged tests for where a recording starts: cgroups armed before they
 * exist (a unit that has not started yet) and the skip-runtime-setup gate,
 * which leaves the container runtime's own set-up out of the profile.
 * Fixture and helpers: recorder-test.h.
 */
#include <glib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "recorder-test.h"

/* argv[1] that makes this binary act as a workload that installs a seccomp
 * filter (as a container runtime does before it execs the workload). */
#define HELPER_SECCOMP "--helper-install-seccomp-filter"
/* ... and one that enters another root and executes a workload there, as a
 * runtime that executes itself or a wrapper in the cgroup first does. */
#define HELPER_ROOT "--helper-enter-root"

/* ---- Workloads ---- */

/* An allow-all filter: as root no PR_SET_NO_NEW_PRIVS is needed. */
static int install_allow_all_filter(void)
{
        struct sock_filter insn[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
        struct sock_fprog prog = { .len = 1, .filter = insn };

        return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void do_filter_then_sysinfo(ChildCtx *ctx)
{
        if (install_allow_all_filter() < 0)
                _exit(125);
        do_sysinfo(ctx);
}

/* A runtime whose filtered child runs next to an unfiltered process of the
 * same cgroup (runc's other threads, crun's parent on some hosts). */
static void do_fork_filter_then_parent_uname(ChildCtx *ctx)
{
        struct utsname u;
        pid_t pid = fork();

        if (pid < 0)
                _exit(126);
        if (pid == 0) {
                do_filter_then_sysinfo(ctx);
                _exit(0);
        }
        if (waitpid(pid, NULL, 0) != pid)
                _exit(127);
        (void)syscall(SYS_uname, &u);
}

static void exec_helper(const char *mode)
{
        char *const argv[] = { (char *)"test-recorder", (char *)mode, NULL };
        char *const envp[] = { NULL };

        execve("/proc/self/exe", argv, envp);
        _exit(124);
}

static void do_exec_filter_helper(ChildCtx *ctx)
{
        exec_helper(HELPER_SECCOMP);
}

static void do_exec_root_helper(ChildCtx *ctx)
{
        exec_helper(HELPER_ROOT);
}

/* ---- Cases ---- */

/* A cgroup armed by parent and name (a unit that has not started yet) is
 * tracked the moment it is created, and again each time it is re-created,
 * until the recording is released. */
static void test_arm(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work"), *svc = NULL, *other = NULL;
        uint64_t work_id = cg_id(f, work), svc_id;
        ChildSpec spec = { .first = do_getcpu };
        SyscallSet s;

        g_assert_cmpint(recorder_arm(f->recorder, work_id, "svc.service", 0, 0), ==, -EINVAL);
        g_assert_cmpint(recorder_arm(f->recorder, work_id, "", REC_A, 0), ==, -EINVAL);
        g_assert_cmpint(recorder_arm(f->recorder, work_id, "a/b", REC_A, 0), ==, -EINVAL);
        g_assert_false(attached(f));

        g_assert_cmpint(recorder_arm(f->recorder, work_id, "svc.service", REC_A, SYSREC_CG_DESCENDANTS), ==, 0);
        g_assert_true(attached(f));
        g_assert_cmpint(recorder_arm(f->recorder, work_id, "svc.service", REC_A, SYSREC_CG_DESCENDANTS), ==, 0);
        g_assert_cmpint(recorder_arm(f->recorder, work_id, "svc.service", REC_B, 0), ==, -EBUSY);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 0);

        other = cg_make(f, "work/other.service");
        svc = cg_make(f, "work/svc.service");
        svc_id = cg_id(f, svc);
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 1);
        run_child(f, svc, &spec);
        collect(f, REC_A, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_CGROUP, svc_id, REC_A), ==, 1);

        /* The unit restarts: a new cgroup of the same name. */
        g_assert_cmpint(rmdir(svc), ==, 0);
        g_free(cg_make(f, "work/svc.service"));
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 2);

        g_assert_cmpint(recorder_release(f->recorder, REC_A, NULL), ==, 0);
        g_assert_false(attached(f));
        g_assert_cmpint(rmdir(svc), ==, 0);
        g_free(cg_make(f, "work/svc.service"));
        g_assert_cmpuint(recorder_count(f->recorder, REC_A), ==, 0);
        /* Released: the name is free for another recording. */
        g_assert_cmpint(recorder_arm(f->recorder, work_id, "svc.service", REC_B, 0), ==, 0);
}

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Native calls: each of recorded is in s, none of dropped is. */
static void assert_native(const SyscallSet *s, const char *const *recorded, const char *const *dropped)
{
        for (const char *const *n = recorded; *n; n++)
                assert_recorded(s, SYSREC_ABI_NATIVE, *n);
        for (const char *const *n = dropped; *n; n++)
                assert_not_recorded(s, SYSREC_ABI_NATIVE, *n);
}

/* Track cgroup "work" gated (skip-runtime-setup) as REC_A, run spec's child
 * in it and collect what was recorded. */
static void record_gated_child(Fixture *f, const ChildSpec *spec, SyscallSet *ret)
{
        g_autofree char *work = cg_make(f, "work");

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, SYSREC_CG_GATED, NULL), ==, 1);
        run_child(f, work, spec);
        collect(f, REC_A, ret);
}

/* skip-runtime-setup without a seccomp filter: what a cgroup does before its
 * first execve (the runtime's set-up) is not recorded; from the execve on,
 * everything is (here a 32-bit program). */
static void test_gated_exec(Fixture *f)
{
        ChildSpec spec = { .first = do_getcpu, .handshake = true, .work = do_exec_native };
        SyscallSet s;

        record_gated_child(f, &spec, &s);
        /* (The handshake's read is not checked: the dynamic loader reads too.) */
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "execve");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "exit_group"); /* what the new program does */
}

/* The same with a 32-bit program: what it does after the exec is recorded
 * under the compat ABI (i386, AArch32). */
static void test_gated_exec_compat32(Fixture *f)
{
        ChildSpec spec = { .first = do_getcpu, .handshake = true, .work = do_exec_compat32 };
        SyscallSet s;

        record_gated_child(f, &spec, &s);
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "read"); /* the handshake */
        assert_recorded(&s, SYSREC_ABI_NATIVE, "execve");
        assert_recorded(&s, SYSREC_ABI_COMPAT, "getppid");
        assert_recorded(&s, SYSREC_ABI_COMPAT, "uname");
}

/* skip-runtime-setup when the runtime installs a seccomp filter: the profile
 * starts at the filter install, the exact point from which it will apply. */
static void test_gated_filter(Fixture *f)
{
        ChildSpec spec = { .first = do_getcpu, .work = do_filter_then_sysinfo };
        SyscallSet s;

        record_gated_child(f, &spec, &s);
        assert_native(&s, STRV("seccomp", "sysinfo", "exit_group"), STRV("getcpu"));
}

/* After the install, only filtered tasks are recorded: what an unfiltered
 * process of the same cgroup does next is no call the profile must allow. */
static void test_gated_filter_unfiltered_task(Fixture *f)
{
        ChildSpec spec = { .first = do_getcpu, .work = do_fork_filter_then_parent_uname };
        SyscallSet s;

        record_gated_child(f, &spec, &s);
        assert_recorded(&s, SYSREC_ABI_NATIVE, "seccomp");
        assert_recorded(&s, SYSREC_ABI_NATIVE, "sysinfo");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "getcpu");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "wait4");
        assert_not_recorded(&s, SYSREC_ABI_NATIVE, "uname");
}

/* An execve opens the gate, but a filter installed after it (runc execs its
 * init, sets up, installs the filter, execs the workload) drops everything
 * recorded before the install. Gated cgroups created below inherit the gate
 * closed. */
static void test_gated_exec_then_filter(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work"), *ctr = NULL;
        _cleanup_close_ int fd = cg_open(f, work);
        ChildSpec spec = { .first = do_getcpu, .work = do_exec_filter_helper };
        _cleanup_strv_free_ char **names = NULL;
        SyscallSet s;

        g_assert_cmpint(recorder_track_tree(f->recorder, fd, REC_A, SYSREC_CG_GATED | SYSREC_CG_DESCENDANTS,
                                            NULL),
                        ==, 1);
        ctr = cg_make(f, "work/ctr");
        run_child(f, ctr, &spec);
        collect(f, REC_A, &s);
        g_assert_cmpint(syscall_set_names_union(&s, &names), ==, 0);
        /* The helper's last calls: seccomp, sysinfo, exit_group. The dynamic
         * loader's work before the install (openat, mmap, ...) and the execve
         * are gone. */
        g_assert_cmpstrv(names, ((const char *const[]){ "exit_group", "seccomp", "sysinfo", NULL }));
}

/* Without a filter, an execve that opened the gate early (a runtime that
 * executes itself or a wrapper in the cgroup) is not the boundary: the exec
 * into the container's root is. What came before it is dropped, and a
 * process of the runtime that stays outside that root is not recorded. */
static void test_gated_exec_new_root(Fixture *f)
{
        ChildSpec spec = { .first = do_getcpu, .work = do_exec_root_helper };
        SyscallSet s;

        record_gated_child(f, &spec, &s);
        /* sethostname and chroot: set-up after the first exec; uname: the
         * parent, outside the root. */
        assert_native(&s, STRV("execve", "sysinfo", "exit_group"), STRV("getcpu", "sethostname", "chroot", "uname"));
}

/* Workload mode (see HELPER_ROOT): a set-up call (sethostname with a length
 * it refuses), then a child that changes root and executes root-probe there;
 * the parent waits and makes one more call outside that root. */
_no_sanitize_ static int helper_enter_root(void)
{
        char *const argv[] = { (char *)ROOT_PROBE_NAME, NULL };
        char *const envp[] = { NULL };
        struct utsname u;
        int status;
        pid_t pid;

        (void)syscall(SYS_sethostname, "x", (size_t)1 << 20);
        pid = fork();
        if (pid < 0)
                _exit(3);
        if (pid == 0) {
                if (chroot(ROOT_PROBE_DIR) < 0 || chdir("/") < 0)
                        _exit(4);
                execve("/" ROOT_PROBE_NAME, argv, envp);
                _exit(5);
        }
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                _exit(6);
        (void)syscall(SYS_uname, &u);
        _exit(0);
}

/* Workload mode (see HELPER_SECCOMP): make a call, install a filter, make it
 * again, exit. Not sanitized, so that these are the only calls after the install. */
_no_sanitize_ static int helper_install_seccomp_filter(void)
{
        struct sysinfo si;

        /* Once before the install too: recorded, then dropped with the rest of
         * the set-up, it must be recorded again after it. */
        (void)syscall(SYS_sysinfo, &si);
        if (install_allow_all_filter() < 0)
                _exit(3);
        (void)syscall(SYS_sysinfo, &si);
        _exit(0);
}

int main(int argc, char *argv[])
{
        if (argc == 2 && strcmp(argv[1], HELPER_SECCOMP) == 0)
                return helper_install_seccomp_filter();
        if (argc == 2 && strcmp(argv[1], HELPER_ROOT) == 0)
                return helper_enter_root();

        recorder_test_init(&argc, &argv);

        recorder_test_add("/sysrec/recorder/arm", test_arm);
        recorder_test_add("/sysrec/recorder/gated/exec", test_gated_exec);
        recorder_test_add_compat32("/sysrec/recorder/gated/exec-compat32", test_gated_exec_compat32);
        recorder_test_add("/sysrec/recorder/gated/filter", test_gated_filter);
        recorder_test_add("/sysrec/recorder/gated/filter-unfiltered-task", test_gated_filter_unfiltered_task);
        recorder_test_add("/sysrec/recorder/gated/exec-then-filter", test_gated_exec_then_filter);
        recorder_test_add("/sysrec/recorder/gated/exec-new-root", test_gated_exec_new_root);

        return g_test_run();
}
