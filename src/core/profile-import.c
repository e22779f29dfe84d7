/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See profile-import.h. OCI JSON is parsed with json-c, SPO YAML with libyaml
 * (profile-import-yaml.c) into the same tree; this file validates it. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "profile-import.h"
#include "profile-rules.h"

#define SPO_GROUP "security-profiles-operator.x-k8s.io/"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

typedef struct Importer {
        SyscallSet set;
        unsigned abis; /* ABI slots of "architectures" this machine has */
        bool spo;
        char **error;
} Importer;

static const char *const actions[] = {
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", NULL,
};
static const char *const deny_defaults[] = {
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", NULL,
};
static const char *const architectures[] = {
        "SCMP_ARCH_NATIVE", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", NULL,
};
static const char *const filter_flags[] = {
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL,
};
static const char *const compare_ops[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
        "SCMP_CMP_MASKED_EQ", NULL,
};

/* Record "FIELD: message" as the error and return err. */
static int fail(Importer *im, int err, const char *field, const char *fmt, ...) _printf_(4, 5);
static int fail(Importer *im, int err, const char *field, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        if (!im->error)
                return err;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        free(*im->error);
        if (asprintf(im->error, "%s%s%s", strempty(field), field && *field ? ": " : "", msg ?: "out of memory") < 0)
                *im->error = NULL;
        return err;
}

/* A value as JSON, cut short, for messages. */
static const char *show(json_object *v, char buf[static 72])
{
        const char *s = v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                          : "null";
        size_t n = strlen(s);

        if (n > 64)
                snprintf(buf, 72, "%.60s...", s);
        else
                snprintf(buf, 72, "%s", s);
        return buf;
}

static char *path_key(const char *base, const char *key)
{
        char *p;
        if (asprintf(&p, "%s%s%s", base, *base ? "." : "", key) < 0)
                return NULL;
        return p;
}

static char *path_index(const char *base, size_t i)
{
        char *p;
        if (asprintf(&p, "%s[%zu]", base, i) < 0)
                return NULL;
        return p;
}

static const char *type_name(json_type t)
{
        switch (t) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "a boolean";
        case json_type_double:
                return "a number";
        case json_type_int:
                return "an integer";
        case json_type_object:
                return "an object";
        case json_type_array:
                return "an array";
        default:
                return "a string";
        }
}

static bool in_list(const char *s, const char *const *l)
{
        for (; *l; l++)
                if (strcmp(*l, s) == 0)
                        return true;
        return false;
}

static char *list_join(const char *const *l)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        for (const char *const *i = l; *i; i++)
                fprintf(f, "%s%s", i == l ? "" : ", ", *i);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

/* Refuse members of o not in allowed. */
static int check_keys(Importer *im, json_object *o, const char *path, const char *const *allowed)
{
        json_object_object_foreach(o, key, val)
        {
                _cleanup_free_ char *p = path_key(path, key), *exp = list_join(allowed);
                (void)val;
                if (!in_list(key, allowed))
                        return fail(im, -EINVAL, p, "unknown field (expected %s)", strempty(exp));
        }
        return 0;
}

/* Member key of o, of type t; *ret NULL if absent (an error when required). */
static int get(Importer *im, json_object *o, const char *path, const char *key, json_type t, bool required,
               json_object **ret)
{
        _cleanup_free_ char *p = path_key(path, key);
        json_object *v = NULL;
        char buf[72];

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v)) {
                if (required)
                        return fail(im, -EINVAL, p, "required field missing");
                return 0;
        }
        if (!json_object_is_type(v, t))
                return fail(im, -EINVAL, p, "%s is %s, expected %s", show(v, buf), type_name(json_object_get_type(v)),
                            type_name(t));
        *ret = v;
        return 0;
}

static int get_enum(Importer *im, json_object *o, const char *path, const char *key, const char *const *values,
                    bool required, const char **ret)
{
        _cleanup_free_ char *p = path_key(path, key), *exp = NULL;
        json_object *v;
        int r;

        *ret = NULL;
        r = get(im, o, path, key, json_type_string, required, &v);
        if (r < 0 || !v)
                return r;
        if (!in_list(json_object_get_string(v), values)) {
                exp = list_join(values);
                return fail(im, -EINVAL, p, "\"%s\" is not one of %s", json_object_get_string(v), strempty(exp));
        }
        *ret = json_object_get_string(v);
        return 0;
}

