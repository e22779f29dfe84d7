/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests for names.h: the names clients choose become file names and object
 * paths, so anything that could escape a directory or confuse a log reader
 * must be refused; labels select which workloads a recording covers.
 */
#include <glib.h>
#include <string.h>

#include "names.h"

static char *repeat(char c, size_t n)
{
        char *s = g_malloc(n + 1);

        memset(s, c, n);
        s[n] = 0;
        return s;
}

typedef bool (*name_check_t)(const char *s);

static void check_names(name_check_t valid, size_t max)
{
        static const char *const good[] = {
                "a", "0", "web", "Web-1", "nginx.service", "a_b", "a..b", "a-", "a.", "pod_1.2-3",
        };
        static const char *const bad[] = {
                "", ".", "..", ".hidden", "-x", "_x", "a/b", "/a", "a b", " a", "a\n", "a\tb",
                "a:b", "a@b", "caf\xc3\xa9", "\xc3\xa9t\xc3\xa9", "a\x7f", "name=value",
        };
        g_autofree char *longest = repeat('n', max), *too_long = repeat('n', max + 1);

        for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
                if (!valid(good[i]))
                        g_error("\"%s\" refused", good[i]);
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
                if (valid(bad[i]))
                        g_error("\"%s\" accepted", bad[i]);
        g_assert_false(valid(NULL));
        g_assert_true(valid(longest));
        g_assert_false(valid(too_long));
}

static void test_recording_name(void)
{
        g_assert_cmpint(RECORDING_NAME_MAX, ==, 250);
        check_names(recording_name_is_valid, RECORDING_NAME_MAX);
}

static void test_workload_id(void)
{
        g_autofree char *container_id = repeat('f', 64);

        check_names(workload_id_is_valid, WORKLOAD_ID_MAX);
        g_assert_true(workload_id_is_valid(container_id));
        g_assert_true(workload_id_is_valid("0b0e7e6c-2a0f-4b7e-9d2c-4c2f8e1d7a10"));
}

static void test_label_key(void)
{
        g_autofree char *longest = repeat('k', LABEL_KEY_MAX), *too_long = repeat('k', LABEL_KEY_MAX + 1);

        g_assert_true(label_key_is_valid("app"));
        g_assert_true(label_key_is_valid("app.kubernetes.io/name"));
        g_assert_true(label_key_is_valid("io.kubernetes.pod.namespace"));
        g_assert_true(label_key_is_valid("caf\xc3\xa9")); /* printable UTF-8 */
        g_assert_true(label_key_is_valid(longest));

        g_assert_false(label_key_is_valid(NULL));
        g_assert_false(label_key_is_valid(""));
        g_assert_false(label_key_is_valid("a=b"));
        g_assert_false(label_key_is_valid("a\nb"));
        g_assert_false(label_key_is_valid("a\tb"));
        g_assert_false(label_key_is_valid("\x1b[31m"));
        g_assert_false(label_key_is_valid("a\x7f"));
        g_assert_false(label_key_is_valid(too_long));
}

static void test_label_value(void)
{
        g_autofree char *longest = repeat('v', LABEL_VALUE_MAX),
                        *too_long = repeat('v', LABEL_VALUE_MAX + 1);

        g_assert_true(label_value_is_valid(""));
        g_assert_true(label_value_is_valid("web"));
        g_assert_true(label_value_is_valid("a=b c")); /* '=' is fine in a value */
        g_assert_true(label_value_is_valid("\xe2\x9c\x93"));
        g_assert_true(label_value_is_valid(longest));

        g_assert_false(label_value_is_valid(NULL));
        g_assert_false(label_value_is_valid(too_long));
        g_assert_false(label_value_is_valid("a\nb"));
        g_assert_false(label_value_is_valid("a\rb"));
        g_assert_false(label_value_is_valid("a\x7f"));
}

static void test_labels_get(void)
{
        char *labels[] = { "app", "web", "tier", "front", NULL };
        char *odd[] = { "app", "web", "dangling", NULL };
        char *none[] = { NULL };

        g_assert_cmpuint(labels_count(labels), ==, 2);
        g_assert_cmpuint(labels_count(odd), ==, 1);
        g_assert_cmpuint(labels_count(none), ==, 0);
        g_assert_cmpuint(labels_count(NULL), ==, 0);

        g_assert_cmpstr(labels_get(labels, "app"), ==, "web");
        g_assert_cmpstr(labels_get(labels, "tier"), ==, "front");
        g_assert_null(labels_get(labels, "web")); /* values are not keys */
        g_assert_null(labels_get(odd, "dangling"));
        g_assert_null(labels_get(NULL, "app"));
}

static void test_labels_match(void)
{
        char *workload[] = { "app", "web", "tier", "front", "team", "a", NULL };
        char *one[] = { "app", "web", NULL };
        char *two[] = { "tier", "front", "app", "web", NULL };
        char *all[] = { "team", "a", "tier", "front", "app", "web", NULL };
        char *wrong_value[] = { "app", "db", NULL };
        char *partly_wrong[] = { "app", "web", "tier", "back", NULL };
        char *missing_key[] = { "app", "web", "zone", "eu", NULL };
        char *more_than_workload[] = { "app", "web", "tier", "front", "team", "a", "x", "y", NULL };
        char *case_differs[] = { "App", "web", NULL };
        char *empty[] = { NULL };

        /* An empty selector matches nothing, not everything. */
        g_assert_false(labels_match(empty, workload));
        g_assert_false(labels_match(NULL, workload));
        g_assert_false(labels_match(empty, empty));

        /* Subset semantics: every selector pair must be among the labels. */
        g_assert_true(labels_match(one, workload));
        g_assert_true(labels_match(two, workload));
        g_assert_true(labels_match(all, workload));
        g_assert_false(labels_match(more_than_workload, workload));
        g_assert_true(labels_match(one, one));

        g_assert_false(labels_match(wrong_value, workload));
        g_assert_false(labels_match(partly_wrong, workload));
        g_assert_false(labels_match(missing_key, workload));
        g_assert_false(labels_match(case_differs, workload));
        g_assert_false(labels_match(one, empty));
        g_assert_false(labels_match(one, NULL));
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/sysrec/names/recording-name", test_recording_name);
        g_test_add_func("/sysrec/names/workload-id", test_workload_id);
        g_test_add_func("/sysrec/names/label-key", test_label_key);
        g_test_add_func("/sysrec/names/label-value", test_label_value);
        g_test_add_func("/sysrec/names/labels-get", test_labels_get);
        g_test_add_func("/sysrec/names/labels-match", test_labels_match);

        return g_test_run();
}
