/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The privileged tests' fixture and helpers; see recorder-test.h.
 *
 * Each case runs in a g_test subprocess. The fixture in the parent process
 * creates the case's cgroup directory (sysrec-test-<pid>) and, whatever the
 * subprocess did or however it died, kills what is left in it and removes it.
 * Workload processes are children of the subprocess with PR_SET_PDEATHSIG, so
 * they cannot outlive it either. A case that hits a known bug says so through
 * a note file, and the parent marks it incomplete (TAP "not ok ... # TODO").
 *
 * The cgroup2 hierarchy is shared with the rest of the machine. Something that
 * removes empty cgroups it did not create (seen here while a systemd booted
 * in a namespace on the same hierarchy was running) can take ours away in the
 * middle of a case. The case then says so in the note file, and the parent
 * runs it again, at most MAX_ATTEMPTS times.
 */
#include <fcntl.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "recorder-test.h"

#define TEST_CGROUP_ENV "SYSREC_TEST_CGROUP"
#define TEST_NOTE_ENV "SYSREC_TEST_NOTE"
#define MAX_CGROUPS 4096
#define CASE_TIMEOUT_USEC (120 * G_USEC_PER_SEC)
#define MAX_ATTEMPTS 3
#define INTERFERENCE "interference: "
#define IOPRIO_WHO_PROCESS 1

/* ---- Cleanup of the cgroup tree (parent process) ---- */

bool write_string(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        bool ok;

        if (fd < 0)
                return false;
        ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
        close(fd);
        return ok;
}

void sleep_ms(unsigned ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

bool cgroup_populated(const char *dir)
{
        g_autofree char *path = g_build_filename(dir, "cgroup.events", NULL);
        g_autofree char *contents = NULL;

        if (!g_file_get_contents(path, &contents, NULL, NULL))
                return false;
        return strstr(contents, "populated 1") != NULL;
}

/* Depth first, children before parents. A cgroup whose last process has just
 * exited can refuse rmdir for a moment (-EBUSY): retry for a while. */
static void cgroup_remove_tree(const char *dir)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        if (!d)
                return;
        while ((name = g_dir_read_name(d))) {
                g_autofree char *sub = g_build_filename(dir, name, NULL);

                if (g_file_test(sub, G_FILE_TEST_IS_DIR))
                        cgroup_remove_tree(sub);
        }
        for (unsigned i = 0; rmdir(dir) < 0 && errno == EBUSY && i < 500; i++)
                sleep_ms(10);
        if (g_file_test(dir, G_FILE_TEST_EXISTS))
                g_printerr("# could not remove cgroup %s: %s\n", dir, g_strerror(errno));
}

/* The test process is a child subreaper: workload processes orphaned by a
 * crashed case come to it (PID 1 here may not reap them). They are dying from
 * PR_SET_PDEATHSIG or cgroup.kill already. */
static void reap_orphans(void)
{
        for (unsigned i = 0; i < 500; i++) {
                pid_t pid = waitpid(-1, NULL, WNOHANG);

                if (pid < 0)
                        return; /* ECHILD: none left */
                if (pid == 0)
                        sleep_ms(10);
        }
        g_printerr("# some orphaned workload processes did not exit\n");
}

static void cgroup_kill_and_remove(const char *top)
{
        g_autofree char *kill_path = g_build_filename(top, "cgroup.kill", NULL);

        if (!g_file_test(top, G_FILE_TEST_IS_DIR))
                return;
        /* cgroup.kill (5.14) SIGKILLs every process in the subtree. */
        if (write_string(kill_path, "1"))
                for (unsigned i = 0; cgroup_populated(top) && i < 500; i++)
                        sleep_ms(10);
        cgroup_remove_tree(top);
}

/* ---- Fixture ---- */

static const char *cannot_run_reason(void)
{
        _cleanup_free_ char *mount = NULL;

        if (geteuid() != 0)
                return "needs root to load BPF programs and create cgroups";
        if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
                return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
        if (cgroup2_find_mount(&mount) < 0)
                return "no cgroup2 hierarchy is mounted";
        return NULL;
}

