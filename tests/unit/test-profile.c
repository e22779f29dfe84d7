/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for profile.h: what runc/crun/podman and systemd are handed. The OCI
 * output is parsed back with json-c as a runtime would; stability is checked
 * byte for byte because profiles are diffed and committed by users.
 */
#include <glib.h>
#include <json-c/json.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "profile.h"
#include "syscall-set.h"

#define NR_READ 0
#define NR_WRITE 1
#define NR_SEMGET 64
#define NR_EXIT_GROUP 231
#define NR_I386_GETPPID 64
#define NR_I386_UNAME 122

static json_object *parse_oci(const SyscallSet *s, char **ret_text)
{
        _cleanup_free_ char *text = NULL;
        json_object *root;
        int r;

        r = profile_format_oci(s, &text);
        g_assert_cmpint(r, ==, 0);
        g_assert_nonnull(text);
        g_assert_true(g_str_has_suffix(text, "\n"));
        root = json_tokener_parse(text);
        if (!root)
                g_error("profile is not valid JSON:\n%s", text);
        g_assert_true(json_object_is_type(root, json_type_object));
        if (ret_text)
                *ret_text = TAKE_PTR(text);
        return root;
}

static json_object *get(json_object *o, const char *key, json_type type)
{
        json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v))
                g_error("key \"%s\" missing", key);
        g_assert_true(json_object_is_type(v, type));
        return v;
}

/* A JSON array of strings as a NULL-terminated vector (borrowed strings). */
static const char **strings(json_object *a)
{
        size_t n = json_object_array_length(a);
        const char **l = g_new0(const char *, n + 1);

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(a, i);
                g_assert_true(json_object_is_type(e, json_type_string));
                l[i] = json_object_get_string(e);
        }
        return l;
}

static void assert_architectures(const SyscallSet *s, const char *const *expected)
{
        json_object *root = parse_oci(s, NULL);
        g_autofree const char **arches = strings(get(root, "architectures", json_type_array));

        g_assert_cmpstrv(arches, expected);
        json_object_put(root);
}

static void test_format_names(void)
{
        SyscallSet s = {};
        char *out = NULL;

        g_assert_cmpstr(profile_format_to_string(PROFILE_OCI), ==, "oci");
        g_assert_cmpstr(profile_format_to_string(PROFILE_SYSTEMD), ==, "systemd");
        g_assert_null(profile_format_to_string(_PROFILE_FORMAT_MAX));
        g_assert_null(profile_format_to_string(_PROFILE_FORMAT_INVALID));
        g_assert_cmpint(profile_format_from_string("oci"), ==, PROFILE_OCI);
        g_assert_cmpint(profile_format_from_string("systemd"), ==, PROFILE_SYSTEMD);
        g_assert_cmpint(profile_format_from_string("spo"), ==, PROFILE_SPO);
        g_assert_cmpint(profile_format_from_string("bpf"), ==, PROFILE_BPF);
        g_assert_cmpstr(profile_format_to_string(PROFILE_SPO), ==, "spo");
        g_assert_cmpstr(profile_format_to_string(PROFILE_BPF), ==, "bpf");
        g_assert_true(profile_format_is_binary(PROFILE_BPF));
        g_assert_false(profile_format_is_binary(PROFILE_OCI));
        g_assert_cmpint(profile_format_from_string("OCI"), ==, -EINVAL);
        g_assert_cmpint(profile_format_from_string(""), ==, -EINVAL);
        g_assert_cmpint(profile_format_from_string(NULL), ==, -EINVAL);

        g_assert_cmpint(profile_format(&s, _PROFILE_FORMAT_MAX, NULL, &out), ==, -EINVAL);
        g_assert_null(out);
}

