/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding and reading base profiles by name; see base-profile.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base-profile.h"
#include "macro.h"
#include "names.h"
#include "profile-import.h"

#ifndef SYSREC_BASE_PROFILE_DIRS
#define SYSREC_BASE_PROFILE_DIRS "/etc/sysrec/base-profiles:/usr/share/sysrec/base-profiles"
#endif

/* A program run from the build tree it was built in (not installed) also finds the
 * tree's own data/base-profiles, after the installed directories. */
static bool running_from_build_tree(void)
{
#ifdef SYSREC_BUILD_ROOT
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        size_t l = strlen(SYSREC_BUILD_ROOT);

        if (n <= 0)
                return false;
        exe[n] = '\0';
        return strncmp(exe, SYSREC_BUILD_ROOT, l) == 0 && exe[l] == '/';
#else
        return false;
#endif
}

const char *base_profile_path(void)
{
        const char *e = getenv("SYSREC_BASE_PROFILE_PATH");

        if (e && *e)
                return e;
#ifdef SYSREC_SOURCE_BASE_PROFILES
        if (running_from_build_tree())
                return SYSREC_BASE_PROFILE_DIRS ":" SYSREC_SOURCE_BASE_PROFILES;
#endif
        return SYSREC_BASE_PROFILE_DIRS;
}

bool base_profile_name_is_valid(const char *name)
{
        return name && recording_name_is_valid(name);
}

/* The first DIR/NAME.json of the search path that exists. */
static int base_profile_find(const char *name, char **ret)
{
        const char *p = base_profile_path();

        while (*p) {
                size_t n = strcspn(p, ":");
                _cleanup_free_ char *path = NULL;

                /* Relative entries would depend on the caller's directory: skipped. */
                if (n > 0 && p[0] == '/') {
                        if (asprintf(&path, "%.*s/%s.json", (int)n, p, name) < 0)
                                return -ENOMEM;
                        if (access(path, F_OK) == 0) {
                                *ret = TAKE_PTR(path);
                                return 0;
                        }
                }
                p += n;
                if (*p == ':')
                        p++;
        }
        return -ENOENT;
}

int base_profile_load(const char *name, SyscallSet *ret, char **ret_path, char **ret_error)
{
        _cleanup_free_ char *path = NULL, *err = NULL;
        SyscallSet s = {};
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!base_profile_name_is_valid(name))
                return -EINVAL;
        r = base_profile_find(name, &path);
        if (r < 0)
                return r;
        r = profile_import_file(path, &s, NULL, &err);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s: %s", path, err ?: strerror(-r)) < 0)
                        *ret_error = NULL;
                return -EBADMSG;
        }
        *ret = s;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}
