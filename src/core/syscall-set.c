/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See syscall-set.h. */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscall-set.h"

#define X32_SYSCALL_BIT 0x40000000u

struct abi_info {
        const char *name;
        const char *oci;
        const char *systemd;
        uint32_t scmp_arch;
        uint32_t nr_offset;
};

#if defined(__x86_64__)
static const struct abi_info abis[_SYSREC_ABI_MAX] = {
        [SYSREC_ABI_NATIVE] = { "x86_64", "SCMP_ARCH_X86_64", "native", SCMP_ARCH_X86_64, 0 },
        [SYSREC_ABI_COMPAT] = { "x86", "SCMP_ARCH_X86", "x86", SCMP_ARCH_X86, 0 },
        [SYSREC_ABI_X32] = { "x32", "SCMP_ARCH_X32", "x32", SCMP_ARCH_X32, X32_SYSCALL_BIT },
};
#elif defined(__aarch64__)
static const struct abi_info abis[_SYSREC_ABI_MAX] = {
        [SYSREC_ABI_NATIVE] = { "aarch64", "SCMP_ARCH_AARCH64", "native", SCMP_ARCH_AARCH64, 0 },
        [SYSREC_ABI_COMPAT] = { "arm", "SCMP_ARCH_ARM", "arm", SCMP_ARCH_ARM, 0 },
};
#else
#error "sysrec knows the syscall ABIs of x86-64 and arm64 only"
#endif

void syscall_set_add(SyscallSet *s, unsigned abi, unsigned nr)
{
        if (abi >= _SYSREC_ABI_MAX || nr >= SYSREC_NR_MAX)
                return;
        s->bits[abi][nr / 64] |= UINT64_C(1) << (nr % 64);
}

bool syscall_set_contains(const SyscallSet *s, unsigned abi, unsigned nr)
{
        if (abi >= _SYSREC_ABI_MAX || nr >= SYSREC_NR_MAX)
                return false;
        return s->bits[abi][nr / 64] & (UINT64_C(1) << (nr % 64));
}

void syscall_set_merge_bits(SyscallSet *dst, const __u64 bits[_SYSREC_ABI_MAX][SYSREC_NR_WORDS])
{
        for (unsigned a = 0; a < _SYSREC_ABI_MAX; a++)
                for (unsigned w = 0; w < SYSREC_NR_WORDS; w++)
                        dst->bits[a][w] |= bits[a][w];
}

void syscall_set_merge_args(SyscallSet *dst, const struct sysrec_args *a)
{
        dst->args.clone_flags |= a->clone_flags;
        dst->args.unshare_flags |= a->unshare_flags;
        dst->args.socket_families |= a->socket_families;
        dst->args.socket_other |= a->socket_other;
        dst->args.personality_overflow |= a->personality_overflow;
        for (unsigned i = 0; i < SYSREC_PERSONALITY_MAX; i++) {
                unsigned j;

                if (a->personality[i] == 0)
                        continue;
                for (j = 0; j < SYSREC_PERSONALITY_MAX; j++)
                        if (dst->args.personality[j] == a->personality[i] || dst->args.personality[j] == 0)
                                break;
                if (j == SYSREC_PERSONALITY_MAX)
                        dst->args.personality_overflow = 1;
                else
                        dst->args.personality[j] = a->personality[i];
        }
}

void syscall_set_merge(SyscallSet *dst, const SyscallSet *src)
{
        syscall_set_merge_bits(dst, src->bits);
        syscall_set_merge_args(dst, &src->args);
}

unsigned syscall_set_count_abi(const SyscallSet *s, unsigned abi)
{
        unsigned n = 0;

        if (abi >= _SYSREC_ABI_MAX)
                return 0;
        for (unsigned w = 0; w < SYSREC_NR_WORDS; w++)
                n += (unsigned)__builtin_popcountll(s->bits[abi][w]);
        return n;
}

unsigned syscall_set_count(const SyscallSet *s)
{
        unsigned n = 0;

        for (unsigned a = 0; a < _SYSREC_ABI_MAX; a++)
                n += syscall_set_count_abi(s, a);
        return n;
}

static const struct abi_info *abi_get(unsigned abi)
{
        if (abi >= _SYSREC_ABI_MAX || !abis[abi].name)
                return NULL;
        return &abis[abi];
}

const char *abi_to_string(unsigned abi)
{
        const struct abi_info *i = abi_get(abi);
        return i ? i->name : NULL;
}