static void test_oci(void)
{
        SyscallSet s = {};
        json_object *root, *syscalls, *rule;
        g_autofree const char **names = NULL, **arches = NULL;
        const char *keys[8] = {};
        size_t n = 0;

        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_WRITE);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_EXIT_GROUP);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_READ);
        syscall_set_add(&s, SYSREC_ABI_COMPAT, NR_I386_GETPPID);
        syscall_set_add(&s, SYSREC_ABI_COMPAT, NR_I386_UNAME);
        root = parse_oci(&s, NULL);

        /* The keys runc reads, in a fixed order. */
        json_object_object_foreach(root, key, val)
        {
                (void)val;
                g_assert_cmpuint(n, <, G_N_ELEMENTS(keys) - 1);
                keys[n++] = key;
        }
        g_assert_cmpstrv(keys, ((const char *const[]){ "defaultAction", "defaultErrnoRet",
                                                       "architectures", "syscalls", NULL }));

        g_assert_cmpstr(json_object_get_string(get(root, "defaultAction", json_type_string)), ==,
                        "SCMP_ACT_ERRNO");
        g_assert_cmpint(json_object_get_int(get(root, "defaultErrnoRet", json_type_int)), ==, 1);

        arches = strings(get(root, "architectures", json_type_array));
        g_assert_cmpstrv(arches, ((const char *const[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL }));

        /* One allow rule naming the union over the ABIs, sorted. The i386 64 is
         * getppid, and x86-64 semget (also 64) must not appear. */
        syscalls = get(root, "syscalls", json_type_array);
        g_assert_cmpuint(json_object_array_length(syscalls), ==, 1);
        rule = json_object_array_get_idx(syscalls, 0);
        g_assert_cmpstr(json_object_get_string(get(rule, "action", json_type_string)), ==,
                        "SCMP_ACT_ALLOW");
        names = strings(get(rule, "names", json_type_array));
        g_assert_cmpstrv(names, ((const char *const[]){ "exit_group", "getppid", "read", "uname",
                                                        "write", NULL }));
        json_object_put(root);
}

