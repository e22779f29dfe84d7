// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * The in-kernel half of sysrec: on every syscall entry, find out whether the
 * calling task's cgroup is being recorded and, if so, set the syscall's bit in
 * that cgroup's bitmap. Cgroups created below a recorded one are added from
 * the cgroup_mkdir tracepoint, before any task can enter them.
 *
 * Hot path for tasks nobody records: the cgroup id (plain loads through the
 * BTF task pointer in tp_btf programs, a helper call in raw_tp ones) and one
 * load from a counting filter in .bss. On a filter hit, tp_btf programs find
 * the cgroup's record through the "ways" table (a bucket of cgroup ids and
 * slots in an ARRAY map) and the "records" array, whose lookups the verifier
 * inlines: no helper call between the syscall and its bit. A syscall the
 * cgroup made before ends there. The "cgroups" hash map (id -> slot) is the
 * authority; it is asked on a cgroup's first syscall, and whenever the table
 * has no valid way for it, which then gets one.
 *
 * Why records live in an array and not in the cgroup's local storage: local
 * storage is freed with the cgroup, and a container that lived 10 ms must
 * still be in its recording's profile. The array slot (with the hash entry
 * that names it) survives rmdir until user space releases the recording.
 * The ways table only says "cgroup C's record is in slot N"; a way is used
 * only if slot N's record holds C, so a stale one (its cgroup released, or
 * the slot reused) is never trusted, and nothing is cached besides the slot:
 * whether a syscall was seen is read from the record itself.
 *
 * Each program exists as tp_btf (preferred) and raw_tp (fallback for kernels
 * that cannot attach tp_btf or lack atomic operations; it asks the hash map
 * on every recorded syscall); user space loads one flavour.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sysrec-bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EEXIST 17 /* the same on every architecture */
#define X32_SYSCALL_BIT 0x40000000
#define X86_TS_COMPAT 0x0002
#define ARM64_TIF_32BIT 22

#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_MODE_FILTER 2
#define PR_SET_SECCOMP 22

/* Gate syscall numbers per ABI (see enum sysrec_gate); set before load. */
const volatile __u32 gate_nr[_SYSREC_ABI_MAX][_SYSREC_GATE_MAX];

/* Native syscall numbers of enum sysrec_argsys; set before load. */
const volatile __u32 argsys_nr[_SYSREC_ARGSYS_MAX];
/* clone3's namespace flags are read from user memory into clone_flags. */
const volatile __u32 clone3_nr;
/* The same syscalls as a bitmap, for the hot path; set before load. */
const volatile __u64 argsys_bits[SYSREC_NR_WORDS];

/* 64 - log2(buckets of "ways"); set before load with the map's size. */
const volatile __u32 ways_shift = 64 - 15;

#define CLONE_NS_FLAGS 0x7E020080ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME */

/* Counting pre-filter: how many tracked cgroups hash to each slot. Written by
 * user space through the mmap()ed .bss and by on_mkdir() below. */
__u32 filter[SYSREC_FILTER_SIZE];

/* Ring-buffer reservations that failed (the daemon reports them). */
__u64 dropped_events;

/* New cgroups below tracked ones that did not fit in the map. */
__u64 lost_cgroups;

/* Set by user space once it has put every slot in free_slots (the flag is
 * pinned with the maps, so a new instance knows not to do it again). */
__u32 free_slots_filled;

/* Tracked cgroups: cgroup id -> slot in "records". */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 16384); /* resized by user space before load, like the two below */
        __type(key, __u64);
        __type(value, __u32);
} cgroups SEC(".maps");

/* What each tracked cgroup recorded. mmap()able: user space collects a
 * recording by reading memory, without a syscall per cgroup. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(map_flags, BPF_F_MMAPABLE);
        __uint(max_entries, 16384);
        __type(key, __u32);
        __type(value, struct sysrec_record);
} records SEC(".maps");

/* Free slots of "records", filled by user space; both sides take from it.
 * One slot per element: a pop is atomic, so a free slot is never out of
 * sight of a racing pop. FIFO: a released slot is handed out again only
 * after every other free one. */
