// SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause)
/*
 * Design variants of sysrec's sys_enter hot path, for the benchmark's
 * analysis only (sysrec itself runs bpf/sysrec.bpf.c). Each program answers
 * "is this task's cgroup recorded, and is this syscall's bit set yet?" the
 * way one design would, and stops there: no events, so that the per-call
 * cost of the lookup itself is what the benchmark times and what bpf_stats
 * reports. The loader (bench-variants.c) tracks one cgroup in every map.
 *
 *   v_floor      return 0 (the floor, again, to compare run times in one object)
 *   v_lead       return 0, attached before sysrecd's program and every measured one
 *                for bpf_stats: on some machines the first program on the
 *                tracepoint runs markedly slower than the same code further
 *                down (measured: +90 ns on an AMD EPYC VM), so none of the
 *                measured bodies may be the first
 *   v_now        sysrec's lookup path up to map layout 2: helper cgroup id, .bss
 *                pre-filter, hash map lookup, ABI read through
 *                bpf_probe_read_kernel (BPF_CORE_READ); without its gate and
 *                argument checks. (bpf/sysrec.bpf.c today goes from the
 *                BTF cgroup id through the pre-filter to a 4-way bucket of
 *                (id, slot) pairs and the record in an ARRAY map: v_index
 *                with buckets instead of one index per pre-filter slot.)
 *   v_btfabi     v_now, but the ABI read as a plain load from the BTF task pointer
 *   v_storage    helper cgroup id, pre-filter, BPF_MAP_TYPE_CGRP_STORAGE, BTF ABI
 *   v_btf        cgroup and its id from the BTF task pointer (no helper call),
 *                pre-filter, CGRP_STORAGE of that cgroup, BTF ABI
 *   v_btf_hash   v_btf with the hash map instead of CGRP_STORAGE
 *   v_ways       sysrec's own path since the ways table, without its gate flag
 *                and argument-bitmap tests: BTF cgroup id, pre-filter, a 4-way
 *                bucket of (cgroup id, slot) in an ARRAY map, the record in
 *                another ARRAY map (both lookups inlined, no helper call but
 *                bpf_get_current_task_btf())
 *   v_index      BTF cgroup id; the pre-filter slot holds the index of the
 *                only tracked cgroup hashing there in an ARRAY map, whose
 *                lookups the verifier inlines (no helper call on either path);
 *                slots shared by several tracked cgroups fall back to the hash
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "sysrec-bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define X32_SYSCALL_BIT 0x40000000
#define X86_TS_COMPAT 0x0002
#define ARM64_TIF_32BIT 22

__u32 filter[SYSREC_FILTER_SIZE];

/* v_index: 0 = no tracked cgroup in this slot, FILTER_SHARED = more than one
 * (ask the hash map), otherwise 1 + the index of the only one in "slots". */
#define FILTER_SHARED 0xffffffffu
__u32 filter_index[SYSREC_FILTER_SIZE];

struct sysrec_slot {
        __u64 cgid;
        struct sysrec_cgroup cg;
};

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 16384);
        __type(key, __u32);
        __type(value, struct sysrec_slot);
} slots SEC(".maps");

/* v_ways: buckets of (cgroup id, slot in "slots"), as sysrecd's default size. */
#define V_WAYS_BITS 15
struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1u << V_WAYS_BITS);
        __type(key, __u32);
        __type(value, struct sysrec_ways);
} ways SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 16384); /* as sysrecd's default --max-cgroups */
        __type(key, __u64);
        __type(value, struct sysrec_cgroup);
} cgroups SEC(".maps");

/* BPF_MAP_TYPE_CGRP_STORAGE (Linux 6.2) by its UAPI value: a vmlinux.h of an
 * older kernel (Debian 12's arm64 one, for cross builds) lacks the name. */
#define MAP_TYPE_CGRP_STORAGE 32

struct {
        __uint(type, MAP_TYPE_CGRP_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct sysrec_cgroup);
} cgstore SEC(".maps");

static __always_inline __u32 filter_slot(__u64 id)
{
        return (__u32)((id * 0x9E3779B97F4A7C15ULL) >> (64 - SYSREC_FILTER_BITS));
}

static __always_inline int abi_probe_read(long *nr)
{
#if defined(__TARGET_ARCH_x86)
        struct task_struct *task = (struct task_struct *)bpf_get_current_task();

        if (*nr & X32_SYSCALL_BIT) {
                *nr &= ~X32_SYSCALL_BIT;
                return SYSREC_ABI_X32;
        }
        if (BPF_CORE_READ(task, thread_info.status) & X86_TS_COMPAT)
                return SYSREC_ABI_COMPAT;
#elif defined(__TARGET_ARCH_arm64)
        struct task_struct *task = (struct task_struct *)bpf_get_current_task();

        if (BPF_CORE_READ(task, thread_info.flags) & (1UL << ARM64_TIF_32BIT))
                return SYSREC_ABI_COMPAT;
#endif
        return SYSREC_ABI_NATIVE;
}