static void test_oci_architectures(void)
{
        SyscallSet empty = {}, x32 = {}, all = {}, compat_only = {};

        /* The native ABI always, so an empty recording yields a usable profile. */
        assert_architectures(&empty, (const char *const[]){ "SCMP_ARCH_X86_64", NULL });

        syscall_set_add(&x32, SYSREC_ABI_X32, 39);
        assert_architectures(&x32, (const char *const[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", NULL });

        syscall_set_add(&compat_only, SYSREC_ABI_COMPAT, NR_I386_GETPPID);
        assert_architectures(&compat_only,
                             (const char *const[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL });

        syscall_set_add(&all, SYSREC_ABI_NATIVE, NR_READ);
        syscall_set_add(&all, SYSREC_ABI_COMPAT, NR_I386_GETPPID);
        syscall_set_add(&all, SYSREC_ABI_X32, 39);
        assert_architectures(&all, (const char *const[]){ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                                          "SCMP_ARCH_X32", NULL });
}

static void test_oci_empty(void)
{
        SyscallSet s = {};
        json_object *root = parse_oci(&s, NULL);

        g_assert_cmpstr(json_object_get_string(get(root, "defaultAction", json_type_string)), ==,
                        "SCMP_ACT_ERRNO");
        g_assert_cmpuint(json_object_array_length(get(root, "syscalls", json_type_array)), ==, 0);
        json_object_put(root);
}

/* Numbers libseccomp cannot name are kept as "@nr" rather than dropped. */
static void test_oci_unknown_number(void)
{
        SyscallSet s = {};
        json_object *root;
        g_autofree const char **names = NULL;

        syscall_set_add(&s, SYSREC_ABI_NATIVE, 1000);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_READ);
        root = parse_oci(&s, NULL);
        names = strings(get(json_object_array_get_idx(get(root, "syscalls", json_type_array), 0),
                            "names", json_type_array));
        g_assert_cmpstrv(names, ((const char *const[]){ "@1000", "read", NULL }));
        json_object_put(root);
}

static void fill(SyscallSet *s, bool reverse)
{
        static const struct {
                unsigned abi, nr;
        } calls[] = {
                { SYSREC_ABI_NATIVE, NR_READ },        { SYSREC_ABI_NATIVE, NR_WRITE },
                { SYSREC_ABI_NATIVE, NR_SEMGET },      { SYSREC_ABI_NATIVE, NR_EXIT_GROUP },
                { SYSREC_ABI_NATIVE, 1000 },           { SYSREC_ABI_NATIVE, 59 },
                { SYSREC_ABI_COMPAT, NR_I386_GETPPID }, { SYSREC_ABI_COMPAT, NR_I386_UNAME },
                { SYSREC_ABI_COMPAT, 1 },               { SYSREC_ABI_X32, 39 },
                { SYSREC_ABI_X32, 512 },
        };
        size_t n = G_N_ELEMENTS(calls);

        for (size_t i = 0; i < n; i++) {
                size_t j = reverse ? n - 1 - i : i;
                syscall_set_add(s, calls[j].abi, calls[j].nr);
        }
}

/* Same set in, same bytes out: no dependence on insertion order or on
 * anything but the set (profiles are diffed and committed). */
static void test_stable(void)
{
        _cleanup_free_ char *a = NULL, *a2 = NULL, *b = NULL, *sa = NULL, *sb = NULL;
        SyscallSet s1 = {}, s2 = {}, part1 = {}, part2 = {};

        fill(&s1, false);
        fill(&s2, true);
        g_assert_cmpmem(&s1, sizeof(s1), &s2, sizeof(s2));

        g_assert_cmpint(profile_format_oci(&s1, &a), ==, 0);
        g_assert_cmpint(profile_format_oci(&s1, &a2), ==, 0);
        g_assert_cmpstr(a, ==, a2);

        /* Built from two halves merged the other way round. */
        syscall_set_add(&part1, SYSREC_ABI_X32, 512);
        syscall_set_add(&part1, SYSREC_ABI_X32, 39);
        syscall_set_add(&part1, SYSREC_ABI_COMPAT, 1);
        syscall_set_add(&part1, SYSREC_ABI_NATIVE, 1000);
        syscall_set_add(&part1, SYSREC_ABI_NATIVE, 59);
        syscall_set_add(&part2, SYSREC_ABI_COMPAT, NR_I386_UNAME);
        syscall_set_add(&part2, SYSREC_ABI_COMPAT, NR_I386_GETPPID);
        syscall_set_add(&part2, SYSREC_ABI_NATIVE, NR_EXIT_GROUP);
        syscall_set_add(&part2, SYSREC_ABI_NATIVE, NR_SEMGET);
        syscall_set_add(&part2, SYSREC_ABI_NATIVE, NR_WRITE);
        syscall_set_add(&part2, SYSREC_ABI_NATIVE, NR_READ);
        syscall_set_merge(&part2, &part1);
        g_assert_cmpint(profile_format_oci(&part2, &b), ==, 0);
        g_assert_cmpstr(a, ==, b);

        g_assert_cmpint(profile_format_systemd(&s1, "web", &sa), ==, 0);
        g_assert_cmpint(profile_format_systemd(&part2, "web", &sb), ==, 0);
        g_assert_cmpstr(sa, ==, sb);
}

static void test_systemd(void)
{
        _cleanup_free_ char *out = NULL, *anon = NULL, *via = NULL;
        SyscallSet s = {};

        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_WRITE);
        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_READ);
        syscall_set_add(&s, SYSREC_ABI_COMPAT, NR_I386_GETPPID);

        g_assert_cmpint(profile_format_systemd(&s, "web", &out), ==, 0);
        g_assert_cmpstr(out, ==,
                        "# Seccomp allow list recorded by sysrec (recording \"web\").\n"
                        "[Service]\n"
                        "SystemCallFilter=getppid read write\n"
                        "SystemCallArchitectures=native x86\n"
                        "SystemCallErrorNumber=EPERM\n");

        g_assert_cmpint(profile_format_systemd(&s, NULL, &anon), ==, 0);
        g_assert_true(g_str_has_prefix(anon, "# Seccomp allow list recorded by sysrec.\n[Service]\n"));

        g_assert_cmpint(profile_format(&s, PROFILE_SYSTEMD, "web", &via), ==, 0);
        g_assert_cmpstr(via, ==, out);
}

static void test_systemd_architectures(void)
{
        _cleanup_free_ char *empty_out = NULL, *all_out = NULL;
        SyscallSet empty = {}, all = {};

        syscall_set_add(&all, SYSREC_ABI_X32, 39);
        syscall_set_add(&all, SYSREC_ABI_COMPAT, NR_I386_GETPPID);
        g_assert_cmpint(profile_format_systemd(&all, "a", &all_out), ==, 0);
        g_assert_nonnull(strstr(all_out, "\nSystemCallArchitectures=native x86 x32\n"));

        /* An empty allow list would mean "no filter" to systemd: it must deny. */
        g_assert_cmpint(profile_format_systemd(&empty, "a", &empty_out), ==, 0);
        g_assert_nonnull(strstr(empty_out, "\nSystemCallArchitectures=native\n"));
        g_assert_nonnull(strstr(empty_out, "\nSystemCallFilter=~"));
        g_assert_nonnull(strstr(empty_out, "\nSystemCallErrorNumber=EPERM\n"));
}

/* Long allow lists are split over several SystemCallFilter= lines (systemd
 * ORs them) and none of them loses or repeats a name. */
static void test_systemd_long(void)
{
        _cleanup_free_ char *out = NULL;
        _cleanup_strv_free_ char **names = NULL;
        g_auto(GStrv) lines = NULL;
        g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
        unsigned filter_lines = 0;
        SyscallSet s = {};

        for (unsigned nr = 0; nr < 300; nr++)
                syscall_set_add(&s, SYSREC_ABI_NATIVE, nr);
        g_assert_cmpint(syscall_set_names_union(&s, &names), ==, 0);
        g_assert_cmpint(profile_format_systemd(&s, "big", &out), ==, 0);

        lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++) {
                g_auto(GStrv) words = NULL;

                if (!g_str_has_prefix(*l, "SystemCallFilter="))
                        continue;
                filter_lines++;
                g_assert_cmpuint(strlen(*l), <=, 120);
                words = g_strsplit(*l + strlen("SystemCallFilter="), " ", -1);
                for (char **w = words; *w; w++) {
                        g_assert_cmpstr(*w, !=, "");
                        g_assert_false(g_str_has_prefix(*w, "~"));
                        g_ptr_array_add(seen, g_strdup(*w));
                }
        }
        g_assert_cmpuint(filter_lines, >, 1);
        g_ptr_array_add(seen, NULL);
        g_assert_cmpstrv((const char *const *)seen->pdata, (const char *const *)names);
}

