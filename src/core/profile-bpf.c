/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "bpf" format: the profile compiled by libseccomp into the classic BPF
 * program the kernel runs, as bubblewrap (--seccomp FD) and
 * prctl(PR_SET_SECCOMP) take it. Built from the same rule list as the OCI
 * profile, the way runc builds its filter from that profile, so both enforce
 * the same thing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "profile-rules.h"
#include "profile.h"

static int rule_to_filter(scmp_filter_ctx ctx, const ProfileRule *rule)
{
        uint32_t action = rule->errno_ret ? SCMP_ACT_ERRNO((uint32_t)rule->errno_ret) : SCMP_ACT_ALLOW;

        for (char **n = rule->names; *n; n++) {
                int nr = seccomp_syscall_resolve_name(*n), r;

                if (nr == __NR_SCMP_ERROR)
                        continue;
                if (rule->has_arg)
                        r = seccomp_rule_add(ctx, action, nr, 1,
                                             SCMP_CMP(rule->arg.index, rule->arg.op, rule->arg.value,
                                                      rule->arg.value_two));
                else
                        r = seccomp_rule_add(ctx, action, nr, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int profile_rules_to_filter(const ProfileRules *rules, uint32_t default_action, scmp_filter_ctx *ret)
{
        _cleanup_seccomp_ scmp_filter_ctx ctx = seccomp_init(default_action);
        int r;

        if (!ctx)
                return -ENOMEM;
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                if (!(rules->abis & (1u << abi)) || abi == SYSREC_ABI_NATIVE)
                        continue;
                r = seccomp_arch_add(ctx, abi_to_scmp_arch(abi));
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        for (size_t i = 0; i < rules->n_rules; i++) {
                r = rule_to_filter(ctx, &rules->rules[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(ctx);
        return 0;
}

int profile_build_bpf(const SyscallSet *s, const ProfileOptions *o, void **ret, size_t *ret_size)
{
        _cleanup_(profile_rules_done) ProfileRules rules = {};
        _cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        ssize_t n;
        int r;

        r = profile_rules_build(s, o->arguments, &rules);
        if (r < 0)
                return r;
        r = profile_rules_to_filter(&rules, SCMP_ACT_ERRNO(EPERM), &ctx);
        if (r < 0)
                return r;
        fd = memfd_create("sysrec-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_size <= 0 || st.st_size % 8 != 0)
                return -EIO; /* not a whole number of struct sock_filter */
        buf = malloc((size_t)st.st_size);
        if (!buf)
                return -ENOMEM;
        n = pread(fd, buf, (size_t)st.st_size, 0);
        if (n < 0)
                return negative_errno();
        if (n != st.st_size)
                return -EIO;
        *ret = TAKE_PTR(buf);
        *ret_size = (size_t)n;
        return 0;
}
