/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the spo and bpf writers, the argument rules every seccomp
 * format shares (profile-rules.h), profile import with its named errors, and
 * base64. What runtimes make of the output is tested by test-runtimes.sh and
 * test-tools.sh; here: the rules are the ones Docker's profile has, the
 * mixed-ABI decision holds, import inverts the writers, and every bad input
 * is answered with the field and the value.
 */
#include <glib.h>
#include <json-c/json.h>
#include <string.h>

#include "base64.h"
#include "macro.h"
#include "profile-import.h"
#include "profile-rules.h"
#include "profile.h"

#define NR_READ 0
#define NR_SOCKET 41
#define NR_CLONE 56
#define NR_PERSONALITY 135
#define NR_UNSHARE 272
#define NR_CLONE3 435
#define NR_I386_GETPPID 64
#define NR_I386_SOCKET 359

static SyscallSet sample(void)
{
        SyscallSet s = {};

        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_READ);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_SOCKET);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_CLONE);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_PERSONALITY);
        s.args.socket_families = (1u << 2) | (1u << 10); /* AF_INET, AF_INET6 */
        s.args.personality[0] = 8 + 1;
        s.args.personality[1] = 0 + 1;
        return s;
}

static char *format(const SyscallSet *s, ProfileFormat f, bool arguments)
{
        char *text = NULL;
        int r = profile_format_full(s, f, &(ProfileOptions){ .name = "web", .arguments = arguments }, &text);

        g_assert_cmpint(r, ==, 0);
        return text;
}

static json_object *rules_json(const SyscallSet *s, bool arguments)
{
        _cleanup_free_ char *text = format(s, PROFILE_OCI, arguments);
        json_object *root = json_tokener_parse(text), *syscalls = NULL;

        g_assert_nonnull(root);
        g_assert_true(json_object_object_get_ex(root, "syscalls", &syscalls));
        json_object_get(syscalls);
        json_object_put(root);
        return syscalls;
}

static const char *rule_str(json_object *syscalls, size_t i)
{
        return json_object_to_json_string_ext(json_object_array_get_idx(syscalls, i), JSON_C_TO_STRING_PLAIN);
}

static void test_format_names(void)
{
        g_assert_cmpint(profile_format_from_string("spo"), ==, PROFILE_SPO);
        g_assert_cmpint(profile_format_from_string("bpf"), ==, PROFILE_BPF);
        g_assert_cmpstr(profile_format_to_string(PROFILE_SPO), ==, "spo");
        g_assert_cmpstr(profile_format_to_string(PROFILE_BPF), ==, "bpf");
        g_assert_true(profile_format_is_binary(PROFILE_BPF));
        g_assert_false(profile_format_is_binary(PROFILE_SPO));
}

/* Docker's shapes: clone MASKED_EQ, one EQ rule per socket family and
 * personality value; the allow list first, then rules by name and value. */
static void test_argument_rules(void)
{
        SyscallSet s = sample();
        json_object *r = rules_json(&s, true);

        g_assert_cmpuint(json_object_array_length(r), ==, 6);
        g_assert_cmpstr(rule_str(r, 0), ==, "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}");
        g_assert_cmpstr(rule_str(r, 1), ==,
                        "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":"
                        "2114060416,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}");
        g_assert_nonnull(strstr(rule_str(r, 2), "\"personality\""));
        g_assert_nonnull(strstr(rule_str(r, 2), "\"value\":0,"));
        g_assert_nonnull(strstr(rule_str(r, 3), "\"value\":8,"));
        g_assert_nonnull(strstr(rule_str(r, 4), "\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,"));
        g_assert_nonnull(strstr(rule_str(r, 5), "\"value\":10,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\""));
        json_object_put(r);

        /* Without arguments: one plain allow list. */
        r = rules_json(&s, false);
        g_assert_cmpuint(json_object_array_length(r), ==, 1);
        g_assert_cmpstr(rule_str(r, 0), ==,
                        "{\"names\":[\"clone\",\"personality\",\"read\",\"socket\"],\"action\":\"SCMP_ACT_ALLOW\"}");
        json_object_put(r);
}