/* ---- The libseccomp-compiled program, enforced in a child process ---- */

enum {
        PROBE_GETPPID,
        PROBE_GETCPU,
        PROBE_SOCKET_UNIX,
        PROBE_SOCKET_INET,
        PROBE_PERSONALITY_LINUX,
        PROBE_PERSONALITY_LINUX32,
        PROBE_CLONE3,
        _PROBE_MAX,
};

/* Runs in the child: installs the filter, then writes one result byte per
 * probe (the errno, 0 for success) to a pipe, which the filter must allow. Not
 * sanitized: the filter allows only the probes, write, close and exit. */
_no_sanitize_ _noreturn_ static void probe_all(const struct sock_fprog *fprog, int fd)
{
        unsigned char res[_PROBE_MAX];
        unsigned cpu, node;
        long r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog) < 0)
                _exit(1);
#define PROBE(i, expr)                                                                             \
        do {                                                                                       \
                r = (expr);                                                                        \
                res[i] = (unsigned char)(r < 0 ? errno : 0);                                       \
                if (r >= 0 && ((i) == PROBE_SOCKET_UNIX || (i) == PROBE_SOCKET_INET))              \
                        close((int)r);                                                             \
        } while (0)
        PROBE(PROBE_GETPPID, syscall(SYS_getppid));
        PROBE(PROBE_GETCPU, syscall(SYS_getcpu, &cpu, &node, NULL));
        PROBE(PROBE_SOCKET_UNIX, syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0));
        PROBE(PROBE_SOCKET_INET, syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0));
        PROBE(PROBE_PERSONALITY_LINUX, syscall(SYS_personality, (unsigned long)PER_LINUX));
        PROBE(PROBE_PERSONALITY_LINUX32, syscall(SYS_personality, (unsigned long)PER_LINUX32));
        PROBE(PROBE_CLONE3, syscall(SYS_clone3, NULL, 0));
#undef PROBE
        if (write(fd, res, sizeof(res)) != (ssize_t)sizeof(res))
                _exit(2);
        _exit(0);
}

/* Install the profile's program in a child (no privileges needed with
 * PR_SET_NO_NEW_PRIVS) and run the probes under it. */
static void run_probes(const SyscallSet *s, bool arguments, unsigned char res[_PROBE_MAX])
{
        _cleanup_free_ void *prog = NULL;
        struct sock_fprog fprog;
        size_t size = 0;
        int fds[2], status;
        pid_t pid;

        g_assert_cmpint(profile_build_bpf(s, &(ProfileOptions){ .arguments = arguments }, &prog, &size), ==, 0);
        g_assert_cmpuint(size, >, 0);
        g_assert_cmpuint(size % sizeof(struct sock_filter), ==, 0);
        fprog = (struct sock_fprog){ .len = (unsigned short)(size / sizeof(struct sock_filter)), .filter = prog };

        g_assert_cmpint(pipe(fds), ==, 0);
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                close(fds[0]);
                probe_all(&fprog, fds[1]);
        }
        close(fds[1]);
        g_assert_cmpint(read(fds[0], res, _PROBE_MAX), ==, _PROBE_MAX);
        close(fds[0]);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* What the child needs besides the probes: the pipe write and exiting. */