struct {
        __uint(type, BPF_MAP_TYPE_QUEUE);
        __uint(max_entries, 16384);
        __type(value, __u32);
} free_slots SEC(".maps");

/* Tracked cgroups again, by hash bucket of their id (struct sysrec_ways),
 * for the tp_btf hot path. Sized by user space before load. */
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 32768);
        __type(key, __u32);
        __type(value, struct sysrec_ways);
} ways SEC(".maps");

/* Where the gate of each skip-runtime-setup cgroup opened, by the slot of its
 * record in "records" (not pinned: a new instance starts with an empty table,
 * and an entry is only trusted when it names the record's cgroup, as a way
 * is). Sized by user space before load, like "records". */
struct sysrec_gate_state {
        __u64 cgroup; /* the record's cgroup id when the entry was written */
        __u64 root;   /* the root directory (dentry) of the exec that opened the gate, 0: unknown */
        __u64 epoch;  /* how often the gate re-opened (and dropped what came before) */
};

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 16384);
        __type(key, __u32);
        __type(value, struct sysrec_gate_state);
} gates SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 4096);
        __type(key, struct sysrec_armed_key);
        __type(value, struct sysrec_armed);
} armed SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct sysrec_armed_key);
} scratch_key SEC(".maps");

static __always_inline __u64 id_hash(__u64 id)
{
        return id * 0x9E3779B97F4A7C15ULL;
}

static __always_inline __u32 filter_slot(__u64 id)
{
        return (__u32)(id_hash(id) >> (64 - SYSREC_FILTER_BITS));
}

static __always_inline void emit(__u16 type, __u64 cgroup, __u64 parent, __u32 recording,
                                 __u16 abi, __u32 nr)
{
        struct sysrec_event *e;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                __sync_fetch_and_add(&dropped_events, 1);
                return;
        }
        e->cgroup = cgroup;
        e->parent = parent;
        e->recording = recording;
        e->pid = bpf_get_current_pid_tgid() >> 32;
        e->type = type;
        e->abi = abi;
        e->nr = nr;
        bpf_ringbuf_submit(e, 0);
}

static __always_inline void emit_cgroup(struct cgroup *cgrp, __u64 id, __u64 parent, __u32 recording)
{
        struct sysrec_cgroup_event *e;

        e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
        if (!e) {
                __sync_fetch_and_add(&dropped_events, 1);
                return;
        }
        e->base.cgroup = id;
        e->base.parent = parent;
        e->base.recording = recording;
        e->base.pid = bpf_get_current_pid_tgid() >> 32;
        e->base.type = SYSREC_EVENT_CGROUP;
        e->base.abi = 0;
        e->base.nr = 0;
        if (bpf_probe_read_kernel_str(e->name, sizeof(e->name), BPF_CORE_READ(cgrp, kn, name)) < 0)
                e->name[0] = 0;
        bpf_ringbuf_submit(e, 0);
}

/* The current task's thread_info word that tells a compat syscall: a direct
 * load through task (its BTF pointer) in tp_btf programs, a CO-RE probe read
 * in raw_tp ones (task NULL). */
static __always_inline unsigned long thread_info_word(struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
        if (task)
                return task->thread_info.status;
        return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), thread_info.status);
#elif defined(__TARGET_ARCH_arm64)
        if (task)
                return task->thread_info.flags;
        return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), thread_info.flags);
#else
        return 0;
#endif
}

