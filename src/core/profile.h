/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Profile writers: turn a recorded SyscallSet into the text a consumer takes.
 * Output is sorted and byte-identical for the same set.
 */
#pragma once

#include "syscall-set.h"

typedef enum ProfileFormat {
        PROFILE_OCI,     /* runc/crun/podman linux.seccomp JSON */
        PROFILE_SYSTEMD, /* unit drop-in with SystemCallFilter= */
        _PROFILE_FORMAT_MAX,
        _PROFILE_FORMAT_INVALID = -EINVAL,
} ProfileFormat;

const char *profile_format_to_string(ProfileFormat f);
ProfileFormat profile_format_from_string(const char *s);

/* name is used for comments/metadata only (e.g. the recording's name). */
int profile_format(const SyscallSet *s, ProfileFormat f, const char *name, char **ret);
int profile_format_oci(const SyscallSet *s, char **ret);
int profile_format_systemd(const SyscallSet *s, const char *name, char **ret);