static void add_base(SyscallSet *s)
{
        syscall_set_add(s, SYSREC_ABI_NATIVE, (unsigned)abi_syscall_number(SYSREC_ABI_NATIVE, "write"));
        syscall_set_add(s, SYSREC_ABI_NATIVE, (unsigned)abi_syscall_number(SYSREC_ABI_NATIVE, "close"));
        syscall_set_add(s, SYSREC_ABI_NATIVE, (unsigned)abi_syscall_number(SYSREC_ABI_NATIVE, "exit_group"));
        syscall_set_add(s, SYSREC_ABI_NATIVE, (unsigned)abi_syscall_number(SYSREC_ABI_NATIVE, "exit"));
}

static void add_named(SyscallSet *s, const char *name)
{
        int nr = abi_syscall_number(SYSREC_ABI_NATIVE, name);

        g_assert_cmpint(nr, >=, 0);
        syscall_set_add(s, SYSREC_ABI_NATIVE, (unsigned)nr);
}

/* Under the profile, what was recorded works and the rest fails with EPERM
 * (OCI defaultErrnoRet 1). */
static void test_bpf_enforced(void)
{
        unsigned char res[_PROBE_MAX];
        SyscallSet s = {};

        add_base(&s);
        add_named(&s, "getppid");
        add_named(&s, "socket");
        run_probes(&s, true, res);
        g_assert_cmpint(res[PROBE_GETPPID], ==, 0);
        g_assert_cmpint(res[PROBE_GETCPU], ==, EPERM);
        g_assert_cmpint(res[PROBE_PERSONALITY_LINUX], ==, EPERM);
        g_assert_cmpint(res[PROBE_CLONE3], ==, EPERM);
        /* Without argument rules a recorded call is allowed whatever its arguments. */
        run_probes(&s, false, res);
        g_assert_cmpint(res[PROBE_SOCKET_UNIX], ==, 0);
        g_assert_cmpint(res[PROBE_SOCKET_INET], ==, 0);
        g_assert_cmpint(res[PROBE_GETCPU], ==, EPERM);
}

/* With arguments, socket and personality are allowed for what was recorded
 * only; clone3 (whose flags a filter cannot see) fails with ENOSYS once clone
 * is restricted, so that the C library falls back to clone. */
static void test_bpf_arguments(void)
{
        unsigned char res[_PROBE_MAX];
        SyscallSet s = {};

        add_base(&s);
        add_named(&s, "socket");
        add_named(&s, "personality");
        add_named(&s, "clone");
        add_named(&s, "clone3");
        s.args.socket_families = UINT64_C(1) << AF_UNIX;
        s.args.personality[0] = PER_LINUX + 1; /* stored +1: 0 means an empty slot */

        run_probes(&s, true, res);
        g_assert_cmpint(res[PROBE_SOCKET_UNIX], ==, 0);
        g_assert_cmpint(res[PROBE_SOCKET_INET], ==, EPERM);
        g_assert_cmpint(res[PROBE_PERSONALITY_LINUX], ==, 0);
        g_assert_cmpint(res[PROBE_PERSONALITY_LINUX32], ==, EPERM);
        g_assert_cmpint(res[PROBE_CLONE3], ==, ENOSYS);

        /* Without arguments the same recording allows every variant. */
        run_probes(&s, false, res);
        g_assert_cmpint(res[PROBE_SOCKET_INET], ==, 0);
        g_assert_cmpint(res[PROBE_PERSONALITY_LINUX32], ==, 0);
        g_assert_cmpint(res[PROBE_GETCPU], ==, EPERM);
}

/* The base64 text form is the same program, and stable. */
static void test_bpf_text(void)
{
        _cleanup_free_ void *prog = NULL;
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        g_autofree guchar *decoded = NULL;
        size_t size = 0, dsize = 0;
        SyscallSet s = {};

        fill(&s, false);
        g_assert_cmpint(profile_build_bpf(&s, &(ProfileOptions){ .arguments = true }, &prog, &size), ==, 0);
        g_assert_cmpint(profile_format(&s, PROFILE_BPF, "x", &text), ==, 0);
        g_assert_cmpint(profile_format(&s, PROFILE_BPF, "x", &text2), ==, 0);
        g_assert_cmpstr(text, ==, text2);
        decoded = g_base64_decode(text, &dsize);
        g_assert_cmpmem(decoded, dsize, prog, size);
}