/* Which ABI the current syscall entered through, with *nr made an index. */
static __always_inline int syscall_abi(long *nr, struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
        if (*nr & X32_SYSCALL_BIT) {
                *nr &= ~X32_SYSCALL_BIT;
                return SYSREC_ABI_X32;
        }
        /* Set on entry of every 32-bit syscall (int 0x80, sysenter, or any call of a
         * 32-bit task) and cleared on return to user space. */
        if (thread_info_word(task) & X86_TS_COMPAT)
                return SYSREC_ABI_COMPAT;
#elif defined(__TARGET_ARCH_arm64)
        if (thread_info_word(task) & (1UL << ARM64_TIF_32BIT))
                return SYSREC_ABI_COMPAT;
#endif
        return SYSREC_ABI_NATIVE;
}

/* Argument n (0-2) of the current syscall, from the user registers. */
static __always_inline unsigned long syscall_arg(struct pt_regs *regs, int abi, int n)
{
#if defined(__TARGET_ARCH_x86)
        if (abi == SYSREC_ABI_COMPAT)
                return n == 0 ? BPF_CORE_READ(regs, bx) : n == 1 ? BPF_CORE_READ(regs, cx) : BPF_CORE_READ(regs, dx);
        return n == 0 ? BPF_CORE_READ(regs, di) : n == 1 ? BPF_CORE_READ(regs, si) : BPF_CORE_READ(regs, dx);
#elif defined(__TARGET_ARCH_arm64)
        /* The first argument as the kernel's syscall_get_arguments() takes it
         * (x0 also carries the return value); the same for AArch32's r0-r2. */
        return n == 0 ? BPF_CORE_READ(regs, orig_x0) : n == 1 ? BPF_CORE_READ(regs, regs[1]) : BPF_CORE_READ(regs, regs[2]);
#else
        return 0;
#endif
}

enum gate_kind {
        GATE_NONE,
        GATE_EXEC,
        GATE_FILTER,
};

/* Is this syscall an exec or the installation of a seccomp filter? */
static __always_inline int gate_kind(struct pt_regs *regs, int abi, long id)
{
        if (abi < 0 || abi >= _SYSREC_ABI_MAX)
                return GATE_NONE;
        if (id == gate_nr[abi][SYSREC_GATE_EXECVE] || id == gate_nr[abi][SYSREC_GATE_EXECVEAT])
                return GATE_EXEC;
        /* libseccomp probes the kernel with a NULL program: not an install. */
        if (id == gate_nr[abi][SYSREC_GATE_SECCOMP] && syscall_arg(regs, abi, 0) == SECCOMP_SET_MODE_FILTER &&
            syscall_arg(regs, abi, 2) != 0)
                return GATE_FILTER;
        if (id == gate_nr[abi][SYSREC_GATE_PRCTL] && syscall_arg(regs, abi, 0) == PR_SET_SECCOMP &&
            syscall_arg(regs, abi, 1) == SECCOMP_MODE_FILTER && syscall_arg(regs, abi, 2) != 0)
                return GATE_FILTER;
        return GATE_NONE;
}

/* The root directory of the current task, as an identity: the same dentry in
 * every mount namespace that was copied from another (unshare -m), another
 * one once the task has changed root (pivot_root, chroot). */
static __always_inline __u64 task_root(void)
{
        struct task_struct *t = (struct task_struct *)bpf_get_current_task();

        return (__u64)BPF_CORE_READ(t, fs, root.dentry);
}

/* Forget what cg recorded before its gate (re)opened: the runtime's set-up. */
static __always_inline void gate_clear(struct sysrec_cgroup *cg)
{
        for (int a = 0; a < _SYSREC_ABI_MAX; a++)
                for (int w = 0; w < SYSREC_NR_WORDS; w++)
                        cg->bits[a][w] = 0;
        __builtin_memset(&cg->args, 0, sizeof(cg->args));
}

enum gate_verdict {
        GATE_SHUT,     /* not recorded: the runtime's set-up, or not the workload */
        GATE_PASS,     /* recorded */
        GATE_REOPENED, /* recorded, and this call re-opened the gate */
};

/* Re-open cg's gate: store the new state (flags, and root if not 0), drop
 * what was recorded. The epoch is odd while that happens (a seqlock): a task
 * that decides meanwhile, or whose bit lands after the clear although it
 * decided before, sees the epoch change and takes its bit back. */
