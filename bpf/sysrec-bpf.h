/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
/*
 * Types shared by the BPF program (sysrec.bpf.c) and user space. Fixed-width
 * integers only, no pointers: the same layout is read on both sides.
 */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Version of the layout of the pinned maps (struct sysrec_cgroup, the armed
 * map, .bss). Bump it on any change; a new layout must keep the old one as
 * a prefix of struct sysrec_cgroup so that entries can be carried over.
 * v1, v2: "cgroups" hashed cgroup id -> struct sysrec_cgroup.
 * v3: "cgroups" hashes cgroup id -> slot in the "records" array. */
#define SYSREC_MAP_LAYOUT 3

/* Bits per ABI bitmap. Syscall numbers of every ABI we know fit below this
 * (x32 numbers are stored with __X32_SYSCALL_BIT masked off). */
#define SYSREC_NR_MAX 1024
#define SYSREC_NR_WORDS (SYSREC_NR_MAX / 64)

/* ABI slots of a bitmap. On x86-64: native, i386 compat (int 0x80 or a 32-bit
 * task), x32. On arm64: native, AArch32 compat; the third slot stays empty. */
enum sysrec_abi {
        SYSREC_ABI_NATIVE = 0,
        SYSREC_ABI_COMPAT = 1,
        SYSREC_ABI_X32 = 2,
        _SYSREC_ABI_MAX,
};

/* Size of the counting pre-filter in the program's .bss. A cgroup id hashes to
 * one counter; a zero counter means "certainly not recorded", which is the
 * whole per-syscall cost for processes nobody records. */
#define SYSREC_FILTER_BITS 16
#define SYSREC_FILTER_SIZE (1u << SYSREC_FILTER_BITS)

/* Flags of a tracked cgroup. */
#define SYSREC_CG_DESCENDANTS (1u << 0) /* cgroups made below it are tracked too */
#define SYSREC_CG_GATED (1u << 1)       /* skip-runtime-setup: record from the gate on */
#define SYSREC_CG_GATE_OPEN (1u << 2)   /* set by the program at the workload's entry */
#define SYSREC_CG_GATE_FILTER (1u << 3) /* ... and the entry was a seccomp filter install */

/* Syscalls that open the gate of a SYSREC_CG_GATED cgroup. The profile will
 * apply from the moment the runtime installs the seccomp filter, so that is
 * the exact boundary: when a filter is installed (the recorded container
 * runs with any seccomp profile, e.g. the runtime's default), what the
 * cgroup recorded before it is dropped. When none is, the first execve in
 * the cgroup opens the gate, and an execve into another root directory (the
 * container's) re-opens it there, dropping what came before. Numbers per ABI
 * are filled in by user space through libseccomp. */
enum sysrec_gate {
        SYSREC_GATE_EXECVE,
        SYSREC_GATE_EXECVEAT,
        SYSREC_GATE_SECCOMP,
        SYSREC_GATE_PRCTL,
        _SYSREC_GATE_MAX,
};

/* Syscalls whose risk-deciding arguments are recorded (native ABI). */
enum sysrec_argsys {
        SYSREC_ARGSYS_CLONE,
        SYSREC_ARGSYS_UNSHARE,
        SYSREC_ARGSYS_SOCKET,
        SYSREC_ARGSYS_PERSONALITY,
        _SYSREC_ARGSYS_MAX,
};

#define SYSREC_PERSONALITY_MAX 4

/* The arguments seen, OR-ed or listed. */
struct sysrec_args {
        __u64 clone_flags;     /* CLONE_NEW* flags seen in clone() and clone3() */
        __u64 unshare_flags;   /* CLONE_NEW* flags seen in unshare() */
        __u64 socket_families; /* bit n: socket(n, ...) with n < 64 */
        __u32 socket_other;    /* a family >= 64 was seen */
        __u32 personality_overflow; /* more distinct values than fit */
        /* Distinct values + 1 (0 = empty), 64-bit so that the query value
         * 0xffffffff does not wrap to "empty". */
        __u64 personality[SYSREC_PERSONALITY_MAX];
};