/* ---- Argument rules ---- */

/* The OCI rules naming syscall name (borrowed objects). */
static GPtrArray *rules_for(json_object *root, const char *name)
{
        json_object *syscalls = get(root, "syscalls", json_type_array);
        GPtrArray *found = g_ptr_array_new();

        for (size_t i = 0; i < json_object_array_length(syscalls); i++) {
                json_object *rule = json_object_array_get_idx(syscalls, i);
                g_autofree const char **names = strings(get(rule, "names", json_type_array));

                if (g_strv_contains(names, name))
                        g_ptr_array_add(found, rule);
        }
        return found;
}

static void assert_arg(json_object *rule, const char *op, int64_t value, int64_t value_two)
{
        json_object *args = get(rule, "args", json_type_array), *arg;

        g_assert_cmpstr(json_object_get_string(get(rule, "action", json_type_string)), ==, "SCMP_ACT_ALLOW");
        g_assert_cmpuint(json_object_array_length(args), ==, 1);
        arg = json_object_array_get_idx(args, 0);
        g_assert_cmpint(json_object_get_int64(get(arg, "index", json_type_int)), ==, 0);
        g_assert_cmpint(json_object_get_int64(get(arg, "value", json_type_int)), ==, value);
        g_assert_cmpint(json_object_get_int64(get(arg, "valueTwo", json_type_int)), ==, value_two);
        g_assert_cmpstr(json_object_get_string(get(arg, "op", json_type_string)), ==, op);
}

static void assert_unrestricted(json_object *root, const char *name)
{
        g_autoptr(GPtrArray) rules = rules_for(root, name);

        g_assert_cmpuint(rules->len, ==, 1);
        g_assert_false(json_object_object_get_ex(rules->pdata[0], "args", NULL));
        g_assert_cmpstr(json_object_get_string(get(rules->pdata[0], "action", json_type_string)), ==,
                        "SCMP_ACT_ALLOW");
}

static json_object *oci_with(const SyscallSet *s, bool arguments)
{
        _cleanup_free_ char *text = NULL;
        json_object *root;

        g_assert_cmpint(profile_format_oci_full(s, &(ProfileOptions){ .arguments = arguments }, &text), ==, 0);
        root = json_tokener_parse(text);
        g_assert_nonnull(root);
        return root;
}

/* Docker-style argument rules, as runc reads them: one rule per socket
 * family and personality value, clone as MASKED_EQ of the namespace flags
 * that were never asked for. */
static void test_oci_arguments(void)
{
        SyscallSet s = {};
        json_object *root;
        g_autoptr(GPtrArray) socket_rules = NULL, personality_rules = NULL, clone_rules = NULL;

        syscall_set_add(&s, SYSREC_ABI_NATIVE, NR_READ);
        add_named(&s, "socket");
        add_named(&s, "personality");
        add_named(&s, "clone");
        s.args.socket_families = (UINT64_C(1) << AF_UNIX) | (UINT64_C(1) << AF_INET);
        s.args.personality[0] = PER_LINUX32 + 1;
        s.args.personality[1] = PER_LINUX + 1;
        s.args.clone_flags = CLONE_NEWNS;

        root = oci_with(&s, true);
        assert_unrestricted(root, "read");
        socket_rules = rules_for(root, "socket");
        g_assert_cmpuint(socket_rules->len, ==, 2);
        assert_arg(socket_rules->pdata[0], "SCMP_CMP_EQ", AF_UNIX, 0);
        assert_arg(socket_rules->pdata[1], "SCMP_CMP_EQ", AF_INET, 0);
        personality_rules = rules_for(root, "personality");
        g_assert_cmpuint(personality_rules->len, ==, 2);
        assert_arg(personality_rules->pdata[0], "SCMP_CMP_EQ", PER_LINUX, 0);
        assert_arg(personality_rules->pdata[1], "SCMP_CMP_EQ", PER_LINUX32, 0);
        clone_rules = rules_for(root, "clone");
        g_assert_cmpuint(clone_rules->len, ==, 1);
        assert_arg(clone_rules->pdata[0], "SCMP_CMP_MASKED_EQ", 0x7E020080 & ~CLONE_NEWNS, 0);
        json_object_put(root);

        /* arguments off: one plain allow list. */
        root = oci_with(&s, false);
        g_assert_cmpuint(json_object_array_length(get(root, "syscalls", json_type_array)), ==, 1);
        assert_unrestricted(root, "socket");
        assert_unrestricted(root, "personality");
        assert_unrestricted(root, "clone");
        json_object_put(root);
}