static __always_inline void gate_reopen(struct sysrec_cgroup *cg, struct sysrec_gate_state *gate, __u32 flags,
                                        __u64 root)
{
        if (gate)
                __sync_fetch_and_add(&gate->epoch, 1);
        cg->flags = flags;
        if (gate && root)
                gate->root = root;
        gate_clear(cg);
        if (gate)
                __sync_fetch_and_add(&gate->epoch, 1);
}

/* The gate of a skip-runtime-setup cgroup: shut while the runtime is still
 * setting up. Only this program writes the gate bits, and only sets them.
 * gate is the cgroup's entry in "gates" (NULL if the map has none). */
static __always_inline enum gate_verdict pass_gate(struct sysrec_cgroup *cg, struct sysrec_gate_state *gate,
                                                   struct pt_regs *regs, int abi, long id)
{
        __u32 flags = cg->flags;
        __u64 root;
        int kind;

        if (!(flags & SYSREC_CG_GATED))
                return GATE_PASS;
        if (flags & SYSREC_CG_GATE_FILTER) {
                /* Once the runtime has installed the container's filter, only the
                 * tasks it applies to make calls the profile must allow: the thread
                 * that installed it (runc does so without TSYNC) and what that thread
                 * executes. The runtime's other threads, and on some hosts its parent
                 * process in the same cgroup, are not filtered: they die at the
                 * execve or stay outside the container's profile. */
                struct task_struct *t = (struct task_struct *)bpf_get_current_task();

                if (!bpf_core_field_exists(t->seccomp))
                        return GATE_PASS;
                return BPF_CORE_READ(t, seccomp.mode) != 0 ? GATE_PASS : GATE_SHUT;
        }
        kind = gate_kind(regs, abi, id);
        if (kind == GATE_FILTER) {
                /* The profile applies from here: forget what came before. */
                flags |= SYSREC_CG_GATE_FILTER;
                if (!(flags & SYSREC_CG_GATE_OPEN)) {
                        cg->flags = flags | SYSREC_CG_GATE_OPEN;
                        return GATE_PASS;
                }
                gate_reopen(cg, gate, flags, 0);
                return GATE_REOPENED;
        }
        root = task_root();
        if (kind == GATE_EXEC && (!(flags & SYSREC_CG_GATE_OPEN) || !gate || gate->root != root)) {
                /* The first exec opens the gate. An exec into another root than
                 * the one it opened in (the container's, after pivot_root) is the
                 * workload's entry: what was recorded before it is the runtime's
                 * set-up (a runtime that executes itself or a wrapper in the
                 * cgroup opened the gate early). Unknown root (the gate opened
                 * under an earlier instance of the program): keep what was
                 * recorded, take the root. */
                if ((flags & SYSREC_CG_GATE_OPEN) && gate && gate->root) {
                        gate_reopen(cg, gate, flags, root);
                        return GATE_REOPENED;
                }
                if (gate)
                        gate->root = root;
                cg->flags = flags | SYSREC_CG_GATE_OPEN;
                return GATE_PASS;
        }
        if (!(flags & SYSREC_CG_GATE_OPEN))
                return GATE_SHUT;
        /* Opened by an exec: only the calls of tasks in the root it opened in.
         * A runtime's process that stays in the cgroup outside the container's
         * root (crun's parent, through crun-hybrid.sh here) is not the workload. */
        return !gate || !gate->root || gate->root == root ? GATE_PASS : GATE_SHUT;
}

/* The gate entry of the record in slot, claimed for cgid if it still names
 * another cgroup (a record tracked by user space, whose entry on_mkdir()
 * did not write). */
static __always_inline struct sysrec_gate_state *gate_of(__u32 slot, __u64 cgid)
{
        struct sysrec_gate_state *gate = bpf_map_lookup_elem(&gates, &slot);

        if (gate && gate->cgroup != cgid) {
                gate->root = 0;
                gate->epoch = 0;
                gate->cgroup = cgid;
        }
        return gate;
}

