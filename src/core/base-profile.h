/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Base profiles: what a container runtime itself still calls after it has
 * installed the seccomp filter and before it executes the workload. A
 * profile recorded with skip-runtime-setup starts at that filter install, so
 * the runtime's own calls in between depend on timing (runc's Go runtime
 * wakes threads, handles preemption signals, grows its heap) and one
 * recording may not see them all. A base profile is an OCI profile unioned
 * into the recorded one, like the Security Profiles Operator's
 * baseProfileName.
 *
 * Base profiles are looked up by a plain name (never a path) as NAME.json in
 * the directories of $SYSREC_BASE_PROFILE_PATH (colon-separated) or, when it
 * is unset, /etc/sysrec/base-profiles (the administrator's) and then the
 * shipped $datadir/sysrec/base-profiles; the first match wins.
 */
#pragma once

#include "syscall-set.h"

/* The directories searched, in order, as a colon-separated list. */
const char *base_profile_path(void);

/* Same rule as recording names: [A-Za-z0-9][A-Za-z0-9._-]{0,249}. */
bool base_profile_name_is_valid(const char *name);

/* Find and read base profile NAME. Errors: -EINVAL (not a plain name),
 * -ENOENT (in none of the directories), -EBADMSG (the file cannot be read or
 * is not a valid OCI/SPO profile; *ret_error, if not NULL, names the file and
 * what is wrong). ret_path may be NULL. */
int base_profile_load(const char *name, SyscallSet *ret, char **ret_path, char **ret_error);