const char *abi_to_oci(unsigned abi)
{
        const struct abi_info *i = abi_get(abi);
        return i ? i->oci : NULL;
}

const char *abi_to_systemd(unsigned abi)
{
        const struct abi_info *i = abi_get(abi);
        return i ? i->systemd : NULL;
}

uint32_t abi_to_scmp_arch(unsigned abi)
{
        const struct abi_info *i = abi_get(abi);
        return i ? i->scmp_arch : 0;
}

int abi_from_string(const char *s)
{
        for (unsigned a = 0; a < _SYSREC_ABI_MAX; a++)
                if (abis[a].name && strcmp(abis[a].name, s) == 0)
                        return (int)a;
        return -EINVAL;
}

int abi_from_oci(const char *s)
{
        for (unsigned a = 0; a < _SYSREC_ABI_MAX; a++)
                if (abis[a].oci && strcmp(abis[a].oci, s) == 0)
                        return (int)a;
        return -EINVAL;
}

char *abi_syscall_name(unsigned abi, unsigned nr)
{
        const struct abi_info *i = abi_get(abi);

        if (!i || nr >= SYSREC_NR_MAX)
                return NULL;
        return seccomp_syscall_resolve_num_arch(i->scmp_arch, (int)(nr + i->nr_offset));
}

int abi_syscall_number(unsigned abi, const char *name)
{
        const struct abi_info *i = abi_get(abi);
        int nr;

        if (!i)
                return -EINVAL;
        nr = seccomp_syscall_resolve_name_arch(i->scmp_arch, name);
        if (nr == __NR_SCMP_ERROR)
                return -ENOENT;
        if (nr < 0) {
                /* libseccomp gives multiplexed i386 calls (socket, ipc, ...)
                 * negative pseudo-numbers; find the real one by name. */
                for (unsigned n = 0; n < SYSREC_NR_MAX; n++) {
                        char *s = abi_syscall_name(abi, n);
                        bool match = s && strcmp(s, name) == 0;

                        free(s);
                        if (match)
                                return (int)n;
                }
                return -ENOENT;
        }
        nr -= (int)i->nr_offset;
        if (nr < 0 || nr >= SYSREC_NR_MAX)
                return -ENOENT;
        return nr;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the names of one ABI to list (size *n), skipping names already there
 * when dedup is set. */
static int names_append(const SyscallSet *s, unsigned abi, char ***list, size_t *n)
{
        for (unsigned nr = 0; nr < SYSREC_NR_MAX; nr++) {
                char *name, **nl;

                if (!syscall_set_contains(s, abi, nr))
                        continue;
                name = abi_syscall_name(abi, nr);
                if (!name && asprintf(&name, "@%u", nr) < 0)
                        return -ENOMEM;
                if (!name)
                        return -ENOMEM;
                nl = realloc(*list, sizeof(char *) * (*n + 2));
                if (!nl) {
                        free(name);
                        return -ENOMEM;
                }
                *list = nl;
                nl[(*n)++] = name;
                nl[*n] = NULL;
        }
        return 0;
}

static void names_sort_unique(char **l, size_t *n)
{
        size_t j = 0;

        if (*n == 0)
                return;
        qsort(l, *n, sizeof(char *), cmp_str);
        for (size_t i = 1; i < *n; i++) {
                if (strcmp(l[i], l[j]) == 0)
                        free(l[i]);
                else
                        l[++j] = l[i];
        }
        *n = j + 1;
        l[*n] = NULL;
}

static int names_collect(const SyscallSet *s, unsigned abi_first, unsigned abi_end, char ***ret)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        int r;

        if (!l)
                return -ENOMEM;
        for (unsigned a = abi_first; a < abi_end; a++) {
                if (!abi_get(a))
                        continue;
                r = names_append(s, a, &l, &n);
                if (r < 0)
                        return r;
        }
        names_sort_unique(l, &n);
        *ret = TAKE_PTR(l);
        return 0;
}

int syscall_set_names(const SyscallSet *s, unsigned abi, char ***ret)
{
        if (abi >= _SYSREC_ABI_MAX)
                return -EINVAL;
        return names_collect(s, abi, abi + 1, ret);
}

int syscall_set_names_union(const SyscallSet *s, char ***ret)
{
        return names_collect(s, 0, _SYSREC_ABI_MAX, ret);
}