static __always_inline void or_bits(__u64 *p, __u64 v, bool atomic_fetch)
{
        if ((*p & v) == v)
                return;
        if (atomic_fetch)
                __sync_fetch_and_or(p, v);
        else
                *p |= v;
}

/* Record the arguments that decide the risk of a few syscalls, on every
 * call (not only the first): a later clone() may ask for a namespace. */
static __always_inline void record_args(struct sysrec_cgroup *cg, struct pt_regs *regs, long id,
                                        bool atomic_fetch)
{
        unsigned long a0;

        if (id == argsys_nr[SYSREC_ARGSYS_CLONE]) {
                or_bits(&cg->args.clone_flags, syscall_arg(regs, SYSREC_ABI_NATIVE, 0) & CLONE_NS_FLAGS,
                        atomic_fetch);
        } else if (id == clone3_nr) {
                __u64 flags = CLONE_NS_FLAGS; /* unreadable: assume the worst */

                /* struct clone_args starts with the flags. */
                (void)bpf_probe_read_user(&flags, sizeof(flags),
                                          (const void *)syscall_arg(regs, SYSREC_ABI_NATIVE, 0));
                or_bits(&cg->args.clone_flags, flags & CLONE_NS_FLAGS, atomic_fetch);
        } else if (id == argsys_nr[SYSREC_ARGSYS_UNSHARE]) {
                or_bits(&cg->args.unshare_flags, syscall_arg(regs, SYSREC_ABI_NATIVE, 0) & CLONE_NS_FLAGS,
                        atomic_fetch);
        } else if (id == argsys_nr[SYSREC_ARGSYS_SOCKET]) {
                a0 = syscall_arg(regs, SYSREC_ABI_NATIVE, 0);
                if (a0 < 64)
                        or_bits(&cg->args.socket_families, 1ULL << a0, atomic_fetch);
                else
                        cg->args.socket_other = 1;
        } else if (id == argsys_nr[SYSREC_ARGSYS_PERSONALITY]) {
                __u64 v = (__u64)(__u32)syscall_arg(regs, SYSREC_ABI_NATIVE, 0) + 1;
                int i;

                /* A racing CPU may store the same value twice; user space dedups. */
                for (i = 0; i < SYSREC_PERSONALITY_MAX; i++) {
                        if (cg->args.personality[i] == v)
                                return;
                        if (cg->args.personality[i] == 0) {
                                cg->args.personality[i] = v;
                                return;
                        }
                }
                cg->args.personality_overflow = 1;
        }
}

/* The record of a tracked cgroup, through the hash map. */
static __always_inline struct sysrec_record *record_of(__u64 cgid, __u32 *ret_slot)
{
        struct sysrec_record *rec;
        __u32 *slot;

        slot = bpf_map_lookup_elem(&cgroups, &cgid);
        if (!slot)
                return NULL;
        rec = bpf_map_lookup_elem(&records, slot);
        if (!rec || rec->cgroup != cgid)
                return NULL;
        *ret_slot = *slot;
        return rec;
}

/* The bucket of "ways" that cgroup id hashes to. */
static __always_inline struct sysrec_ways *ways_of(__u64 cgid)
{
        __u32 b = (__u32)(id_hash(cgid) >> (ways_shift & 63));

        return bpf_map_lookup_elem(&ways, &b);
}

/* The record of a tracked cgroup through its way, or NULL when the bucket
 * has no valid way for it (ask the hash map then). */
static __always_inline struct sysrec_record *record_fast(struct sysrec_ways *w, __u64 cgid, __u32 *ret_slot)
{
#pragma unroll
        for (int i = 0; i < SYSREC_WAYS; i++)
                if (w->cgroup[i] == cgid) {
                        /* The key straight from the way: no copy to the stack. */
                        struct sysrec_record *rec = bpf_map_lookup_elem(&records, &w->slot[i]);

                        if (rec && rec->cgroup == cgid) {
                                *ret_slot = w->slot[i];
                                return rec;
                        }
                        return NULL;
                }
        return NULL;
}