/* A non-negative integer up to max. */
static int check_uint(Importer *im, json_object *v, const char *p, uint64_t max, uint64_t *ret)
{
        char buf[72];
        uint64_t u;

        if (!json_object_is_type(v, json_type_int))
                return fail(im, -EINVAL, p, "%s is %s, expected an integer", show(v, buf),
                            type_name(json_object_get_type(v)));
        if (json_object_get_int64(v) < 0)
                return fail(im, -EINVAL, p, "%s is negative, expected >= 0", show(v, buf));
        u = json_object_get_uint64(v);
        if (u > max)
                return fail(im, -EINVAL, p, "%s is larger than %" PRIu64, show(v, buf), max);
        *ret = u;
        return 0;
}

static int get_uint(Importer *im, json_object *o, const char *path, const char *key, uint64_t max, bool required,
                    uint64_t *ret, bool *ret_present)
{
        _cleanup_free_ char *p = path_key(path, key);
        json_object *v = NULL;

        *ret_present = json_object_object_get_ex(o, key, &v);
        if (!*ret_present)
                return required ? fail(im, -EINVAL, p, "required field missing") : 0;
        return check_uint(im, v, p, max, ret);
}

/* An array of unique strings from values (NULL: any non-empty string). */
static int check_string_set(Importer *im, json_object *a, const char *p, const char *const *values)
{
        size_t n = json_object_array_length(a);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *pi = path_index(p, i), *exp = NULL;
                json_object *e = json_object_array_get_idx(a, i);
                char buf[72];

                if (!json_object_is_type(e, json_type_string))
                        return fail(im, -EINVAL, pi, "%s is %s, expected a string", show(e, buf),
                                    type_name(json_object_get_type(e)));
                if (values && !in_list(json_object_get_string(e), values)) {
                        exp = list_join(values);
                        return fail(im, -EINVAL, pi, "\"%s\" is not one of %s", json_object_get_string(e),
                                    strempty(exp));
                }
                if (!values && !*json_object_get_string(e))
                        return fail(im, -EINVAL, pi, "empty string");
                for (size_t j = 0; j < i; j++)
                        if (strcmp(json_object_get_string(json_object_array_get_idx(a, j)), json_object_get_string(e)) == 0)
                                return fail(im, -EINVAL, pi, "\"%s\" is listed twice", json_object_get_string(e));
        }
        return 0;
}

static int read_architectures(Importer *im, json_object *body, const char *path)
{
        _cleanup_free_ char *p = path_key(path, "architectures");
        json_object *a;
        int r;

        r = get(im, body, path, "architectures", json_type_array, false, &a);
        if (r < 0)
                return r;
        im->abis = 1u << SYSREC_ABI_NATIVE;
        if (!a)
                return 0;
        r = check_string_set(im, a, p, architectures);
        if (r < 0)
                return r;
        for (size_t i = 0; i < json_object_array_length(a); i++) {
                int abi = abi_from_oci(json_object_get_string(json_object_array_get_idx(a, i)));
                /* Valid names of architectures this machine lacks do not apply here. */
                if (abi >= 0)
                        im->abis |= 1u << abi;
        }
        return 0;
}

static void mark_unrestricted(SyscallSet *s, const char *name)
{
        switch (argsys_from_name(name)) {
        case SYSREC_ARGSYS_CLONE:
                s->args.clone_flags |= SYSREC_CLONE_NS_FLAGS;
                break;
        case SYSREC_ARGSYS_UNSHARE:
                s->args.unshare_flags |= SYSREC_CLONE_NS_FLAGS;
                break;
        case SYSREC_ARGSYS_SOCKET:
                s->args.socket_other = 1;
                break;
        case SYSREC_ARGSYS_PERSONALITY:
                s->args.personality_overflow = 1;
                break;
        default:
                break;
        }
}

/* Allow name on the profile's ABIs (native only if native_only). */
static int allow_name(Importer *im, const char *name, const char *p, bool native_only)
{
        bool found = false;

        if (name[0] == '@') {
                char *end;
                unsigned long nr;

                errno = 0;
                nr = strtoul(name + 1, &end, 10);
                if (errno || *end || end == name + 1 || nr >= SYSREC_NR_MAX)
                        return fail(im, -ENOENT, p, "\"%s\" is not a syscall name or @number below %d", name,
                                    SYSREC_NR_MAX);
                for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++)
                        if (im->abis & (1u << abi) && (!native_only || abi == SYSREC_ABI_NATIVE))
                                syscall_set_add(&im->set, abi, (unsigned)nr);
                return 0;
        }
        for (unsigned abi = 0; abi < _SYSREC_ABI_MAX; abi++) {
                int nr;

                if (!(im->abis & (1u << abi)) || (native_only && abi != SYSREC_ABI_NATIVE))
                        continue;
                nr = abi_syscall_number(abi, name);
                if (nr < 0)
                        continue;
                syscall_set_add(&im->set, abi, (unsigned)nr);
                found = true;
        }
        if (!found)
                return fail(im, -ENOENT, p, "unknown syscall \"%s\" (on the architectures of this profile)", name);
        return 0;
}

