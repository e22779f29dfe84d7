/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Profile writers: turn a recorded SyscallSet into what a consumer takes.
 * Output is sorted and byte-identical for the same set.
 *
 * Every format but systemd's is built from one rule list (profile-rules.h),
 * so runc, crun, podman, the Security Profiles Operator and bubblewrap
 * enforce the same thing for the same recording.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "syscall-set.h"

typedef enum ProfileFormat {
        PROFILE_OCI,     /* runc/crun/podman linux.seccomp JSON */
        PROFILE_SYSTEMD, /* unit drop-in with SystemCallFilter= */
        PROFILE_SPO,     /* SeccompProfile resource of the Security Profiles Operator (YAML) */
        PROFILE_BPF,     /* libseccomp-compiled classic BPF; as text: base64 */
        _PROFILE_FORMAT_MAX,
        _PROFILE_FORMAT_INVALID = -EINVAL,
} ProfileFormat;

typedef struct ProfileOptions {
        const char *name; /* comments/metadata (the recording's name); may be NULL */
        bool arguments;   /* emit argument rules for clone, unshare, socket, personality */
} ProfileOptions;

const char *profile_format_to_string(ProfileFormat f);
ProfileFormat profile_format_from_string(const char *s);
/* "oci, systemd, spo or bpf", for messages. */
const char *profile_format_list(void);
/* Formats whose text is binary data (bpf: the text form is base64). */
bool profile_format_is_binary(ProfileFormat f);

/* The profile as text. PROFILE_BPF gives the program base64-encoded. */
int profile_format_full(const SyscallSet *s, ProfileFormat f, const ProfileOptions *o, char **ret);
/* Same with arguments=true; name is used for comments/metadata only. */
int profile_format(const SyscallSet *s, ProfileFormat f, const char *name, char **ret);
int profile_format_oci(const SyscallSet *s, char **ret);
int profile_format_systemd(const SyscallSet *s, const char *name, char **ret);

/* Writers of one format (o may not be NULL). */
int profile_format_oci_full(const SyscallSet *s, const ProfileOptions *o, char **ret);
int profile_format_spo(const SyscallSet *s, const ProfileOptions *o, char **ret);
/* The raw program (struct sock_filter array, host byte order) as bwrap
 * --seccomp and prctl(PR_SET_SECCOMP) take it. */
int profile_build_bpf(const SyscallSet *s, const ProfileOptions *o, void **ret, size_t *ret_size);
