/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Profile import: read an OCI seccomp profile (JSON, as runc, crun, podman and
 * sysrec's "oci" format have it) or a SeccompProfile resource (YAML, sysrec's
 * "spo" format) back into a SyscallSet with its recorded arguments.
 *
 * Both are validated field by field; an error names the field (e.g.
 * "spec.syscalls[2].args[0].op") and the offending value. The model is an
 * allow list, so:
 *   - defaultAction must deny (SCMP_ACT_ERRNO, _KILL*, _TRAP);
 *   - SCMP_ACT_ALLOW / SCMP_ACT_LOG rules are what is allowed, other rules
 *     deny and are skipped, except clone3 failing with ENOSYS (sysrec's and
 *     Docker's way of sending the C library to clone), read as clone3 allowed;
 *   - names are given to every ABI of "architectures" they exist on ("@nr"
 *     to all of them); a name that exists on none is an error;
 *   - argument rules of the shapes profile-rules.h writes (clone, unshare:
 *     arg0 MASKED_EQ; socket, personality: arg0 EQ) become recorded
 *     arguments of the native ABI; any other argument rule allows its
 *     syscall unrestricted (the union never denies what an input allowed).
 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "profile.h"
#include "syscall-set.h"

/* Files larger than this are refused with -EFBIG. */
#define PROFILE_IMPORT_SIZE_MAX (16u * 1024 * 1024)

/* text need not be NUL-terminated. On failure *ret_error (if not NULL) gets a
 * message naming the field and value: -EBADMSG (not JSON/YAML), -EINVAL (a
 * field has a wrong type or value), -EOPNOTSUPP (valid, but not an allow
 * list sysrec can represent), -ENOENT (unknown syscall name).
 * ret_format: PROFILE_OCI or PROFILE_SPO. */
int profile_import(const char *text, size_t size, SyscallSet *ret, ProfileFormat *ret_format, char **ret_error);
/* Same for a file ("-" is stdin); errors of reading it are in *ret_error too. */
int profile_import_file(const char *path, SyscallSet *ret, ProfileFormat *ret_format, char **ret_error);

/* profile-import-yaml.c: one YAML document as a json-c tree. */
int yaml_to_json(const char *text, size_t size, json_object **ret, char **ret_error);