/* Arguments are recorded for the native ABI only, and runc applies a rule to
 * every architecture of the profile: a call that 32-bit or x32 code also
 * made must stay unrestricted, or the profile denies what that code did. */
static void test_oci_arguments_other_abi(void)
{
        SyscallSet x32 = {}, i386 = {};
        json_object *root;

        add_named(&x32, "socket");
        x32.args.socket_families = UINT64_C(1) << AF_UNIX;
        syscall_set_add(&x32, SYSREC_ABI_X32, (unsigned)abi_syscall_number(SYSREC_ABI_X32, "socket"));
        root = oci_with(&x32, true);
        assert_unrestricted(root, "socket");
        json_object_put(root);

        add_named(&i386, "socket");
        i386.args.socket_families = UINT64_C(1) << AF_UNIX;
        /* i386 socket (direct, not through socketcall), a number libseccomp
         * names but maps back only to a pseudo number. */
        syscall_set_add(&i386, SYSREC_ABI_COMPAT, 359);
        root = oci_with(&i386, true);
        assert_unrestricted(root, "socket");
        json_object_put(root);
}

/* The SeccompProfile resource: the CRD's fields, the same allow list as OCI,
 * and stable bytes. */
static void test_spo(void)
{
        _cleanup_free_ char *a = NULL, *b = NULL;
        SyscallSet s1 = {}, s2 = {};

        fill(&s1, false);
        fill(&s2, true);
        g_assert_cmpint(profile_format(&s1, PROFILE_SPO, "Web_1", &a), ==, 0);
        g_assert_cmpint(profile_format(&s2, PROFILE_SPO, "Web_1", &b), ==, 0);
        g_assert_cmpstr(a, ==, b);
        g_assert_nonnull(strstr(a, "apiVersion: security-profiles-operator.x-k8s.io/v1\n"));
        g_assert_nonnull(strstr(a, "kind: SeccompProfile\n"));
        g_assert_nonnull(strstr(a, "defaultAction: SCMP_ACT_ERRNO\n"));
        g_assert_nonnull(strstr(a, "SCMP_ARCH_X86_64"));
        g_assert_nonnull(strstr(a, "SCMP_ARCH_X86\n"));
        g_assert_nonnull(strstr(a, "SCMP_ARCH_X32"));
        g_assert_nonnull(strstr(a, "getppid"));
        g_assert_nonnull(strstr(a, "semget"));
        g_assert_null(strstr(a, "defaultErrnoRet"));
        /* A Kubernetes object name: lower case, no '_'. */
        g_assert_null(strstr(a, "Web_1\n"));
        g_assert_nonnull(strstr(a, "web-1"));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/sysrec/profile/format-names", test_format_names);
#if defined(__x86_64__)
        g_test_add_func("/sysrec/profile/oci", test_oci);
        g_test_add_func("/sysrec/profile/oci-architectures", test_oci_architectures);
        g_test_add_func("/sysrec/profile/oci-empty", test_oci_empty);
        g_test_add_func("/sysrec/profile/oci-unknown-number", test_oci_unknown_number);
        g_test_add_func("/sysrec/profile/stable", test_stable);
        g_test_add_func("/sysrec/profile/systemd", test_systemd);
        g_test_add_func("/sysrec/profile/systemd-architectures", test_systemd_architectures);
        g_test_add_func("/sysrec/profile/systemd-long", test_systemd_long);
        g_test_add_func("/sysrec/profile/oci-arguments", test_oci_arguments);
        g_test_add_func("/sysrec/profile/oci-arguments-other-abi", test_oci_arguments_other_abi);
        g_test_add_func("/sysrec/profile/bpf-enforced", test_bpf_enforced);
        g_test_add_func("/sysrec/profile/bpf-arguments", test_bpf_arguments);
        g_test_add_func("/sysrec/profile/bpf-text", test_bpf_text);
        g_test_add_func("/sysrec/profile/spo", test_spo);
#endif

        return g_test_run();
}