void fixture_on_event(const struct sysrec_event *e, void *userdata)
{
        Fixture *f = userdata;

        g_array_append_vals(f->events, e, 1);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
        _cleanup_free_ char *mount = NULL;
        const char *reason;

        if (g_test_subprocess()) {
                const char *top = g_getenv(TEST_CGROUP_ENV);

                g_assert_nonnull(top);
                f->subprocess = true;
                f->top = g_strdup(top);
                f->note = g_strdup(g_getenv(TEST_NOTE_ENV));
                f->events = g_array_new(FALSE, TRUE, sizeof(struct sysrec_event));
                f->children = g_array_new(FALSE, TRUE, sizeof(pid_t));
                g_assert_cmpint(recorder_new(MAX_CGROUPS, fixture_on_event, f, &f->recorder), ==, 0);
                return;
        }

        reason = cannot_run_reason();
        if (reason) {
                f->skip = true;
                /* CI runs as root on a kernel with BTF: a skip there hides a defect. */
                if (g_getenv("CI"))
                        g_test_fail_printf("privileged test cannot run under CI: %s", reason);
                else
                        g_test_skip(reason);
                return;
        }

        g_assert_cmpint(cgroup2_find_mount(&mount), ==, 0);
        f->top = g_strdup_printf("%s/sysrec-test-%i", mount, (int)getpid());
        f->note = g_strdup_printf("%s/sysrec-test-%i.note", g_get_tmp_dir(), (int)getpid());
        g_setenv(TEST_CGROUP_ENV, f->top, TRUE);
        g_setenv(TEST_NOTE_ENV, f->note, TRUE);
}

/* Parent, before each attempt: a fresh, empty top cgroup and no note. */
static void prepare_attempt(Fixture *f)
{
        cgroup_kill_and_remove(f->top); /* left over by an earlier case that got killed */
        if (mkdir(f->top, 0755) < 0)
                g_error("Cannot create cgroup %s: %s", f->top, g_strerror(errno));
        (void)unlink(f->note);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        if (f->subprocess) {
                for (guint i = 0; i < f->children->len; i++) {
                        pid_t pid = g_array_index(f->children, pid_t, i);

                        (void)kill(pid, SIGKILL);
                        (void)waitpid(pid, NULL, 0);
                }
                g_array_free(f->children, TRUE);
                g_array_free(f->events, TRUE);
                recorder_free(f->recorder);
        } else if (f->top) {
                cgroup_kill_and_remove(f->top);
                (void)unlink(f->note);
                g_unsetenv(TEST_CGROUP_ENV);
                g_unsetenv(TEST_NOTE_ENV);
        }
        g_free(f->top);
        g_free(f->note);
}

/* The test function g_test sees: in the parent, run the case in a subprocess
 * and clean up before judging it; in the subprocess, run the case. */
static void run_case(Fixture *f, gconstpointer data)
{
        case_fn_t fn = (case_fn_t)(uintptr_t)data;

        if (f->subprocess) {
                fn(f);
                return;
        }
        if (f->skip)
                return;
        for (unsigned attempt = 1;; attempt++) {
                g_autofree char *note = NULL;

                prepare_attempt(f);
                g_test_trap_subprocess(NULL, CASE_TIMEOUT_USEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
                /* Clean up before anything here can fail (and abort). */
                if (!g_file_get_contents(f->note, &note, NULL, NULL))
                        note = g_strdup("");
                (void)unlink(f->note);
                cgroup_kill_and_remove(f->top);
                reap_orphans();
                g_assert_false(g_file_test(f->top, G_FILE_TEST_EXISTS));
                if (!g_test_trap_has_passed() && g_str_has_prefix(note, INTERFERENCE) &&
                    attempt < MAX_ATTEMPTS) {
                        g_test_message("attempt %u: %s; running the case again", attempt, note);
                        continue;
                }
                g_test_trap_assert_passed();
                if (note[0])
                        g_test_incomplete(note);
                return;
        }
}

/* In the subprocess, on a failure that a removed cgroup explains: if the
 * test's own cgroups are gone (the test never removes path or its top
 * cgroup while using them), something outside removed them. */
void check_interference(Fixture *f, const char *path)
{
        g_autofree char *msg = NULL;

        if (g_file_test(f->top, G_FILE_TEST_IS_DIR) && (!path || g_file_test(path, G_FILE_TEST_IS_DIR)))
                return;
        msg = g_strdup_printf(INTERFERENCE "cgroup %s was removed by something outside the test",
                              g_file_test(f->top, G_FILE_TEST_IS_DIR) ? path : f->top);
        (void)g_file_set_contents(f->note, msg, -1, NULL);
        g_error("%s", msg);
}

/* In the subprocess: the case found a bug that is known and reported; it
 * still passes, and the parent marks it incomplete with msg. */
void known_bug(Fixture *f, const char *msg)
{
        g_autoptr(GError) error = NULL;

        g_test_message("known bug: %s", msg);
        g_file_set_contents(f->note, msg, -1, &error);
        g_assert_no_error(error);
}

/* ---- Cgroups and processes (subprocess) ---- */

char *cg_make(Fixture *f, const char *rel)
{
        char *path = g_build_filename(f->top, rel, NULL);

        if (mkdir(path, 0755) < 0) {
                g_autofree char *parent = g_path_get_dirname(path);

                if (errno == ENOENT)
                        check_interference(f, parent);
                g_error("Cannot create cgroup %s: %s", path, g_strerror(errno));
        }
        return path;
}

int cg_open(Fixture *f, const char *path)
{
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0) {
                if (errno == ENOENT)
                        check_interference(f, path);
                g_error("Cannot open cgroup %s: %s", path, g_strerror(errno));
        }
        return fd;
}

