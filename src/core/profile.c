/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See profile.h. JSON is produced with json-c, keys in a fixed order. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "profile.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

static const char *const format_names[_PROFILE_FORMAT_MAX] = {
        [PROFILE_OCI] = "oci",
        [PROFILE_SYSTEMD] = "systemd",
};

const char *profile_format_to_string(ProfileFormat f)
{
        if (f < 0 || f >= _PROFILE_FORMAT_MAX)
                return NULL;
        return format_names[f];
}

ProfileFormat profile_format_from_string(const char *s)
{
        for (int f = 0; f < _PROFILE_FORMAT_MAX; f++)
                if (s && strcmp(format_names[f], s) == 0)
                        return (ProfileFormat)f;
        return _PROFILE_FORMAT_INVALID;
}

static int json_add(json_object *o, const char *key, json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_append(json_object *a, json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_string_array(char **l, json_object **ret)
{
        _cleanup_json_ json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        for (char **i = l; i && *i; i++) {
                r = json_append(a, json_object_new_string(*i));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

/* Every ABI with at least one syscall; the native one always, so that an
 * empty recording still yields a profile a runtime accepts. */
static int oci_architectures(const SyscallSet *s, json_object **ret)
{
        _cleanup_json_ json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                if (!abi_to_oci(abi))
                        continue;
                if (abi != SYSREC_ABI_NATIVE && syscall_set_count_abi(s, abi) == 0)
                        continue;
                r = json_append(a, json_object_new_string(abi_to_oci(abi)));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

int profile_format_oci(const SyscallSet *s, char **ret)
{
        _cleanup_json_ json_object *root = json_object_new_object(), *syscalls = NULL,
                                   *rule = NULL, *names = NULL, *arches = NULL;
        _cleanup_strv_free_ char **l = NULL;
        const char *text;
        char *out;
        int r;

        if (!root)
                return -ENOMEM;

        r = syscall_set_names_union(s, &l);
        if (r < 0)
                return r;
        r = oci_architectures(s, &arches);
        if (r < 0)
                return r;

        r = json_add(root, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
        if (r >= 0)
                r = json_add(root, "defaultErrnoRet", json_object_new_int(1));
        if (r >= 0)
                r = json_add(root, "architectures", TAKE_PTR(arches));
        if (r < 0)
                return r;

        syscalls = json_object_new_array();
        if (!syscalls)
                return -ENOMEM;
        if (l[0]) {
                rule = json_object_new_object();
                if (!rule)
                        return -ENOMEM;
                r = json_string_array(l, &names);
                if (r >= 0)
                        r = json_add(rule, "names", TAKE_PTR(names));
                if (r >= 0)
                        r = json_add(rule, "action", json_object_new_string("SCMP_ACT_ALLOW"));
                if (r >= 0)
                        r = json_append(syscalls, TAKE_PTR(rule));
                if (r < 0)
                        return r;
        }
        r = json_add(root, "syscalls", TAKE_PTR(syscalls));
        if (r < 0)
                return r;

        text = json_object_to_json_string_ext(
                root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(&out, "%s\n", text) < 0)
                return -ENOMEM;
        *ret = out;
        return 0;
}

/* Append s to *buf (length *n) as a space-separated word, breaking lines of
 * "SystemCallFilter=" before they grow past ~100 columns. */
static int filter_lines(char **l, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        size_t col = 0;

        if (!f)
                return -ENOMEM;
        for (char **i = l; i && *i; i++) {
                if (col == 0)
                        col = (size_t)fprintf(f, "SystemCallFilter=%s", *i);
                else
                        col += (size_t)fprintf(f, " %s", *i);
                if (col > 90 || !i[1]) {
                        fputc('\n', f);
                        col = 0;
                }
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

int profile_format_systemd(const SyscallSet *s, const char *name, char **ret)
{
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *lines = NULL, *arches = NULL;
        size_t alen = 0;
        FILE *f;
        char *out;
        int r;

        r = syscall_set_names_union(s, &l);
        if (r < 0)
                return r;
        /* An empty allow list would mean "no filter" to systemd: deny all instead. */
        if (!l[0]) {
                lines = strdup("SystemCallFilter=~@default @known\n");
                r = lines ? 0 : -ENOMEM;
        } else
                r = filter_lines(l, &lines);
        if (r < 0)
                return r;

        f = open_memstream(&arches, &alen);
        if (!f)
                return -ENOMEM;
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                if (abi_to_systemd(abi) && (abi == SYSREC_ABI_NATIVE || syscall_set_count_abi(s, abi) > 0))
                        fprintf(f, "%s%s", abi == SYSREC_ABI_NATIVE ? "" : " ", abi_to_systemd(abi));
        if (fclose(f) != 0)
                return -ENOMEM;

        if (asprintf(&out,
                     "# Seccomp allow list recorded by sysrec%s%s%s.\n"
                     "[Service]\n"
                     "%s"
                     "SystemCallArchitectures=%s\n"
                     "SystemCallErrorNumber=EPERM\n",
                     name ? " (recording \"" : "", strempty(name), name ? "\")" : "", lines,
                     arches) < 0)
                return -ENOMEM;
        *ret = out;
        return 0;
}

int profile_format(const SyscallSet *s, ProfileFormat f, const char *name, char **ret)
{
        switch (f) {
        case PROFILE_OCI:
                return profile_format_oci(s, ret);
        case PROFILE_SYSTEMD:
                return profile_format_systemd(s, name, ret);
        default:
                return -EINVAL;
        }
}