static __always_inline int abi_btf(struct task_struct *task, long *nr)
{
#if defined(__TARGET_ARCH_x86)
        if (*nr & X32_SYSCALL_BIT) {
                *nr &= ~X32_SYSCALL_BIT;
                return SYSREC_ABI_X32;
        }
        if (task->thread_info.status & X86_TS_COMPAT)
                return SYSREC_ABI_COMPAT;
#elif defined(__TARGET_ARCH_arm64)
        if (task->thread_info.flags & (1UL << ARM64_TIF_32BIT))
                return SYSREC_ABI_COMPAT;
#endif
        return SYSREC_ABI_NATIVE;
}

/* The part every design shares once it has the cgroup's bitmap. */
static __always_inline int set_bit(struct sysrec_cgroup *cg, int abi, long id)
{
        __u64 mask, *word;

        if (id < 0 || id >= SYSREC_NR_MAX || abi < 0 || abi >= _SYSREC_ABI_MAX)
                return 0;
        mask = 1ULL << (id & 63);
        word = &cg->bits[abi][(id >> 6) & (SYSREC_NR_WORDS - 1)];
        if (*word & mask)
                return 0;
        __sync_fetch_and_or(word, mask);
        return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_floor, struct pt_regs *regs, long id)
{
        return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_lead, struct pt_regs *regs, long id)
{
        return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_now, struct pt_regs *regs, long id)
{
        struct sysrec_cgroup *cg;
        __u64 cgid = bpf_get_current_cgroup_id();
        int abi;

        if (!filter[filter_slot(cgid)])
                return 0;
        cg = bpf_map_lookup_elem(&cgroups, &cgid);
        if (!cg)
                return 0;
        abi = abi_probe_read(&id);
        return set_bit(cg, abi, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_btfabi, struct pt_regs *regs, long id)
{
        struct sysrec_cgroup *cg;
        __u64 cgid = bpf_get_current_cgroup_id();
        int abi;

        if (!filter[filter_slot(cgid)])
                return 0;
        cg = bpf_map_lookup_elem(&cgroups, &cgid);
        if (!cg)
                return 0;
        abi = abi_btf(bpf_get_current_task_btf(), &id);
        return set_bit(cg, abi, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_storage, struct pt_regs *regs, long id)
{
        struct task_struct *task;
        struct sysrec_cgroup *cg;
        __u64 cgid = bpf_get_current_cgroup_id();
        int abi;

        if (!filter[filter_slot(cgid)])
                return 0;
        task = bpf_get_current_task_btf();
        cg = bpf_cgrp_storage_get(&cgstore, task->cgroups->dfl_cgrp, NULL, 0);
        if (!cg)
                return 0;
        abi = abi_btf(task, &id);
        return set_bit(cg, abi, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_btf, struct pt_regs *regs, long id)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct cgroup *cgrp = task->cgroups->dfl_cgrp;
        struct sysrec_cgroup *cg;
        int abi;

        if (!filter[filter_slot(cgrp->kn->id)])
                return 0;
        cg = bpf_cgrp_storage_get(&cgstore, cgrp, NULL, 0);
        if (!cg)
                return 0;
        abi = abi_btf(task, &id);
        return set_bit(cg, abi, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_btf_hash, struct pt_regs *regs, long id)
{
        struct task_struct *task = bpf_get_current_task_btf();
        struct sysrec_cgroup *cg;
        __u64 cgid = task->cgroups->dfl_cgrp->kn->id;
        int abi;

        if (!filter[filter_slot(cgid)])
                return 0;
        cg = bpf_map_lookup_elem(&cgroups, &cgid);
        if (!cg)
                return 0;
        abi = abi_btf(task, &id);
        return set_bit(cg, abi, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_ways, struct pt_regs *regs, long id)
{
        struct task_struct *task = bpf_get_current_task_btf();
        __u64 cgid = task->cgroups->dfl_cgrp->kn->id;
        __u64 h = cgid * 0x9E3779B97F4A7C15ULL;
        struct sysrec_slot *rec = NULL;
        struct sysrec_ways *w;
        __u32 b;
        int abi;

        if (!filter[h >> (64 - SYSREC_FILTER_BITS)])
                return 0;
        abi = abi_btf(task, &id);
        b = (__u32)(h >> (64 - V_WAYS_BITS));
        w = bpf_map_lookup_elem(&ways, &b);
        if (!w)
                return 0;
#pragma unroll
        for (int i = 0; i < SYSREC_WAYS; i++)
                if (w->cgroup[i] == cgid) {
                        rec = bpf_map_lookup_elem(&slots, &w->slot[i]);
                        break;
                }
        if (!rec || rec->cgid != cgid)
                return 0;
        return set_bit(&rec->cg, abi, id);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(v_index, struct pt_regs *regs, long id)
{
        struct task_struct *task = bpf_get_current_task_btf();
        __u64 cgid = task->cgroups->dfl_cgrp->kn->id;
        __u32 e = filter_index[filter_slot(cgid)];
        struct sysrec_cgroup *cg;

        if (!e)
                return 0;
        if (e == FILTER_SHARED) {
                cg = bpf_map_lookup_elem(&cgroups, &cgid);
        } else {
                __u32 i = e - 1;
                struct sysrec_slot *slot = bpf_map_lookup_elem(&slots, &i);

                if (!slot || slot->cgid != cgid)
                        return 0;
                cg = &slot->cg;
        }
        if (!cg)
                return 0;
        return set_bit(cg, abi_btf(task, &id), id);
}