uint64_t cg_id(Fixture *f, const char *path)
{
        _cleanup_close_ int fd = cg_open(f, path);
        uint64_t id = 0;

        g_assert_cmpint(cgroup_fd_get_id(fd, &id), ==, 0);
        return id;
}

void child_signal(ChildCtx *ctx)
{
        if (write(ctx->ready_w, "r", 1) != 1)
                _exit(122);
}

void child_wait(ChildCtx *ctx)
{
        char c;

        /* EOF: the test is gone; leave without doing anything more. */
        if (read(ctx->go_r, &c, 1) != 1)
                _exit(123);
}

/* Runs in the forked child: async-signal-safe calls only. Not sanitized: the
 * sanitizers' runtime would add its own calls (sigaltstack() before _exit())
 * to the exact sets the tests expect. */
_no_sanitize_ _noreturn_ static void child_main(const char *procs, pid_t parent,
                                                const ChildSpec *spec, ChildCtx *ctx)
{
        int fd;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(120);
        fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
                _exit(121);
        if (spec->first)
                spec->first(ctx);
        if (spec->handshake) {
                child_signal(ctx);
                child_wait(ctx);
        }
        if (spec->work)
                spec->work(ctx);
        _exit(0);
}

void child_spawn(Fixture *f, const char *cgroup, const ChildSpec *spec, Child *ret)
{
        g_autofree char *procs = g_build_filename(cgroup, "cgroup.procs", NULL);
        int ready[2] = { -1, -1 }, go[2] = { -1, -1 };
        pid_t parent = getpid(), pid;

        if (spec->handshake) {
                g_assert_cmpint(pipe2(ready, O_CLOEXEC), ==, 0);
                g_assert_cmpint(pipe2(go, O_CLOEXEC), ==, 0);
        }
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                ChildCtx ctx = { .ready_w = ready[1], .go_r = go[0], .arg = spec->arg };

                if (spec->handshake) {
                        close(ready[0]);
                        close(go[1]);
                }
                child_main(procs, parent, spec, &ctx);
        }
        g_array_append_val(f->children, pid);
        if (spec->handshake) {
                close(ready[1]);
                close(go[0]);
        }
        *ret = (Child){ .pid = pid, .ready_r = ready[0], .go_w = go[1], .cgroup = g_strdup(cgroup) };
}

void child_wait_ready(Fixture *f, Child *c)
{
        char b;

        if (read(c->ready_r, &b, 1) != 1) {
                check_interference(f, c->cgroup);
                g_error("child %i exited before it was ready", (int)c->pid);
        }
}

void child_go(Child *c)
{
        g_assert_cmpint(write(c->go_w, "g", 1), ==, 1);
}

void forget_child(Fixture *f, pid_t pid)
{
        for (guint i = 0; i < f->children->len; i++)
                if (g_array_index(f->children, pid_t, i) == pid) {
                        g_array_remove_index_fast(f->children, i);
                        return;
                }
}

/* Reap a child and insist that it exited 0. */
void child_reap(Fixture *f, Child *c)
{
        int status;

        g_assert_cmpint(waitpid(c->pid, &status, 0), ==, c->pid);
        forget_child(f, c->pid);
        if (c->ready_r >= 0)
                close(c->ready_r);
        if (c->go_w >= 0)
                close(c->go_w);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                check_interference(f, c->cgroup);
                g_error("child %i failed: wait status 0x%x", (int)c->pid, (unsigned)status);
        }
        g_clear_pointer(&c->cgroup, g_free);
}

void run_child(Fixture *f, const char *cgroup, const ChildSpec *spec)
{
        Child c;

        child_spawn(f, cgroup, spec, &c);
        if (spec->handshake) {
                child_wait_ready(f, &c);
                child_go(&c);
        }
        child_reap(f, &c);
}

/* ---- Workloads (run in children) ---- */

void do_getcpu(ChildCtx *ctx)
{
        unsigned cpu, node;

        (void)syscall(SYS_getcpu, &cpu, &node, NULL);
}

void do_sysinfo(ChildCtx *ctx)
{
        struct sysinfo si;

        (void)syscall(SYS_sysinfo, &si);
}

void do_ioprio_get(ChildCtx *ctx)
{
        (void)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
}