/* What is recorded for one cgroup (the value of the v1/v2 "cgroups" map). */
struct sysrec_cgroup {
        __u32 recording;        /* recording id chosen by user space, never 0 */
        __u32 flags;            /* SYSREC_CG_* */
        __u64 parent;           /* cgroup id it was inherited from, 0 for roots */
        __u64 bits[_SYSREC_ABI_MAX][SYSREC_NR_WORDS];
        struct sysrec_args args; /* native ABI only */
};

/* An element of the "records" array. The "cgroups" hash map (cgroup v2 id ->
 * __u32 slot) says which cgroups are tracked and where their record is; both
 * outlive the cgroup, until user space releases its recording. A slot is in
 * use while cgroup is not 0 (cgroup ids never are); a record is only trusted
 * when cgroup is the id that led to it, so that a slot named by a stale way
 * of the ways table, or reused after a release, can never mix two cgroups. */
struct sysrec_record {
        __u64 cgroup;
        struct sysrec_cgroup cg;
};

/* A bucket of the "ways" lookup table (an ARRAY map, not pinned): up to
 * SYSREC_WAYS tracked cgroups whose id hashes to the bucket, each with its
 * slot in "records", in one 64-byte cache line. It lets the hot path go from
 * a cgroup id to its record with plain loads, no helper call. The programs
 * fill it from the "cgroups" hash map on a cgroup's first syscall and take
 * over a way whose entry no longer leads to its cgroup's record; a way is
 * only trusted when the record it names holds the same cgroup id, so an
 * entry left behind by a released cgroup, or one read halfway through its
 * update, is never used. A new instance starts with an empty table. */
#define SYSREC_WAYS 4

struct sysrec_ways {
        __u64 cgroup[SYSREC_WAYS]; /* 0: free */
        __u32 slot[SYSREC_WAYS];
        __u32 pad[SYSREC_WAYS];
};

/* Longest cgroup directory name that can be armed (a unit name is at most 255). */
#define SYSREC_ARMED_NAME_MAX 256

/* Key of the "armed" hash map: a cgroup that does not exist yet, by the id
 * of its parent and its directory name. When it is created (a unit starts,
 * or restarts), the program tracks it before any task can enter it. */
struct sysrec_armed_key {
        __u64 parent;
        char name[SYSREC_ARMED_NAME_MAX];
};

struct sysrec_armed {
        __u32 recording;
        __u32 flags;
};

enum sysrec_event_type {
        SYSREC_EVENT_SYSCALL = 1, /* a bit flipped for the first time in a cgroup */
        SYSREC_EVENT_CGROUP = 2,  /* a cgroup was created below a tracked one, or armed */
        SYSREC_EVENT_LOST = 3,    /* ... but the map was full: it is not recorded */
        SYSREC_EVENT_PROCESS = 4, /* a process started in (forked) or moved into a tracked cgroup */
};

#define SYSREC_CGROUP_NAME_MAX 128

/* Ring-buffer record. A hint for live progress only: profiles are built from
 * the map, so a dropped event loses nothing. */
struct sysrec_event {
        __u64 cgroup;
        /* SYSREC_EVENT_CGROUP: the tracked parent. SYSREC_EVENT_SYSCALL: in a
         * skip-runtime-setup cgroup, the epoch of its gate the call was recorded
         * in (each re-opening drops what came before: so do events of an earlier
         * epoch); 0 elsewhere. */
        __u64 parent;
        __u32 recording;
        __u32 pid;
        __u16 type;
        __u16 abi;
        __u32 nr;
};

/* SYSREC_EVENT_CGROUP records carry the new cgroup's directory name (cut
 * at SYSREC_CGROUP_NAME_MAX - 1 bytes), so that user space can name the
 * cgroup even if it is gone by the time the event is read. */
struct sysrec_cgroup_event {
        struct sysrec_event base;
        char name[SYSREC_CGROUP_NAME_MAX];
};
