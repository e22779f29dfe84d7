/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * See profile.h. The OCI and systemd writers and the format table; JSON is
 * produced with json-c, keys in a fixed order. SPO: profile-spo.c, BPF:
 * profile-bpf.c.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "macro.h"
#include "profile-rules.h"
#include "profile.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

static const char *const format_names[_PROFILE_FORMAT_MAX] = {
        [PROFILE_OCI] = "oci",
        [PROFILE_SYSTEMD] = "systemd",
        [PROFILE_SPO] = "spo",
        [PROFILE_BPF] = "bpf",
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
                if (s && format_names[f] && strcmp(format_names[f], s) == 0)
                        return (ProfileFormat)f;
        return _PROFILE_FORMAT_INVALID;
}

const char *profile_format_list(void)
{
        return "oci, systemd, spo or bpf";
}

bool profile_format_is_binary(ProfileFormat f)
{
        return f == PROFILE_BPF;
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

static int oci_architectures(unsigned abis, json_object **ret)
{
        _cleanup_json_ json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                if (!(abis & (1u << abi)))
                        continue;
                r = json_append(a, json_object_new_string(abi_to_oci(abi)));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int oci_arg(const ProfileArg *arg, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add(o, "index", json_object_new_int64(arg->index));
        if (r >= 0)
                r = json_add(o, "value", json_object_new_int64((int64_t)arg->value));
        if (r >= 0)
                r = json_add(o, "valueTwo", json_object_new_int64((int64_t)arg->value_two));
        if (r >= 0)
                r = json_add(o, "op", json_object_new_string(scmp_compare_to_string(arg->op)));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int oci_rule(const ProfileRule *rule, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *names = NULL, *args = NULL, *arg = NULL;
        int r;

        if (!o)
                return -ENOMEM;
        r = json_string_array(rule->names, &names);
        if (r >= 0)
                r = json_add(o, "names", TAKE_PTR(names));
        if (r >= 0)
                r = json_add(o, "action", json_object_new_string(rule->errno_ret ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW"));
        if (r >= 0 && rule->errno_ret)
                r = json_add(o, "errnoRet", json_object_new_int(rule->errno_ret));
        if (r >= 0 && rule->has_arg) {
                args = json_object_new_array();
                r = args ? oci_arg(&rule->arg, &arg) : -ENOMEM;
                if (r >= 0)
                        r = json_append(args, TAKE_PTR(arg));
                if (r >= 0)
                        r = json_add(o, "args", TAKE_PTR(args));
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int profile_format_oci_full(const SyscallSet *s, const ProfileOptions *o, char **ret)
{
        _cleanup_json_ json_object *root = json_object_new_object(), *syscalls = NULL, *arches = NULL;
        _cleanup_(profile_rules_done) ProfileRules rules = {};
        const char *text;
        char *out;
        int r;

        if (!root)
                return -ENOMEM;
        r = profile_rules_build(s, o->arguments, &rules);
        if (r < 0)
                return r;
        r = oci_architectures(rules.abis, &arches);
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
        for (size_t i = 0; i < rules.n_rules; i++) {
                json_object *rule = NULL;

                r = oci_rule(&rules.rules[i], &rule);
                if (r >= 0)
                        r = json_append(syscalls, rule);
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

int profile_format_oci(const SyscallSet *s, char **ret)
{
        return profile_format_oci_full(s, &(ProfileOptions){ .arguments = true }, ret);
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

static int format_bpf_base64(const SyscallSet *s, const ProfileOptions *o, char **ret)
{
        _cleanup_free_ void *prog = NULL;
        _cleanup_free_ char *b64 = NULL;
        size_t size;
        char *out;
        int r;

        r = profile_build_bpf(s, o, &prog, &size);
        if (r < 0)
                return r;
        r = base64_encode(prog, size, &b64);
        if (r < 0)
                return r;
        if (asprintf(&out, "%s\n", b64) < 0)
                return -ENOMEM;
        *ret = out;
        return 0;
}

int profile_format_full(const SyscallSet *s, ProfileFormat f, const ProfileOptions *o, char **ret)
{
        static const ProfileOptions defaults = { .arguments = true };

        if (!o)
                o = &defaults;
        switch (f) {
        case PROFILE_OCI:
                return profile_format_oci_full(s, o, ret);
        case PROFILE_SYSTEMD:
                return profile_format_systemd(s, o->name, ret);
        case PROFILE_SPO:
                return profile_format_spo(s, o, ret);
        case PROFILE_BPF:
                return format_bpf_base64(s, o, ret);
        default:
                return -EINVAL;
        }
}

int profile_format(const SyscallSet *s, ProfileFormat f, const char *name, char **ret)
{
        return profile_format_full(s, f, &(ProfileOptions){ .name = name, .arguments = true }, ret);
}
