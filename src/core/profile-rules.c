/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See profile-rules.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "profile-rules.h"

static const char *const argsys_names[_SYSREC_ARGSYS_MAX] = {
        [SYSREC_ARGSYS_CLONE] = "clone",
        [SYSREC_ARGSYS_UNSHARE] = "unshare",
        [SYSREC_ARGSYS_SOCKET] = "socket",
        [SYSREC_ARGSYS_PERSONALITY] = "personality",
};

const char *argsys_to_name(unsigned which)
{
        return which < _SYSREC_ARGSYS_MAX ? argsys_names[which] : NULL;
}

int argsys_from_name(const char *name)
{
        for (unsigned i = 0; i < _SYSREC_ARGSYS_MAX; i++)
                if (strcmp(argsys_names[i], name) == 0)
                        return (int)i;
        return -ENOENT;
}

static const char *const compare_names[_SCMP_CMP_MAX] = {
        [SCMP_CMP_NE] = "SCMP_CMP_NE", [SCMP_CMP_LT] = "SCMP_CMP_LT",
        [SCMP_CMP_LE] = "SCMP_CMP_LE", [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
        [SCMP_CMP_GE] = "SCMP_CMP_GE", [SCMP_CMP_GT] = "SCMP_CMP_GT",
        [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *scmp_compare_to_string(enum scmp_compare op)
{
        return op > _SCMP_CMP_MIN && op < _SCMP_CMP_MAX ? compare_names[op] : NULL;
}

int scmp_compare_from_string(const char *s)
{
        for (int op = _SCMP_CMP_MIN + 1; op < _SCMP_CMP_MAX; op++)
                if (compare_names[op] && strcmp(compare_names[op], s) == 0)
                        return op;
        return -EINVAL;
}

static bool recorded_for(const SyscallSet *s, unsigned abi, const char *name)
{
        int nr = abi_syscall_number(abi, name);
        return nr >= 0 && syscall_set_contains(s, abi, (unsigned)nr);
}

static bool recorded_native(const SyscallSet *s, const char *name)
{
        return recorded_for(s, SYSREC_ABI_NATIVE, name);
}

static bool recorded_other(const SyscallSet *s, const char *name)
{
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                if (abi != SYSREC_ABI_NATIVE && abi_to_string(abi) && recorded_for(s, abi, name))
                        return true;
        return false;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

void syscall_set_arg_allow(const SyscallSet *s, unsigned which, ArgAllow *ret)
{
        const struct sysrec_args *a = &s->args;
        ArgAllow r = {};

        switch (which) {
        case SYSREC_ARGSYS_CLONE:
        case SYSREC_ARGSYS_UNSHARE:
                r.bits = (which == SYSREC_ARGSYS_CLONE ? a->clone_flags : a->unshare_flags) &
                         SYSREC_CLONE_NS_FLAGS;
                r.any = r.bits == SYSREC_CLONE_NS_FLAGS;
                break;
        case SYSREC_ARGSYS_SOCKET:
                /* No family at all means no argument information (not "no family"):
                 * a recorded socket() always has one. */
                r.bits = a->socket_families;
                r.any = a->socket_other || r.bits == 0;
                break;
        case SYSREC_ARGSYS_PERSONALITY:
                for (unsigned i = 0; i < SYSREC_PERSONALITY_MAX; i++) {
                        bool dup = false;

                        if (a->personality[i] == 0)
                                continue;
                        for (unsigned j = 0; j < r.n_values; j++)
                                dup = dup || r.values[j] == a->personality[i] - 1;
                        if (!dup)
                                r.values[r.n_values++] = a->personality[i] - 1;
                }
                qsort(r.values, r.n_values, sizeof(uint64_t), cmp_u64);
                r.any = a->personality_overflow || r.n_values == 0;
                break;
        default:
                r.any = true;
        }
        if (r.any)
                r = (ArgAllow){ .any = true };
        *ret = r;
}

bool arg_allow_equal(const ArgAllow *a, const ArgAllow *b)
{
        return arg_allow_contains(a, b) && arg_allow_contains(b, a);
}

bool arg_allow_contains(const ArgAllow *a, const ArgAllow *b)
{
        if (a->any)
                return true;
        if (b->any)
                return false;
        if ((a->bits & b->bits) != b->bits)
                return false;
        for (unsigned i = 0; i < b->n_values; i++) {
                bool found = false;
                for (unsigned j = 0; j < a->n_values; j++)
                        found = found || a->values[j] == b->values[i];
                if (!found)
                        return false;
        }
        return true;
}

static const struct {
        uint64_t flag;
        const char *name;
} clone_flag_names[] = {
        { 0x00000080, "CLONE_NEWTIME" },   { 0x00020000, "CLONE_NEWNS" },
        { 0x02000000, "CLONE_NEWCGROUP" }, { 0x04000000, "CLONE_NEWUTS" },
        { 0x08000000, "CLONE_NEWIPC" },    { 0x10000000, "CLONE_NEWUSER" },
        { 0x20000000, "CLONE_NEWPID" },    { 0x40000000, "CLONE_NEWNET" },
};

static const char *const family_names[64] = {
        [1] = "AF_UNIX",      [2] = "AF_INET",       [3] = "AF_AX25",    [4] = "AF_IPX",
        [5] = "AF_APPLETALK", [9] = "AF_X25",        [10] = "AF_INET6",  [15] = "AF_KEY",
        [16] = "AF_NETLINK",  [17] = "AF_PACKET",    [29] = "AF_CAN",    [30] = "AF_TIPC",
        [31] = "AF_BLUETOOTH", [38] = "AF_ALG",      [40] = "AF_VSOCK",  [44] = "AF_XDP",
        [45] = "AF_MCTP",
};

/* Describe the flags/families/values of a that b lacks (b NULL: all of a). */
static int describe(unsigned which, const ArgAllow *a, const ArgAllow *b, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        bool first = true;

        if (!f)
                return -ENOMEM;
        if (a->any && !(b && b->any))
                fputs("any", f), first = false;
        else if (!a->any && (which == SYSREC_ARGSYS_CLONE || which == SYSREC_ARGSYS_UNSHARE)) {
                for (size_t i = 0; i < ELEMENTSOF(clone_flag_names); i++) {
                        uint64_t fl = clone_flag_names[i].flag;
                        if (!(a->bits & fl) || (b && (b->any || (b->bits & fl))))
                                continue;
                        fprintf(f, "%s%s", first ? "" : "|", clone_flag_names[i].name);
                        first = false;
                }
        } else if (!a->any && which == SYSREC_ARGSYS_SOCKET) {
                for (unsigned fam = 0; fam < 64; fam++) {
                        if (!(a->bits & (UINT64_C(1) << fam)) || (b && (b->any || (b->bits & (UINT64_C(1) << fam)))))
                                continue;
                        if (family_names[fam])
                                fprintf(f, "%s%s", first ? "" : " ", family_names[fam]);
                        else
                                fprintf(f, "%s%u", first ? "" : " ", fam);
                        first = false;
                }
        } else if (!a->any) {
                for (unsigned i = 0; i < a->n_values; i++) {
                        bool in_b = b && b->any;
                        for (unsigned j = 0; b && j < b->n_values; j++)
                                in_b = in_b || b->values[j] == a->values[i];
                        if (in_b)
                                continue;
                        fprintf(f, "%s0x%" PRIx64, first ? "" : " ", a->values[i]);
                        first = false;
                }
        }
        if (first && !b)
                fputs(which == SYSREC_ARGSYS_CLONE || which == SYSREC_ARGSYS_UNSHARE ? "no namespace" : "none", f);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int arg_allow_describe(unsigned which, const ArgAllow *a, char **ret)
{
        return describe(which, a, NULL, ret);
}

int arg_allow_describe_minus(unsigned which, const ArgAllow *a, const ArgAllow *b, char **ret)
{
        return describe(which, a, b, ret);
}

void profile_rules_done(ProfileRules *r)
{
        for (size_t i = 0; i < r->n_rules; i++)
                strv_free(r->rules[i].names);
        free(r->rules);
        *r = (ProfileRules){};
}

static int strv_one(const char *s, char ***ret)
{
        char **l = calloc(2, sizeof(char *));

        if (!l)
                return -ENOMEM;
        l[0] = strdup(s);
        if (!l[0]) {
                free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

static int rules_add(ProfileRules *r, const char *name, int errno_ret, const ProfileArg *arg)
{
        ProfileRule *n = realloc(r->rules, sizeof(ProfileRule) * (r->n_rules + 1)), *rule;
        int k;

        if (!n)
                return -ENOMEM;
        r->rules = n;
        rule = &n[r->n_rules];
        *rule = (ProfileRule){ .errno_ret = errno_ret, .has_arg = !!arg };
        if (arg)
                rule->arg = *arg;
        k = strv_one(name, &rule->names);
        if (k < 0)
                return k;
        r->n_rules++;
        return 0;
}

static int add_arg_rules(ProfileRules *r, unsigned which, const ArgAllow *allow)
{
        const char *name = argsys_to_name(which);
        ProfileArg arg = { .index = 0, .op = SCMP_CMP_EQ };
        int k = 0;

        switch (which) {
        case SYSREC_ARGSYS_CLONE:
        case SYSREC_ARGSYS_UNSHARE:
                arg.op = SCMP_CMP_MASKED_EQ;
                arg.value = SYSREC_CLONE_NS_FLAGS & ~allow->bits;
                return rules_add(r, name, 0, &arg);
        case SYSREC_ARGSYS_SOCKET:
                for (unsigned fam = 0; k >= 0 && fam < 64; fam++)
                        if (allow->bits & (UINT64_C(1) << fam)) {
                                arg.value = fam;
                                k = rules_add(r, name, 0, &arg);
                        }
                return k;
        case SYSREC_ARGSYS_PERSONALITY:
                for (unsigned i = 0; k >= 0 && i < allow->n_values; i++) {
                        arg.value = allow->values[i];
                        k = rules_add(r, name, 0, &arg);
                }
                return k;
        default:
                return -EINVAL;
        }
}

/* Plain allow list first, then argument rules by name and value, then errno rules. */
static int rule_order(const void *x, const void *y)
{
        const ProfileRule *a = x, *b = y;
        int k;

        if ((a->errno_ret != 0) != (b->errno_ret != 0))
                return a->errno_ret ? 1 : -1;
        if (a->has_arg != b->has_arg)
                return a->has_arg ? 1 : -1;
        k = strcmp(a->names[0], b->names[0]);
        if (k != 0)
                return k;
        if (a->arg.value != b->arg.value)
                return a->arg.value < b->arg.value ? -1 : 1;
        return a->arg.value_two < b->arg.value_two ? -1 : a->arg.value_two > b->arg.value_two;
}

/* Restrict this argument syscall? Only when recorded natively and for no other ABI. */
static bool restrictable(const SyscallSet *s, unsigned which, ArgAllow *ret_allow)
{
        const char *name = argsys_to_name(which);

        syscall_set_arg_allow(s, which, ret_allow);
        return !recorded_other(s, name) && !ret_allow->any;
}

int profile_rules_build(const SyscallSet *s, bool arguments, ProfileRules *ret)
{
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_strv_free_ char **plain = NULL;
        ProfileRules r = {};
        ArgAllow clone_allow;
        bool clone3_nosys = false, clone_restricted = false;
        size_t n_plain = 0;
        int k;

        k = syscall_set_names_union(s, &names);
        if (k < 0)
                return k;
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                if (abi_to_string(abi) && (abi == SYSREC_ABI_NATIVE || syscall_set_count_abi(s, abi) > 0))
                        r.abis |= 1u << abi;

        if (arguments && restrictable(s, SYSREC_ARGSYS_CLONE, &clone_allow)) {
                clone3_nosys = recorded_native(s, "clone3") && !recorded_other(s, "clone3");
                clone_restricted = recorded_native(s, "clone") || clone3_nosys;
        }

        plain = calloc(1, sizeof(char *));
        if (!plain)
                goto oom;
        for (char **i = names; *i; i++) {
                int which = argsys_from_name(*i);
                ArgAllow allow;
                char **np;

                if (which == SYSREC_ARGSYS_CLONE && clone_restricted)
                        continue; /* below */
                if (arguments && which >= 0 && recorded_native(s, *i) && restrictable(s, (unsigned)which, &allow)) {
                        k = add_arg_rules(&r, (unsigned)which, &allow);
                        if (k < 0)
                                goto fail;
                        continue;
                }
                if (clone3_nosys && strcmp(*i, "clone3") == 0) {
                        k = rules_add(&r, *i, ENOSYS, NULL);
                        if (k < 0)
                                goto fail;
                        continue;
                }
                np = realloc(plain, sizeof(char *) * (n_plain + 2));
                if (!np)
                        goto oom;
                plain = np;
                plain[n_plain] = strdup(*i);
                if (!plain[n_plain])
                        goto oom;
                plain[++n_plain] = NULL;
        }
        if (clone_restricted) {
                k = add_arg_rules(&r, SYSREC_ARGSYS_CLONE, &clone_allow);
                if (k < 0)
                        goto fail;
        }
        if (n_plain > 0) {
                ProfileRule *nr = realloc(r.rules, sizeof(ProfileRule) * (r.n_rules + 1));
                if (!nr)
                        goto oom;
                r.rules = nr;
                r.rules[r.n_rules++] = (ProfileRule){ .names = TAKE_PTR(plain) };
        }
        if (r.n_rules > 0)
                qsort(r.rules, r.n_rules, sizeof(ProfileRule), rule_order);
        *ret = r;
        return 0;
oom:
        k = -ENOMEM;
fail:
        profile_rules_done(&r);
        return k;
}
