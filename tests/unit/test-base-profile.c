/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for base-profile.h: base profiles are found by a plain name in the
 * search path, the first directory wins, and the shipped ones
 * (data/base-profiles) are valid profiles that hold what a runtime needs
 * after its filter install and none of its set-up calls.
 */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "base-profile.h"

/* Runtime set-up calls a base profile must not allow. */
static const char *const setup_only[] = { "mount", "pivot_root", "sethostname", "umount2", "unshare", "chroot" };

static char *src_path(const char *rel)
{
        const char *src = g_getenv("SYSREC_SRC");

        if (!src)
                g_error("SYSREC_SRC is not set (meson test sets it)");
        return g_build_filename(src, rel, NULL);
}

static void set_path(const char *first, const char *second)
{
        g_autofree char *p = second ? g_strdup_printf("%s:%s", first, second) : g_strdup(first);

        g_assert_cmpint(setenv("SYSREC_BASE_PROFILE_PATH", p, 1), ==, 0);
}

static bool has(const SyscallSet *s, const char *name)
{
        int nr = abi_syscall_number(SYSREC_ABI_NATIVE, name);

        return nr >= 0 && syscall_set_contains(s, SYSREC_ABI_NATIVE, (unsigned)nr);
}

static void test_names(void)
{
        static const char *const bad[] = { "", "../x", "..", ".", "a/b", "/etc/passwd", "runc.json/..", "a b",
                                           "-x", "x\n" };
        SyscallSet s;

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_assert_false(base_profile_name_is_valid(bad[i]));
                g_assert_cmpint(base_profile_load(bad[i], &s, NULL, NULL), ==, -EINVAL);
        }
        g_assert_false(base_profile_name_is_valid(NULL));
        g_assert_true(base_profile_name_is_valid("runc"));
        g_assert_true(base_profile_name_is_valid("crun-1.8"));
}

static void test_lookup(void)
{
        g_autofree char *shipped = src_path("data/base-profiles");
        g_autofree char *fixtures = src_path("tests/unit/base-profiles");
        g_autofree char *path = NULL, *err = NULL;
        SyscallSet s;

        set_path(shipped, NULL);
        g_assert_cmpint(base_profile_load("no-such-runtime", &s, NULL, &err), ==, -ENOENT);

        /* The first directory wins: the fixture's runc.json allows getppid only. */
        set_path(fixtures, shipped);
        g_assert_cmpint(base_profile_load("runc", &s, &path, NULL), ==, 0);
        g_assert_true(g_str_has_prefix(path, fixtures));
        g_assert_true(has(&s, "getppid"));
        g_assert_cmpuint(syscall_set_count(&s), ==, 1);
        g_clear_pointer(&path, g_free);
        /* ... and a name found only further on is found there. */
        g_assert_cmpint(base_profile_load("crun", &s, &path, NULL), ==, 0);
        g_assert_true(g_str_has_prefix(path, shipped));

        /* A file that is no allow list is refused, naming the file. */
        g_assert_cmpint(base_profile_load("allow-all", &s, NULL, &err), ==, -EBADMSG);
        g_assert_nonnull(strstr(err, "allow-all.json"));
        g_assert_nonnull(strstr(err, "defaultAction"));

        /* Relative entries are ignored. */
        set_path("data/base-profiles", NULL);
        g_assert_cmpint(base_profile_load("runc", &s, NULL, NULL), ==, -ENOENT);
        g_assert_cmpint(unsetenv("SYSREC_BASE_PROFILE_PATH"), ==, 0);
}

static void test_shipped(gconstpointer data)
{
        const char *name = data;
        g_autofree char *shipped = src_path("data/base-profiles");
        g_autofree char *err = NULL;
        SyscallSet s = {};

        set_path(shipped, NULL);
        if (base_profile_load(name, &s, NULL, &err) < 0)
                g_error("base profile %s: %s", name, err ?: "not found");
        g_assert_cmpint(unsetenv("SYSREC_BASE_PROFILE_PATH"), ==, 0);
        /* Every runtime executes the workload with the filter in force. */
        g_assert_true(has(&s, "execve"));
        for (size_t i = 0; i < G_N_ELEMENTS(setup_only); i++)
                if (has(&s, setup_only[i]))
                        g_error("base profile %s allows the set-up call %s", name, setup_only[i]);
}

/* A program run from its build tree finds the tree's data/base-profiles without
 * SYSREC_BASE_PROFILE_PATH (this test runs from the build tree). */
static void test_build_tree(void)
{
        g_autofree char *shipped = src_path("data/base-profiles");
        g_autofree char *err = NULL;
        SyscallSet s = {};

        g_assert_cmpint(unsetenv("SYSREC_BASE_PROFILE_PATH"), ==, 0);
        g_assert_nonnull(strstr(base_profile_path(), shipped));
        if (base_profile_load("runc", &s, NULL, &err) < 0)
                g_error("runc from the build tree: %s", err ?: "not found");
        g_assert_true(has(&s, "execve"));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sysrec/base-profile/names", test_names);
        g_test_add_func("/sysrec/base-profile/lookup", test_lookup);
        g_test_add_func("/sysrec/base-profile/build-tree", test_build_tree);
        g_test_add_data_func("/sysrec/base-profile/shipped/runc", "runc", test_shipped);
        g_test_add_data_func("/sysrec/base-profile/shipped/crun", "crun", test_shipped);
        return g_test_run();
}