/* Give cgroup id (whose record is in slot) a way: its own if it has one
 * (with a slot out of date, or one not written yet by a racing CPU), else a
 * free way or one that no longer leads to its cgroup's record. Ways are
 * claimed by compare-and-swap of the id; the slot is written after, and a
 * reader trusts a way only when the record it names holds the same id. With
 * every way of the bucket live, the cgroup keeps asking the hash map. */
static __always_inline void ways_insert(struct sysrec_ways *w, __u64 cgid, __u32 slot)
{
#pragma unroll
        for (int i = 0; i < SYSREC_WAYS; i++)
                if (w->cgroup[i] == cgid) {
                        w->slot[i] = slot;
                        return;
                }
#pragma unroll
        for (int i = 0; i < SYSREC_WAYS; i++) {
                __u64 old = w->cgroup[i];

                if (old) {
                        __u32 s = w->slot[i];
                        struct sysrec_record *rec = bpf_map_lookup_elem(&records, &s);

                        if (rec && rec->cgroup == old)
                                continue;
                }
                if (__sync_val_compare_and_swap(&w->cgroup[i], old, cgid) == old) {
                        w->slot[i] = slot;
                        return;
                }
        }
}

enum flavour {
        FLAVOUR_RAW, /* raw_tp: helper calls, hash map, no atomic operations */
        FLAVOUR_BTF, /* tp_btf: BTF loads, the ways table, atomic operations */
};

static __always_inline int on_sys_enter(struct pt_regs *regs, long id, enum flavour flavour)
{
        bool atomic_fetch = flavour != FLAVOUR_RAW;
        struct task_struct *task = NULL;
        struct sysrec_gate_state *gate = NULL;
        struct sysrec_record *rec;
        struct sysrec_cgroup *cg;
        struct sysrec_ways *w;
        __u64 cgid, mask, *word, epoch = 0;
        __u32 slot, wi;
        int abi;

        if (flavour == FLAVOUR_RAW)
                cgid = bpf_get_current_cgroup_id();
        else {
                /* What bpf_get_current_cgroup_id() returns, with plain loads. */
                task = bpf_get_current_task_btf();
                cgid = task->cgroups->dfl_cgrp->kn->id;
        }
        if (!filter[filter_slot(cgid)])
                return 0;

        abi = syscall_abi(&id, task);
        if (id < 0 || id >= SYSREC_NR_MAX || abi < 0 || abi >= _SYSREC_ABI_MAX)
                return 0;

        if (flavour == FLAVOUR_BTF) {
                w = ways_of(cgid);
                if (!w)
                        return 0;
                rec = record_fast(w, cgid, &slot);
                if (rec) {
                        /* The common case: a native syscall the cgroup made before.
                         * Not for the syscalls whose arguments are recorded on every
                         * call, nor in a skip-runtime-setup cgroup, whose gate decides
                         * on every call. (Word and mask computed here, after the
                         * lookups, so that they need no stack slot across them.) */
                        wi = (id >> 6) & (SYSREC_NR_WORDS - 1);
                        mask = 1ULL << (id & 63);
                        if (abi == SYSREC_ABI_NATIVE && (rec->cg.bits[SYSREC_ABI_NATIVE][wi] & mask) &&
                            !(rec->cg.flags & SYSREC_CG_GATED) && !(argsys_bits[wi] & mask))
                                return 0;
                } else {
                        rec = record_of(cgid, &slot);
                        if (rec)
                                ways_insert(w, cgid, slot);
                }
        } else
                rec = record_of(cgid, &slot);
        if (!rec)
                return 0;
        cg = &rec->cg;
        wi = (id >> 6) & (SYSREC_NR_WORDS - 1);
        mask = 1ULL << (id & 63);

        if (cg->flags & SYSREC_CG_GATED) {
                enum gate_verdict v;

                /* The epoch the gate decides in (see gate_reopen()). Events carry
                 * it: user space drops those of a re-opened gate's earlier epoch. */
                gate = gate_of(slot, cgid);
                epoch = gate ? gate->epoch : 0;
                if (epoch & 1)
                        return 0;
                v = pass_gate(cg, gate, regs, abi, id);
                if (v == GATE_SHUT)
                        return 0;
                if (v == GATE_REOPENED)
                        epoch = gate ? gate->epoch : 0;
                else if (gate && gate->epoch != epoch)
                        return 0;
        }
        if (abi == SYSREC_ABI_NATIVE)
                record_args(cg, regs, id, atomic_fetch);

        /* Bounds again for the verifier, which can lose them across the gate. */
        barrier_var(abi);
        if (abi < 0 || abi >= _SYSREC_ABI_MAX)
                return 0;
        word = &cg->bits[abi][wi];
        if (*word & mask)
                return 0;

        if (atomic_fetch) {
                /* Exactly one CPU sees the bit flip and reports it. */
                if (__sync_fetch_and_or(word, mask) & mask)
                        return 0;
                if (gate && gate->epoch != epoch) {
                        /* The gate re-opened since it let this call in: take the
                         * bit back, it may have landed after the clear. */
                        __sync_fetch_and_and(word, ~mask);
                        return 0;
                }
        } else {
                /* No atomic fetch on this kernel: two CPUs racing on one word may lose
                 * a bit here, but each of them emits its event, and user space ORs
                 * the events into the profile (of the epoch they were decided in). */
                *word |= mask;
        }
        emit(SYSREC_EVENT_SYSCALL, cgid, epoch, cg->recording, abi, id);
        return 0;
}

