/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the privileged tests (test-recorder*.c, test-cgroup-live.c): a
 * g_test fixture that runs each case in a subprocess with a Recorder and a
 * cgroup of its own (sysrec-test-<pid> below the cgroup2 mount), removes
 * everything afterwards however the case ended, and helpers to create
 * cgroups, run workload processes in them and check what was recorded.
 *
 * A privileged case that cannot run (not root, no BTF, no cgroup2) is
 * skipped with the reason, except when $CI is set: CI runs as root, so there
 * the case fails instead.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "recorder.h"
#include "syscall-set.h"

#define REC_A 1
#define REC_B 2

typedef struct Fixture {
        bool skip;
        char *top;      /* absolute path of this case's cgroup, sysrec-test-<pid> */
        char *note;     /* file in which the subprocess reports a known bug or interference */
        bool subprocess;
        /* Subprocess only: */
        Recorder *recorder;
        GArray *events;   /* struct sysrec_event */
        GArray *children; /* pid_t not reaped yet */
} Fixture;

typedef void (*case_fn_t)(Fixture *f);

/* g_test_init() plus what every privileged test binary needs. */
void recorder_test_init(int *argc, char ***argv);
/* Register a case: path is a g_test path, fn runs in the subprocess. */
void recorder_test_add(const char *path, case_fn_t fn);
/* The same for a case that runs the compat ABI's program (i386 on x86-64,
 * AArch32 on aarch64): where the kernel runs none, it is a skip saying so
 * ("kernel: ..."; tests/run-all.sh lists such skips and does not fail CI on
 * them, as they depend on the machine, not on sysrec). */
void recorder_test_add_compat32(const char *path, case_fn_t fn);

/* The case found a bug that is known and reported: it still passes, and
 * the parent marks it incomplete (TAP "not ok ... # TODO msg"). */
void known_bug(Fixture *f, const char *msg);
/* On a failure that a removed cgroup explains: if path (or the case's top
 * cgroup) is gone, something outside the test removed it; say so (the
 * parent runs the case again) and fail. */
void check_interference(Fixture *f, const char *path);

/* Write s to path (a cgroup or sysfs file) in one write(); false on failure. */
bool write_string(const char *path, const char *s);
void sleep_ms(unsigned ms);
bool cgroup_populated(const char *dir);

/* mkdir of rel below the case's cgroup; the absolute path, g_free() it. */
char *cg_make(Fixture *f, const char *rel);
int cg_open(Fixture *f, const char *path);
uint64_t cg_id(Fixture *f, const char *path);

/* What a workload process does. The child moves itself into its cgroup by
 * writing to cgroup.procs; that write still runs in the old cgroup, so the
 * first syscall recorded in the new one is whatever comes next. Workload
 * functions run in the forked child: async-signal-safe calls only. */
typedef struct ChildCtx {
        int ready_w; /* child -> test: one byte per step, -1 if unused */
        int go_r;    /* test -> child: one byte per step, -1 if unused */
        const void *arg;
} ChildCtx;

typedef void (*child_fn_t)(ChildCtx *ctx);

typedef struct ChildSpec {
        child_fn_t first; /* right after entering the cgroup, before the handshake */
        child_fn_t work;  /* after the test said go */
        bool handshake;   /* ready/go pipes; without, the child runs straight through */
        const void *arg;
} ChildSpec;

typedef struct Child {
        pid_t pid;
        int ready_r, go_w;
        char *cgroup;
} Child;

void child_signal(ChildCtx *ctx);
void child_wait(ChildCtx *ctx);
void child_spawn(Fixture *f, const char *cgroup, const ChildSpec *spec, Child *ret);
void child_wait_ready(Fixture *f, Child *c);
void child_go(Child *c);
/* Reap a child and insist that it exited 0. */
void child_reap(Fixture *f, Child *c);
/* Spawn, hand-shake if the spec says so, reap. */
void run_child(Fixture *f, const char *cgroup, const ChildSpec *spec);
/* A child the test reaped itself. */
void forget_child(Fixture *f, pid_t pid);

/* Workloads. */
void do_getcpu(ChildCtx *ctx);
void do_sysinfo(ChildCtx *ctx);
void do_ioprio_get(ChildCtx *ctx);
/* Exec the static 32-bit program (compat32.c). */
void do_exec_compat32(ChildCtx *ctx);
/* execve() of /bin/true: a native exec. */
void do_exec_native(ChildCtx *ctx);

/* Does the kernel run the 32-bit program (COMPAT32_PATH)? False when its
 * exec fails with ENOEXEC (32-bit emulation off, or a CPU without AArch32);
 * any other failure aborts. */
bool kernel_runs_compat32(void);

/* Assertions on what was recorded. */
int nr_of(unsigned abi, const char *name);
bool recorded(const SyscallSet *s, unsigned abi, const char *name);
void assert_recorded(const SyscallSet *s, unsigned abi, const char *name);
void assert_not_recorded(const SyscallSet *s, unsigned abi, const char *name);
/* recorder_collect() into a zeroed set. */
void collect(Fixture *f, uint32_t recording, SyscallSet *ret);
bool attached(Fixture *f);
/* Ring-buffer events seen so far; cgroup or recording 0 match any. */
unsigned count_events(Fixture *f, uint16_t type, uint64_t cgroup, uint32_t recording);
/* The event callback of the fixture's recorder (userdata: the Fixture), for
 * a case's own recorder whose events count_events() should see too. */
void fixture_on_event(const struct sysrec_event *e, void *userdata);
const struct sysrec_event *find_syscall_event(Fixture *f, uint64_t cgroup, unsigned abi, unsigned nr);
