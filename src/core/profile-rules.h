/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rule list every seccomp format is rendered from (oci, spo, bpf, and the
 * filter of "sysrecctl verify"), and the meaning of the recorded arguments.
 *
 * Formats that name rules by syscall (OCI, SPO) cannot limit a rule to one
 * ABI: runc, crun and libseccomp apply each rule to every architecture of the
 * profile. So the allow list is the union of the names over the ABIs, and an
 * argument rule (the arguments are recorded for the native ABI only) is
 * emitted only for a syscall that was recorded natively and for no other ABI.
 * A syscall of those four that was also recorded for i386 or x32 is allowed
 * unrestricted: there is no argument information for those calls, and
 * restricting them with the native ones could deny what the workload did.
 *
 * With arguments, following Docker's default profile:
 *   clone    one rule, arg0 MASKED_EQ (every CLONE_NEW* flag not seen) == 0;
 *   unshare  the same;
 *   socket   one rule per family seen, arg0 EQ family; unrestricted if a
 *            family >= 64 was seen;
 *   personality  one rule per value seen, arg0 EQ value; unrestricted on
 *            overflow;
 *   clone3   its flags live in memory a filter cannot read, so when clone is
 *            restricted, clone3 fails with ENOSYS and the C library falls back
 *            to clone, whose flags the filter checks.
 * Rules are ordered: the plain allow list, then argument rules by name and
 * value, then errno rules.
 */
#pragma once

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "syscall-set.h"

/* CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|
 * CLONE_NEWNET|CLONE_NEWTIME: the flags the BPF program records. */
#define SYSREC_CLONE_NS_FLAGS UINT64_C(0x7E020080)

typedef struct ProfileArg {
        unsigned index;
        enum scmp_compare op;
        uint64_t value;     /* OCI "value", libseccomp datum_a (the mask of MASKED_EQ) */
        uint64_t value_two; /* OCI "valueTwo", libseccomp datum_b */
} ProfileArg;

typedef struct ProfileRule {
        char **names;  /* sorted, NULL-terminated */
        int errno_ret; /* 0: SCMP_ACT_ALLOW; > 0: SCMP_ACT_ERRNO(errno_ret) */
        bool has_arg;
        ProfileArg arg;
} ProfileRule;

typedef struct ProfileRules {
        unsigned abis; /* bit per ABI slot: the profile's architectures */
        ProfileRule *rules;
        size_t n_rules;
} ProfileRules;

int profile_rules_build(const SyscallSet *s, bool arguments, ProfileRules *ret);
void profile_rules_done(ProfileRules *r);

/* A libseccomp filter of the rules: default_action for every call no rule
 * matches, the rules' architectures, SCMP_ACT_ALLOW / SCMP_ACT_ERRNO rules.
 * Names libseccomp cannot resolve are skipped, as runc does. (profile-bpf.c) */
int profile_rules_to_filter(const ProfileRules *rules, uint32_t default_action, scmp_filter_ctx *ret);
DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)

/* "SCMP_CMP_EQ" ... for OCI and SPO. */
const char *scmp_compare_to_string(enum scmp_compare op);
int scmp_compare_from_string(const char *s);

/* Name of a syscall whose arguments are recorded (enum sysrec_argsys). */
const char *argsys_to_name(unsigned which);
int argsys_from_name(const char *name);

/* What the recorded arguments allow for one of those syscalls. */
typedef struct ArgAllow {
        bool any;      /* unrestricted */
        uint64_t bits; /* clone/unshare: CLONE_NEW* flags; socket: families < 64 */
        uint64_t values[SYSREC_PERSONALITY_MAX]; /* personality: sorted values */
        unsigned n_values;
} ArgAllow;

/* Meaningful when the syscall is recorded for the native ABI. */
void syscall_set_arg_allow(const SyscallSet *s, unsigned which, ArgAllow *ret);
bool arg_allow_equal(const ArgAllow *a, const ArgAllow *b);
/* Does a allow everything b allows? */
bool arg_allow_contains(const ArgAllow *a, const ArgAllow *b);
/* Human-readable: "any", "CLONE_NEWNET|CLONE_NEWNS", "AF_INET AF_UNIX", "0 8", "none". */
int arg_allow_describe(unsigned which, const ArgAllow *a, char **ret);
/* The part of a not in b, described the same way (for diffs). */
int arg_allow_describe_minus(unsigned which, const ArgAllow *a, const ArgAllow *b, char **ret);