/* Is the new cgroup armed, by parent id and name? */
static __always_inline struct sysrec_armed *lookup_armed(struct cgroup *cgrp, __u64 parent_id)
{
        struct sysrec_armed_key *key;
        __u32 zero = 0;

        key = bpf_map_lookup_elem(&scratch_key, &zero);
        if (!key)
                return NULL;
        __builtin_memset(key, 0, sizeof(*key));
        key->parent = parent_id;
        if (bpf_probe_read_kernel_str(key->name, sizeof(key->name), BPF_CORE_READ(cgrp, kn, name)) < 0)
                return NULL;
        return bpf_map_lookup_elem(&armed, key);
}

/* The cgroup_mkdir and cgroup_attach_task tracepoints fire for cgroup v1
 * hierarchies too. Each numbers its nodes on its own, so on a hybrid layout
 * their ids meet cgroup2's, the ids sys_enter looks up: only the unified
 * hierarchy (id 0) is ours. */
static __always_inline bool in_unified(struct cgroup *cgrp)
{
        return BPF_CORE_READ(cgrp, root, hierarchy_id) == 0;
}

static __always_inline int on_mkdir(struct cgroup *cgrp)
{
        struct sysrec_record *parent, *rec;
        struct sysrec_gate_state *gate;
        struct sysrec_armed *arm = NULL;
        __u32 recording, flags, slot;
        __u64 id, parent_id;
        int err;

        if (!in_unified(cgrp))
                return 0;
        id = BPF_CORE_READ(cgrp, kn, id);
        parent_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id);

        parent = record_of(parent_id, &slot);
        if (parent && (parent->cg.flags & SYSREC_CG_DESCENDANTS)) {
                recording = parent->cg.recording;
                flags = parent->cg.flags;
        } else {
                arm = lookup_armed(cgrp, parent_id);
                if (!arm)
                        return 0;
                recording = arm->recording;
                flags = arm->flags;
        }

        if (bpf_map_pop_elem(&free_slots, &slot) != 0)
                goto lost;
        rec = bpf_map_lookup_elem(&records, &slot);
        if (!rec)
                goto lost;
        /* The slot is ours alone until its record names the cgroup: a release
         * takes back only records that name one, and no hash entry leads here
         * yet. So a failed insert gives back a slot nobody else has seen. */
        __builtin_memset(&rec->cg, 0, sizeof(rec->cg));
        rec->cg.recording = recording;
        /* A new cgroup starts with its own closed gate: each container's
         * runtime set-up is skipped, not just the first one's. */
        rec->cg.flags = flags & (SYSREC_CG_DESCENDANTS | SYSREC_CG_GATED);
        rec->cg.parent = parent_id;
        gate = bpf_map_lookup_elem(&gates, &slot);
        if (gate) {
                gate->cgroup = id;
                gate->root = 0;
                gate->epoch = 0;
        }
        /* An int: before Linux 6.4 the map's update function, which the verifier
         * calls in place of the helper, returns one, and the upper half of the
         * register is not its sign (6.1 gives 0x00000000ffffffef for -EEXIST). */
        err = (int)bpf_map_update_elem(&cgroups, &id, &slot, BPF_NOEXIST);
        if (err != 0) {
                bpf_map_push_elem(&free_slots, &slot, 0);
                /* Tracked already: user space put the id in first (an id given
                 * from outside; a walk of the tree cannot, it sees no cgroup
                 * before this program has run). Nothing is lost. */
                if (err == -EEXIST)
                        return 0;
                goto lost; /* the map is full */
        }
        __sync_fetch_and_add(&filter[filter_slot(id)], 1);
        /* Published last. From here on a release takes the record back; one
         * whose pass ran before this store finds it in the pass after its wait
         * for running programs (release_all() in recorder.c). No task is in the
         * new cgroup yet to miss the record in between. */
        rec->cgroup = id;
        emit_cgroup(cgrp, id, parent_id, recording);
        return 0;