typedef struct ArgCond {
        uint64_t index, value, value_two;
        int op;
} ArgCond;

static int read_args(Importer *im, json_object *args, const char *p, ArgCond conds[static 6], size_t *ret_n)
{
        size_t n = json_object_array_length(args);
        static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };

        if (n > 6)
                return fail(im, -EINVAL, p, "%zu arguments, at most 6", n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *pi = path_index(p, i);
                json_object *a = json_object_array_get_idx(args, i);
                const char *op;
                bool present;
                char buf[72];
                int r;

                if (!json_object_is_type(a, json_type_object))
                        return fail(im, -EINVAL, pi, "%s is %s, expected an object", show(a, buf),
                                    type_name(json_object_get_type(a)));
                r = check_keys(im, a, pi, keys);
                if (r >= 0)
                        r = get_uint(im, a, pi, "index", 5, true, &conds[i].index, &present);
                if (r >= 0)
                        r = get_uint(im, a, pi, "value", im->spo ? INT64_MAX : UINT64_MAX, false, &conds[i].value,
                                     &present);
                if (r >= 0)
                        r = get_uint(im, a, pi, "valueTwo", im->spo ? INT64_MAX : UINT64_MAX, false,
                                     &conds[i].value_two, &present);
                if (r >= 0)
                        r = get_enum(im, a, pi, "op", compare_ops, true, &op);
                if (r < 0)
                        return r;
                conds[i].op = scmp_compare_from_string(op);
        }
        *ret_n = n;
        return 0;
}

/* An allowed name with argument conditions: recorded arguments if they have
 * a shape sysrec writes, else the syscall unrestricted. */
static int allow_with_args(Importer *im, const char *name, const char *p, const ArgCond *c, size_t n)
{
        struct sysrec_args a = {};
        int which = argsys_from_name(name);

        if (n != 1 || c->index != 0)
                which = -1;
        switch (which) {
        case SYSREC_ARGSYS_CLONE:
        case SYSREC_ARGSYS_UNSHARE:
                if (c->op != SCMP_CMP_MASKED_EQ || c->value_two != 0)
                        which = -1;
                else if (which == SYSREC_ARGSYS_CLONE)
                        a.clone_flags = SYSREC_CLONE_NS_FLAGS & ~c->value;
                else
                        a.unshare_flags = SYSREC_CLONE_NS_FLAGS & ~c->value;
                break;
        case SYSREC_ARGSYS_SOCKET:
                if (c->op != SCMP_CMP_EQ)
                        which = -1;
                else if (c->value < 64)
                        a.socket_families = UINT64_C(1) << c->value;
                else
                        a.socket_other = 1;
                break;
        case SYSREC_ARGSYS_PERSONALITY:
                /* Values are stored +1 (0 is an empty slot). */
                if (c->op != SCMP_CMP_EQ || c->value == UINT64_MAX)
                        which = -1;
                else
                        a.personality[0] = c->value + 1;
                break;
        default:
                break;
        }
        if (which < 0) {
                mark_unrestricted(&im->set, name);
                return allow_name(im, name, p, false);
        }
        syscall_set_merge_args(&im->set, &a);
        return allow_name(im, name, p, true);
}