static void test_argument_unrestricted(void)
{
        SyscallSet s = sample();
        json_object *r;

        /* A family >= 64, a personality overflow, every namespace flag: no rule. */
        s.args.socket_other = 1;
        s.args.personality_overflow = 1;
        s.args.clone_flags = SYSREC_CLONE_NS_FLAGS;
        r = rules_json(&s, true);
        g_assert_cmpuint(json_object_array_length(r), ==, 1);
        json_object_put(r);

        /* Some namespaces seen: only the others are masked. */
        s = sample();
        s.args.clone_flags = 0x40000000; /* CLONE_NEWNET */
        r = rules_json(&s, true);
        g_assert_nonnull(strstr(rule_str(r, 1), "\"value\":1040318592,")); /* 0x3E020080 */
        json_object_put(r);
}

/* Mixed ABIs: a rule applies to every architecture of the profile, and the
 * arguments are known for the native ABI only. */
static void test_mixed_abi(void)
{
        SyscallSet s = sample();
        json_object *r;

        syscall_set_add(&s, SYSREC_ABI_COMPAT, NR_I386_GETPPID);
        r = rules_json(&s, true);
        /* Other i386 calls leave the native-only argument syscalls restricted. */
        g_assert_cmpuint(json_object_array_length(r), ==, 6);
        json_object_put(r);

        /* socket() also recorded for i386, where nothing is known of its
         * arguments: allowed unrestricted, for every ABI. */
        syscall_set_add(&s, SYSREC_ABI_COMPAT, NR_I386_SOCKET);
        r = rules_json(&s, true);
        g_assert_cmpuint(json_object_array_length(r), ==, 4);
        g_assert_cmpstr(rule_str(r, 0), ==,
                        "{\"names\":[\"getppid\",\"read\",\"socket\"],\"action\":\"SCMP_ACT_ALLOW\"}");
        json_object_put(r);
}

/* clone3 cannot be filtered by its flags: ENOSYS sends glibc to clone. */
static void test_clone3(void)
{
        SyscallSet s = {};
        json_object *r;

        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_READ);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_CLONE3);
        r = rules_json(&s, true);
        g_assert_cmpuint(json_object_array_length(r), ==, 3);
        g_assert_nonnull(strstr(rule_str(r, 1), "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\""));
        g_assert_cmpstr(rule_str(r, 2), ==,
                        "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}");
        json_object_put(r);

        r = rules_json(&s, false);
        g_assert_cmpstr(rule_str(r, 0), ==, "{\"names\":[\"clone3\",\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}");
        json_object_put(r);
}

static void assert_sets_equal(const SyscallSet *a, const SyscallSet *b)
{
        g_assert_cmpmem(a->bits, sizeof(a->bits), b->bits, sizeof(b->bits));
        for (unsigned w = 0; w < _SYSREC_ARGSYS_MAX; w++) {
                ArgAllow x, y;
                syscall_set_arg_allow(a, w, &x);
                syscall_set_arg_allow(b, w, &y);
                g_assert_true(arg_allow_equal(&x, &y));
        }
}

/* Import inverts the writers: same set, and the same bytes written again. */
static void test_roundtrip(void)
{
        SyscallSet s = sample();
        ProfileFormat formats[] = { PROFILE_OCI, PROFILE_SPO };

        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_CLONE3);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_UNSHARE);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, 1000); /* "@1000" */
        s.args.unshare_flags = 0x20000;               /* CLONE_NEWNS */
        for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
                _cleanup_free_ char *text = format(&s, formats[i], true), *again = NULL, *err = NULL;
                SyscallSet back = {};
                ProfileFormat f;
                int r;

                r = profile_import(text, strlen(text), &back, &f, &err);
                if (r < 0)
                        g_error("import of %s failed: %s\n%s", profile_format_to_string(formats[i]), err, text);
                g_assert_cmpint(f, ==, formats[i]);
                assert_sets_equal(&s, &back);
                again = format(&back, formats[i], true);
                g_assert_cmpstr(again, ==, text);
        }
}

