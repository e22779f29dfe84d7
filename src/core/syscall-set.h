/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A set of syscalls per ABI, the same bitmap layout the BPF program fills in,
 * and the naming of ABIs and syscall numbers through libseccomp.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sysrec-bpf.h"

typedef struct SyscallSet {
        __u64 bits[_SYSREC_ABI_MAX][SYSREC_NR_WORDS];
        /* Risk-deciding arguments of the native ABI (see struct sysrec_args;
         * personality values are stored +1, 0 = empty). */
        struct sysrec_args args;
} SyscallSet;

void syscall_set_add(SyscallSet *s, unsigned abi, unsigned nr);
bool syscall_set_contains(const SyscallSet *s, unsigned abi, unsigned nr);
void syscall_set_merge(SyscallSet *dst, const SyscallSet *src);
void syscall_set_merge_bits(SyscallSet *dst, const __u64 bits[_SYSREC_ABI_MAX][SYSREC_NR_WORDS]);
/* OR recorded arguments into dst (personality values as a set). */
void syscall_set_merge_args(SyscallSet *dst, const struct sysrec_args *a);
unsigned syscall_set_count(const SyscallSet *s);
unsigned syscall_set_count_abi(const SyscallSet *s, unsigned abi);

/* ABI slot <-> libseccomp names ("x86_64", "x86", "x32", "aarch64", "arm"),
 * OCI names ("SCMP_ARCH_X86_64"), systemd names ("native", "x86"). Slots the
 * build architecture does not have return NULL / -EINVAL. */
const char *abi_to_string(unsigned abi);
int abi_from_string(const char *s);
const char *abi_to_oci(unsigned abi);
int abi_from_oci(const char *s);
const char *abi_to_systemd(unsigned abi);
uint32_t abi_to_scmp_arch(unsigned abi);

/* Name of syscall nr (a bitmap index) of an ABI, malloc()ed; NULL if
 * libseccomp does not know it (the caller then uses the number). */
char *abi_syscall_name(unsigned abi, unsigned nr);
/* Bitmap index of a syscall name for an ABI, or -ENOENT. */
int abi_syscall_number(unsigned abi, const char *name);

/* Sorted, NULL-terminated list of the names recorded for one ABI. Numbers
 * libseccomp cannot name are given as "@nr" so nothing recorded disappears. */
int syscall_set_names(const SyscallSet *s, unsigned abi, char ***ret);
/* Sorted union of the names over every ABI. */
int syscall_set_names_union(const SyscallSet *s, char ***ret);