static int read_rule(Importer *im, json_object *rule, const char *p)
{
        static const char *const oci_keys[] = { "names", "action", "errnoRet", "args", "comment", NULL };
        static const char *const spo_keys[] = { "names", "action", "errnoRet", "args", NULL };
        _cleanup_free_ char *pn = path_key(p, "names"), *pa = path_key(p, "args");
        json_object *names, *args, *v;
        ArgCond conds[6];
        size_t n_conds = 0;
        const char *action;
        uint64_t errno_ret = 0;
        bool has_errno;
        char buf[72];
        int r;

        if (!json_object_is_type(rule, json_type_object))
                return fail(im, -EINVAL, p, "%s is %s, expected an object", show(rule, buf),
                            type_name(json_object_get_type(rule)));
        if (json_object_object_get_ex(rule, "includes", &v) || json_object_object_get_ex(rule, "excludes", &v))
                return fail(im, -EOPNOTSUPP, p, "conditional rules (includes/excludes) are not supported");
        r = check_keys(im, rule, p, im->spo ? spo_keys : oci_keys);
        if (r >= 0)
                r = get(im, rule, p, "names", json_type_array, true, &names);
        if (r >= 0)
                r = get_enum(im, rule, p, "action", actions, true, &action);
        if (r >= 0)
                r = get_uint(im, rule, p, "errnoRet", INT32_MAX, false, &errno_ret, &has_errno);
        if (r >= 0)
                r = get(im, rule, p, "args", json_type_array, false, &args);
        if (r >= 0 && json_object_object_get_ex(rule, "comment", &v) && !json_object_is_type(v, json_type_string))
                r = fail(im, -EINVAL, p, "comment is not a string");
        if (r >= 0 && json_object_array_length(names) == 0)
                r = fail(im, -EINVAL, pn, "empty, at least one name expected");
        if (r >= 0)
                r = check_string_set(im, names, pn, NULL);
        if (r >= 0 && args)
                r = read_args(im, args, pa, conds, &n_conds);
        if (r < 0)
                return r;

        for (size_t i = 0; i < json_object_array_length(names); i++) {
                _cleanup_free_ char *pi = path_index(pn, i);
                const char *name = json_object_get_string(json_object_array_get_idx(names, i));

                if (strcmp(action, "SCMP_ACT_ALLOW") == 0 || strcmp(action, "SCMP_ACT_LOG") == 0)
                        r = n_conds > 0 ? allow_with_args(im, name, pi, conds, n_conds)
                                        : (mark_unrestricted(&im->set, name), allow_name(im, name, pi, false));
                else if (strcmp(name, "clone3") == 0 && strcmp(action, "SCMP_ACT_ERRNO") == 0 && errno_ret == ENOSYS &&
                         n_conds == 0)
                        r = allow_name(im, name, pi, true);
                else
                        r = 0; /* a denial: not in the allow list */
                if (r < 0)
                        return r;
        }
        return 0;
}

static int read_body(Importer *im, json_object *body, const char *path)
{
        static const char *const oci_keys[] = { "defaultAction", "defaultErrnoRet", "architectures", "syscalls",
                                                "flags", "listenerPath", "listenerMetadata", "archMap", NULL };
        static const char *const spo_keys[] = { "defaultAction", "architectures", "syscalls", "flags",
                                                "listenerPath", "listenerMetadata", "baseProfileName", "state",
                                                NULL };
        static const char *const states[] = { "Enabled", "Disabled", NULL };
        _cleanup_free_ char *pd = path_key(path, "defaultAction"), *ps = path_key(path, "syscalls"),
                            *pf = path_key(path, "flags");
        json_object *syscalls, *flags, *v;
        const char *def, *state;
        uint64_t errno_ret;
        bool present;
        int r;

        r = check_keys(im, body, path, im->spo ? spo_keys : oci_keys);
        if (r >= 0)
                r = get_enum(im, body, path, "defaultAction", actions, true, &def);
        if (r >= 0 && !in_list(def, deny_defaults))
                r = fail(im, -EOPNOTSUPP, pd,
                         "\"%s\" allows what no rule names; only allow lists (default SCMP_ACT_ERRNO, "
                         "SCMP_ACT_KILL*, SCMP_ACT_TRAP) can be read",
                         def);
        if (r >= 0)
                r = get_uint(im, body, path, "defaultErrnoRet", INT32_MAX, false, &errno_ret, &present);
        if (r >= 0)
                r = read_architectures(im, body, path);
        if (r >= 0)
                r = get(im, body, path, "flags", json_type_array, false, &flags);
        if (r >= 0 && flags)
                r = check_string_set(im, flags, pf, filter_flags);
        if (r >= 0)
                r = get(im, body, path, "listenerPath", json_type_string, false, &v);
        if (r >= 0)
                r = get(im, body, path, "listenerMetadata", json_type_string, false, &v);
        if (r >= 0 && im->spo)
                r = get_enum(im, body, path, "state", states, false, &state);
        if (r >= 0 && im->spo)
                r = get(im, body, path, "baseProfileName", json_type_string, false, &v);
        if (r >= 0 && im->spo && v) {
                _cleanup_free_ char *pb = path_key(path, "baseProfileName");
                r = fail(im, -EOPNOTSUPP, pb, "\"%s\": base profiles are not resolved; merge them explicitly",
                         json_object_get_string(v));
        }
        if (r >= 0)
                r = get(im, body, path, "syscalls", json_type_array, false, &syscalls);
        for (size_t i = 0; r >= 0 && syscalls && i < json_object_array_length(syscalls); i++) {
                _cleanup_free_ char *pi = path_index(ps, i);
                r = pi ? read_rule(im, json_object_array_get_idx(syscalls, i), pi) : -ENOMEM;
        }
        return r;
}