/* Rules of other shapes (here Docker's) are kept as allowing, never lost. */
static void test_import_shapes(void)
{
        static const char docker[] =
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"archMap\":[],"
                "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_ARM\"],"
                "\"syscalls\":[{\"names\":[\"read\",\"socketcall\"],\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"x\"},"
                "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2114060288,"
                "\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
                "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":4294967295,"
                "\"op\":\"SCMP_CMP_EQ\"}]},"
                "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":40,"
                "\"op\":\"SCMP_CMP_NE\"}]},"
                "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
        _cleanup_free_ char *err = NULL;
        SyscallSet s = {};
        ArgAllow a;

        g_assert_cmpint(profile_import(docker, strlen(docker), &s, NULL, &err), ==, 0);
        g_assert_null(err);
        g_assert_true(syscall_set_contains(&s, SYSREC_ABI_NATIVE, NR_READ));
        g_assert_true(syscall_set_contains(&s, SYSREC_ABI_COMPAT, 3));   /* i386 read */
        g_assert_true(syscall_set_contains(&s, SYSREC_ABI_COMPAT, 102)); /* socketcall: i386 only */
        g_assert_false(syscall_set_contains(&s, SYSREC_ABI_NATIVE, 101)); /* ptrace: denied */
        /* clone: restricted, native only; every namespace but CLONE_NEWTIME masked. */
        g_assert_true(syscall_set_contains(&s, SYSREC_ABI_NATIVE, NR_CLONE));
        g_assert_false(syscall_set_contains(&s, SYSREC_ABI_COMPAT, 120));
        syscall_set_arg_allow(&s, SYSREC_ARGSYS_CLONE, &a);
        g_assert_false(a.any);
        g_assert_cmphex(a.bits, ==, 0x80);
        /* NE: unrestricted. The 0xffffffff query: that value. */
        syscall_set_arg_allow(&s, SYSREC_ARGSYS_SOCKET, &a);
        g_assert_true(a.any);
        syscall_set_arg_allow(&s, SYSREC_ARGSYS_PERSONALITY, &a);
        g_assert_false(a.any);
        g_assert_cmpuint(a.n_values, ==, 1);
        g_assert_cmphex(a.values[0], ==, 0xffffffff);
}

static void assert_import_error(const char *text, int want, const char *field, const char *value)
{
        _cleanup_free_ char *err = NULL;
        SyscallSet s = {};
        int r = profile_import(text, strlen(text), &s, NULL, &err);

        if (r != want || !err || !strstr(err, field) || (value && !strstr(err, value)))
                g_error("import of\n%s\ngave %d (want %d): \"%s\"; expected to name %s and %s", text, r, want,
                        strempty(err), field, strempty(value));
}

static void test_import_errors(void)
{
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                            "\"action\": \"SCMP_ACT_ALOW\"}]}",
                            -EINVAL, "syscalls[0].action", "SCMP_ACT_ALOW");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"nosuchcall\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                            -ENOENT, "syscalls[0].names[1]", "nosuchcall");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", -EOPNOTSUPP, "defaultAction", "SCMP_ACT_ALLOW");
        assert_import_error("{\"syscalls\": []}", -EINVAL, "defaultAction", "required");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_Z80\"]}", -EINVAL,
                            "architectures[0]", "SCMP_ARCH_Z80");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 7, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                            -EINVAL, "syscalls[0].args[0].index", "7");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], "
                            "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": \"0\", \"op\": \"SCMP_CMP_EQ\"}]}]}",
                            -EINVAL, "syscalls[0].args[0].index", "\"0\"");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [], "
                            "\"action\": \"SCMP_ACT_ALLOW\"}]}",
                            -EINVAL, "syscalls[0].names", "empty");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscals\": []}", -EINVAL, "syscals", "unknown");
        assert_import_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\",", -EBADMSG, "JSON", NULL);
        assert_import_error("apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\n"
                            "metadata: {name: a}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  defaultErrnoRet: 1\n",
                            -EINVAL, "spec.defaultErrnoRet", "unknown field");
        assert_import_error("apiVersion: v1\nkind: SeccompProfile\nspec: {defaultAction: SCMP_ACT_ERRNO}\n", -EINVAL,
                            "apiVersion", "\"v1\"");
        assert_import_error("apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\n"
                            "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n"
                            "    names: [read]\n    args: [{index: 0, op: SCMP_CMP_EQ, value: -1}]\n",
                            -EINVAL, "spec.syscalls[0].args[0].value", "negative");
        assert_import_error("apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\n"
                            "spec: [\n", -EBADMSG, "line", "YAML");
        assert_import_error("[Service]\nSystemCallFilter=read\n", -EOPNOTSUPP, "systemd", NULL);
}