void do_exec_compat32(ChildCtx *ctx)
{
        char *const argv[] = { (char *)COMPAT32_PATH, NULL };
        char *const envp[] = { NULL };

        execve(COMPAT32_PATH, argv, envp);
        _exit(124);
}

/* The static root probe, built for this architecture: not /bin/true, which
 * in a VM of another architecture over the host's files is the host's. */
void do_exec_native(ChildCtx *ctx)
{
        char *const argv[] = { (char *)ROOT_PROBE_NAME, NULL };
        char *const envp[] = { NULL };

        execve(ROOT_PROBE_DIR "/" ROOT_PROBE_NAME, argv, envp);
        _exit(124);
}

bool kernel_runs_compat32(void)
{
        static int cached = -1;
        int status;
        pid_t pid;

        if (cached >= 0)
                return cached;
        if (access(COMPAT32_PATH, X_OK) < 0)
                g_error("%s: %s", COMPAT32_PATH, g_strerror(errno));
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                char *const argv[] = { (char *)COMPAT32_PATH, NULL };
                char *const envp[] = { NULL };

                execve(COMPAT32_PATH, argv, envp);
                _exit(errno == ENOEXEC ? 125 : 124);
        }
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 125)
                return (cached = 0);
        if (WEXITSTATUS(status) != 0)
                g_error("%s failed outside any recording: exit status %d", COMPAT32_PATH, WEXITSTATUS(status));
        return (cached = 1);
}

/* ---- Assertions ---- */

int nr_of(unsigned abi, const char *name)
{
        int nr = abi_syscall_number(abi, name);

        if (nr < 0)
                g_error("libseccomp does not know %s/%s", abi_to_string(abi), name);
        return nr;
}

bool recorded(const SyscallSet *s, unsigned abi, const char *name)
{
        return syscall_set_contains(s, abi, (unsigned)nr_of(abi, name));
}

void assert_recorded(const SyscallSet *s, unsigned abi, const char *name)
{
        if (!recorded(s, abi, name))
                g_error("%s/%s was not recorded", abi_to_string(abi), name);
}

void assert_not_recorded(const SyscallSet *s, unsigned abi, const char *name)
{
        if (recorded(s, abi, name))
                g_error("%s/%s was recorded but should not have been", abi_to_string(abi), name);
}

void collect(Fixture *f, uint32_t recording, SyscallSet *ret)
{
        *ret = (SyscallSet){};
        g_assert_cmpint(recorder_collect(f->recorder, recording, ret), ==, 0);
}

bool attached(Fixture *f)
{
        RecorderStats st;

        recorder_get_stats(f->recorder, &st);
        return st.attached;
}

unsigned count_events(Fixture *f, uint16_t type, uint64_t cgroup, uint32_t recording)
{
        unsigned n = 0;

        for (guint i = 0; i < f->events->len; i++) {
                const struct sysrec_event *e = &g_array_index(f->events, struct sysrec_event, i);

                if (e->type == type && (cgroup == 0 || e->cgroup == cgroup) &&
                    (recording == 0 || e->recording == recording))
                        n++;
        }
        return n;
}

const struct sysrec_event *find_syscall_event(Fixture *f, uint64_t cgroup, unsigned abi,
                                                     unsigned nr)
{
        for (guint i = 0; i < f->events->len; i++) {
                const struct sysrec_event *e = &g_array_index(f->events, struct sysrec_event, i);

                if (e->type == SYSREC_EVENT_SYSCALL && e->cgroup == cgroup && e->abi == abi &&
                    e->nr == nr)
                        return e;
        }
        return NULL;
}

/* Registration and start-up. */

void recorder_test_add(const char *path, case_fn_t fn)
{
        g_test_add(path, Fixture, (gconstpointer)(uintptr_t)fn, fixture_setup, run_case, fixture_teardown);
}

static void skip_compat32(void)
{
#if defined(__aarch64__)
        g_test_skip("kernel: runs no AArch32 programs (exec: Exec format error; no 32-bit EL0 or CONFIG_COMPAT)");
#else
        g_test_skip("kernel: runs no i386 programs (exec: Exec format error; 32-bit emulation is off)");
#endif
}

void recorder_test_add_compat32(const char *path, case_fn_t fn)
{
        /* Asked in the parent only: a subprocess runs the one case it was given. */
        if (g_test_subprocess() || kernel_runs_compat32())
                recorder_test_add(path, fn);
        else
                g_test_add_func(path, skip_compat32);
}

void recorder_test_init(int *argc, char ***argv)
{
        g_test_init(argc, argv, NULL);
        log_setup(LOG_TARGET_CONSOLE);
        if (!g_test_subprocess() && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                g_error("PR_SET_CHILD_SUBREAPER: %s", g_strerror(errno));
}
