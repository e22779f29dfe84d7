/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privileged tests of the process events behind live progress (sysrecctl watch,
 * the Processes property): a process that is moved into a tracked cgroup, forked
 * in one, or cloned straight into one (clone3 CLONE_INTO_CGROUP) is reported once;
 * a thread is not a process; nothing is reported for cgroups nobody records.
 * Fixture and helpers: recorder-test.h.
 */
#include <glib.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "recorder-test.h"

static void *thread_main(void *arg)
{
        return arg;
}

/* In the child, once it moved itself into its cgroup: one forked process and
 * one thread. */
static void do_fork_and_thread(ChildCtx *ctx)
{
        pthread_t t;
        pid_t pid;

        pid = fork();
        if (pid < 0)
                _exit(122);
        if (pid == 0)
                _exit(0);
        if (waitpid(pid, NULL, 0) != pid)
                _exit(123);
        if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, NULL) != 0)
                _exit(124);
}

/* A process cloned by us (outside) straight into the cgroup of cgroup_fd;
 * false if the kernel has no clone3 (sysrec needs >= 5.8, which has it). */
static bool clone_into(int cgroup_fd)
{
        struct clone_args args = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t)cgroup_fd,
        };
        int status;
        long pid;

        pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0)
                _exit(0);
        if (pid < 0 && errno == ENOSYS) {
                g_test_message("clone3 is not available: CLONE_INTO_CGROUP not checked");
                return false;
        }
        g_assert_cmpint(pid, >, 0);
        g_assert_cmpint(waitpid((pid_t)pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return true;
}

static void drain(Fixture *f)
{
        struct pollfd pfd = { .fd = recorder_get_fd(f->recorder), .events = POLLIN };

        (void)poll(&pfd, 1, 1000);
        g_assert_cmpint(recorder_process(f->recorder), ==, 0);
}

static void test_processes_counted(Fixture *f)
{
        g_autofree char *cg = cg_make(f, "work");
        _cleanup_close_ int fd = cg_open(f, cg);
        uint64_t id = cg_id(f, cg);
        ChildSpec spec = { .first = do_fork_and_thread };
        unsigned expected = 2; /* moved in, forked; the thread is none */

        g_assert_cmpint(recorder_track(f->recorder, id, REC_A, 0, NULL), ==, 1);
        run_child(f, cg, &spec);
        drain(f);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_PROCESS, id, REC_A), ==, expected);

        /* The child's own cgroup decides, not the forking task's. */
        if (clone_into(fd))
                expected++;
        drain(f);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_PROCESS, id, REC_A), ==, expected);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_PROCESS, 0, 0), ==, expected);
}

static void test_processes_outside(Fixture *f)
{
        g_autofree char *work = cg_make(f, "work"), *sibling = cg_make(f, "sibling");
        ChildSpec spec = { .first = do_fork_and_thread };

        g_assert_cmpint(recorder_track(f->recorder, cg_id(f, work), REC_A, 0, NULL), ==, 1);
        run_child(f, sibling, &spec);
        drain(f);
        g_assert_cmpuint(count_events(f, SYSREC_EVENT_PROCESS, 0, 0), ==, 0);
}

int main(int argc, char *argv[])
{
        recorder_test_init(&argc, &argv);

        recorder_test_add("/sysrec/recorder/processes/counted", test_processes_counted);
        recorder_test_add("/sysrec/recorder/processes/outside", test_processes_outside);

        return g_test_run();
}