lost:
        /* No room for the new cgroup: say so, never silently. */
        __sync_fetch_and_add(&lost_cgroups, 1);
        emit(SYSREC_EVENT_LOST, id, parent_id, recording, 0, 0);
        return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
        return on_sys_enter(regs, id, FLAVOUR_BTF);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
        return on_sys_enter(regs, id, FLAVOUR_RAW);
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
        return on_mkdir(cgrp);
}

SEC("raw_tp/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir_raw, struct cgroup *cgrp, const char *path)
{
        return on_mkdir(cgrp);
}

/* Live progress counts processes: a new process (not a thread) forked in a
 * tracked cgroup, or a whole process moved into one (a container runtime's
 * init, a unit's main process, sysrecctl record's command). A hint like the
 * syscall events (its pid is the forking or moving task's); nothing in the
 * profile depends on it. */
static __always_inline int on_new_process(__u64 cgid)
{
        struct sysrec_record *rec;
        __u32 slot;

        if (!filter[filter_slot(cgid)])
                return 0;
        rec = record_of(cgid, &slot);
        if (rec)
                emit(SYSREC_EVENT_PROCESS, cgid, 0, rec->cg.recording, 0, 0);
        return 0;
}

static __always_inline int on_fork(struct task_struct *child)
{
        /* The child's own cgroup: clone3(CLONE_INTO_CGROUP) starts it elsewhere. */
        if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
                return 0;
        return on_new_process(BPF_CORE_READ(child, cgroups, dfl_cgrp, kn, id));
}

static __always_inline int on_attach(struct cgroup *dst, bool threadgroup)
{
        if (!threadgroup || !in_unified(dst))
                return 0;
        return on_new_process(BPF_CORE_READ(dst, kn, id));
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
        return on_fork(child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(process_fork_raw, struct task_struct *parent, struct task_struct *child)
{
        return on_fork(child);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup)
{
        return on_attach(dst, threadgroup);
}

SEC("raw_tp/cgroup_attach_task")
int BPF_PROG(cgroup_attach_raw, struct cgroup *dst, const char *path, struct task_struct *task,
             bool threadgroup)
{
        return on_attach(dst, threadgroup);
}