static void test_base64(void)
{
        static const char *const vectors[][2] = {
                { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foobar", "Zm9vYmFy" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
                _cleanup_free_ char *enc = NULL;
                _cleanup_free_ void *dec = NULL;
                size_t n;

                g_assert_cmpint(base64_encode(vectors[i][0], strlen(vectors[i][0]), &enc), ==, 0);
                g_assert_cmpstr(enc, ==, vectors[i][1]);
                g_assert_cmpint(base64_decode(vectors[i][1], &dec, &n), ==, 0);
                g_assert_cmpmem(dec, n, vectors[i][0], strlen(vectors[i][0]));
        }
        for (const char *const *bad = (const char *const[]){ "Zg=", "Z", "Zm9v!", "Zg==Zg==", NULL }; *bad; bad++) {
                _cleanup_free_ void *dec = NULL;
                size_t n;
                g_assert_cmpint(base64_decode(*bad, &dec, &n), ==, -EINVAL);
        }
}

/* The bpf text is the raw program in base64, stable from call to call. */
static void test_bpf(void)
{
        SyscallSet s = sample();
        _cleanup_free_ void *prog = NULL, *prog2 = NULL, *dec = NULL;
        _cleanup_free_ char *text = NULL;
        size_t size, size2, n;

        g_assert_cmpint(profile_build_bpf(&s, &(ProfileOptions){ .arguments = true }, &prog, &size), ==, 0);
        g_assert_cmpint(profile_build_bpf(&s, &(ProfileOptions){ .arguments = true }, &prog2, &size2), ==, 0);
        g_assert_cmpuint(size % 8, ==, 0);
        g_assert_cmpmem(prog, size, prog2, size2);
        text = format(&s, PROFILE_BPF, true);
        g_assert_true(g_str_has_suffix(text, "\n"));
        g_assert_cmpint(base64_decode(text, &dec, &n), ==, 0);
        g_assert_cmpmem(dec, n, prog, size);
}

static void test_spo(void)
{
        SyscallSet s = sample();
        _cleanup_free_ char *text = NULL, *odd = NULL;

        text = format(&s, PROFILE_SPO, true);
        g_assert_true(g_str_has_prefix(text, "---\napiVersion: security-profiles-operator.x-k8s.io/v1\n"
                                             "kind: SeccompProfile\nmetadata:\n  name: web\nspec:\n"
                                             "  defaultAction: SCMP_ACT_ERRNO\n  architectures:\n"
                                             "  - SCMP_ARCH_X86_64\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n"
                                             "    names:\n    - read\n"));
        g_assert_nonnull(strstr(text, "    args:\n    - index: 0\n      value: 2\n      valueTwo: 0\n"
                                      "      op: SCMP_CMP_EQ\n"));
        g_assert_true(g_str_has_suffix(text, "\n"));
        /* Recording names allow what Kubernetes names do not. */
        g_assert_cmpint(profile_format_full(&s, PROFILE_SPO, &(ProfileOptions){ .name = "Web_App." }, &odd), ==, 0);
        g_assert_nonnull(strstr(odd, "\n  name: web-app\n"));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/sysrec/formats/names", test_format_names);
        g_test_add_func("/sysrec/formats/base64", test_base64);
#if defined(__x86_64__)
        g_test_add_func("/sysrec/formats/argument-rules", test_argument_rules);
        g_test_add_func("/sysrec/formats/argument-unrestricted", test_argument_unrestricted);
        g_test_add_func("/sysrec/formats/mixed-abi", test_mixed_abi);
        g_test_add_func("/sysrec/formats/clone3", test_clone3);
        g_test_add_func("/sysrec/formats/roundtrip", test_roundtrip);
        g_test_add_func("/sysrec/formats/import-shapes", test_import_shapes);
        g_test_add_func("/sysrec/formats/import-errors", test_import_errors);
        g_test_add_func("/sysrec/formats/bpf", test_bpf);
        g_test_add_func("/sysrec/formats/spo", test_spo);
#endif
        return g_test_run();
}