static int read_spo(Importer *im, json_object *root)
{
        static const char *const keys[] = { "apiVersion", "kind", "metadata", "spec", "status", NULL };
        static const char *const versions[] = { SPO_GROUP "v1", SPO_GROUP "v1beta1", NULL };
        static const char *const kinds[] = { "SeccompProfile", NULL };
        json_object *spec, *v;
        const char *s;
        int r;

        im->spo = true;
        r = check_keys(im, root, "", keys);
        if (r >= 0)
                r = get_enum(im, root, "", "apiVersion", versions, true, &s);
        if (r >= 0)
                r = get_enum(im, root, "", "kind", kinds, true, &s);
        if (r >= 0)
                r = get(im, root, "", "metadata", json_type_object, false, &v);
        if (r >= 0)
                r = get(im, root, "", "status", json_type_object, false, &v);
        if (r >= 0)
                r = get(im, root, "", "spec", json_type_object, true, &spec);
        if (r >= 0)
                r = read_body(im, spec, "spec");
        return r;
}

static int parse_tree(Importer *im, const char *text, size_t size, bool *ret_json, json_object **ret)
{
        _cleanup_(json_object_putp) json_object *root = NULL;
        size_t skip = 0;
        int r;

        if (memchr(text, 0, size < 4096 ? size : 4096))
                return fail(im, -EOPNOTSUPP, NULL,
                            "binary data (a bpf profile?) cannot be read back; give the oci or spo profile");
        while (skip < size && strchr(" \t\r\n", text[skip]))
                skip++;
        if (size - skip >= 9 && (memcmp(text + skip, "[Service]", 9) == 0 || text[skip] == '#'))
                return fail(im, -EOPNOTSUPP, NULL,
                            "a systemd drop-in cannot be read back; give the oci or spo profile");
        *ret_json = skip < size && text[skip] == '{';
        if (*ret_json) {
                _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
                enum json_tokener_error e;

                if (!tok)
                        return -ENOMEM;
                if (size > INT32_MAX)
                        return -EFBIG;
                root = json_tokener_parse_ex(tok, text, (int)size);
                e = json_tokener_get_error(tok);
                if (!root || e != json_tokener_success)
                        return fail(im, -EBADMSG, NULL, "JSON syntax error at byte %zu: %s",
                                    json_tokener_get_parse_end(tok), json_tokener_error_desc(e));
                for (size_t i = json_tokener_get_parse_end(tok); i < size; i++)
                        if (!strchr(" \t\r\n", text[i]))
                                return fail(im, -EBADMSG, NULL, "junk after the JSON object at byte %zu", i);
        } else {
                r = yaml_to_json(text, size, &root, im->error);
                if (r < 0)
                        return r;
        }
        if (!json_object_is_type(root, json_type_object))
                return fail(im, -EINVAL, NULL, "the profile is %s, expected an object",
                            type_name(json_object_get_type(root)));
        *ret = TAKE_PTR(root);
        return 0;
}

int profile_import(const char *text, size_t size, SyscallSet *ret, ProfileFormat *ret_format, char **ret_error)
{
        _cleanup_(json_object_putp) json_object *root = NULL;
        Importer im = { .error = ret_error };
        bool json, spo;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = parse_tree(&im, text, size, &json, &root);
        if (r < 0)
                return r;
        spo = json_object_object_get_ex(root, "kind", NULL) || json_object_object_get_ex(root, "apiVersion", NULL) ||
              json_object_object_get_ex(root, "spec", NULL);
        r = spo ? read_spo(&im, root) : read_body(&im, root, "");
        if (r < 0)
                return r;
        *ret = im.set;
        if (ret_format)
                *ret_format = spo ? PROFILE_SPO : PROFILE_OCI;
        return 0;
}

int profile_import_file(const char *path, SyscallSet *ret, ProfileFormat *ret_format, char **ret_error)
{
        _cleanup_free_ char *text = NULL, *err = NULL;
        size_t size = 0;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = read_full_file_at(AT_FDCWD, strcmp(path, "-") == 0 ? "/dev/stdin" : path, PROFILE_IMPORT_SIZE_MAX,
                              &text, &size);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s", r == -EFBIG ? "larger than 16 MiB" : strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return profile_import(text, size, ret, ret_format, ret_error);
}
