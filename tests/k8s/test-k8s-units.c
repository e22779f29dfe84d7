/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of sysrec-k8s-sync's pure parts: label selectors, the kubelet's cgroup
 * names, container ids in runtime cgroup names, SeccompProfile specs (union, OCI
 * conversion), kubeconfig and YAML parsing. No privileges, no cluster.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "json-util.h"
#include "kube-config.h"
#include "kubelet-cgroup.h"
#include "seccomp-spec.h"
#include "selector.h"
#include "sync.h"

static json_object *J(const char *text)
{
        json_object *o = NULL;

        g_assert_cmpint(json_parse(text, strlen(text), &o), ==, 0);
        return o;
}

static int match(const char *selector, const char *labels)
{
        _cleanup_json_ json_object *s = selector ? J(selector) : NULL, *l = labels ? J(labels) : NULL;

        return label_selector_matches(s, l);
}

static void test_selector(void)
{
        const char *labels = "{\"app\":\"nginx\",\"tier\":\"web\"}";

        g_assert_cmpint(match("{\"matchLabels\":{\"app\":\"nginx\"}}", labels), ==, 1);
        g_assert_cmpint(match("{\"matchLabels\":{\"app\":\"nginx\",\"tier\":\"db\"}}", labels), ==, 0);
        g_assert_cmpint(match("{}", labels), ==, 1);         /* empty: everything */
        g_assert_cmpint(match("{}", NULL), ==, 1);
        g_assert_cmpint(match(NULL, labels), ==, 0);         /* none: nothing */
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[\"a\",\"nginx\"]}]}", labels), ==, 1);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[\"a\"]}]}", labels), ==, 0);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"NotIn\",\"values\":[\"nginx\"]}]}", labels), ==, 0);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"gone\",\"operator\":\"NotIn\",\"values\":[\"x\"]}]}", labels), ==, 1);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"Exists\"}]}", labels), ==, 1);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"DoesNotExist\"}]}", labels), ==, 0);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"x\",\"operator\":\"DoesNotExist\"}]}", labels), ==, 1);
        /* ANDed with matchLabels */
        g_assert_cmpint(match("{\"matchLabels\":{\"app\":\"nginx\"},\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"db\"]}]}", labels), ==, 0);
        /* malformed */
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Like\",\"values\":[\"x\"]}]}", labels), ==, -EINVAL);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[]}]}", labels), ==, -EINVAL);
        g_assert_cmpint(match("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}", labels), ==, -EINVAL);
}

static void check_cgroup(CgroupDriver d, const char *root, const char *qos, const char *uid, const char *want)
{
        _cleanup_free_ char *p = NULL;

        g_assert_cmpint(kubelet_pod_cgroup(d, root, qos, uid, &p), ==, 0);
        g_assert_cmpstr(p, ==, want);
}

static void test_kubelet_cgroup(void)
{
        const char *uid = "1f2e3d4c-aaaa-bbbb-cccc-000011112222";
        _cleanup_free_ char *p = NULL;

        check_cgroup(CGROUP_DRIVER_SYSTEMD, "/", "Burstable", uid,
                     "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1f2e3d4c_aaaa_bbbb_cccc_000011112222.slice");
        check_cgroup(CGROUP_DRIVER_SYSTEMD, "/", "BestEffort", uid,
                     "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1f2e3d4c_aaaa_bbbb_cccc_000011112222.slice");
        check_cgroup(CGROUP_DRIVER_SYSTEMD, "/", "Guaranteed", uid,
                     "/kubepods.slice/kubepods-pod1f2e3d4c_aaaa_bbbb_cccc_000011112222.slice");
        check_cgroup(CGROUP_DRIVER_SYSTEMD, "/custom.slice", "Guaranteed", uid,
                     "/custom.slice/custom-kubepods.slice/custom-kubepods-pod1f2e3d4c_aaaa_bbbb_cccc_000011112222.slice");
        check_cgroup(CGROUP_DRIVER_CGROUPFS, "/", "Burstable", uid,
                     "/kubepods/burstable/pod1f2e3d4c-aaaa-bbbb-cccc-000011112222");
        check_cgroup(CGROUP_DRIVER_CGROUPFS, "/", "Guaranteed", uid, "/kubepods/pod1f2e3d4c-aaaa-bbbb-cccc-000011112222");
        check_cgroup(CGROUP_DRIVER_CGROUPFS, "/node/a", "BestEffort", uid,
                     "/node/a/kubepods/besteffort/pod1f2e3d4c-aaaa-bbbb-cccc-000011112222");
        g_assert_cmpint(kubelet_pod_cgroup(CGROUP_DRIVER_CGROUPFS, "/", "Premium", uid, &p), ==, -EINVAL);
        g_assert_cmpint(kubelet_pod_cgroup(CGROUP_DRIVER_CGROUPFS, "/", "Burstable", "../x", &p), ==, -EINVAL);
        g_assert_cmpint(cgroup_driver_from_string("systemd"), ==, CGROUP_DRIVER_SYSTEMD);
        g_assert_cmpint(cgroup_driver_from_string("cgroupfs"), ==, CGROUP_DRIVER_CGROUPFS);
        g_assert_cmpint(cgroup_driver_from_string("docker"), <, 0);
}

static void check_leaf(const char *leaf, const char *want)
{
        _cleanup_free_ char *id = NULL;
        int r = container_id_from_cgroup_leaf(leaf, &id);

        if (!want) {
                g_assert_cmpint(r, ==, -ENOENT);
                return;
        }
        g_assert_cmpint(r, ==, 0);
        g_assert_cmpstr(id, ==, want);
}

static void test_container_leaf(void)
{
        const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        char buf[256];

        snprintf(buf, sizeof(buf), "cri-containerd-%s.scope", id);
        check_leaf(buf, id);
        snprintf(buf, sizeof(buf), "crio-%s.scope", id);
        check_leaf(buf, id);
        snprintf(buf, sizeof(buf), "crio-%s", id);
        check_leaf(buf, id);
        snprintf(buf, sizeof(buf), "docker-%s.scope", id);
        check_leaf(buf, id);
        check_leaf(id, id);
        snprintf(buf, sizeof(buf), "crio-conmon-%s.scope", id);
        check_leaf(buf, NULL);
        check_leaf("kubepods-burstable-pod1f2e.slice", NULL);
        check_leaf("init.scope", NULL);
        g_assert_cmpstr(container_id_strip_runtime("containerd://abc"), ==, "abc");
        g_assert_cmpstr(container_id_strip_runtime("cri-o://def"), ==, "def");
        g_assert_null(container_id_strip_runtime("abc"));
        g_assert_null(container_id_strip_runtime(NULL));
}

static void test_spec_union(void)
{
        _cleanup_json_ json_object *a = J("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                                          "\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"write\",\"read\"]},"
                                          "{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"clone\",\"socket\"],\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}");
        _cleanup_json_ json_object *b = J("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X86_64\"],"
                                          "\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"socket\",\"exit_group\",\"read\"]}]}");
        _cleanup_json_ json_object *u = NULL, *u2 = NULL;

        g_assert_cmpint(seccomp_spec_union(a, b, &u), ==, 0);
        g_assert_cmpstr(json_text(json_get(u, "architectures")), ==, "[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X86_64\"]");
        /* unconditional names merged and sorted; socket needs no conditional rule any more */
        g_assert_cmpstr(json_text(json_get(u, "syscalls")), ==,
                        "[{\"names\":[\"exit_group\",\"read\",\"socket\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
                        "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]");
        g_assert_cmpuint(seccomp_spec_count(u), ==, 5);
        /* idempotent, and NULL is the neutral element */
        g_assert_cmpint(seccomp_spec_union(u, NULL, &u2), ==, 0);
        g_assert_true(json_equal(u, u2));
}

static void test_spec_oci(void)
{
        _cleanup_json_ json_object *spec = NULL, *back = NULL;
        _cleanup_free_ char *text = NULL;

        g_assert_cmpint(seccomp_spec_from_oci_text(
                                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
                                "\"architectures\":[\"SCMP_ARCH_X86_64\"],"
                                "\"syscalls\":[{\"names\":[\"write\",\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                                &spec),
                        ==, 0);
        /* defaultErrnoRet is not part of a SeccompProfile spec */
        g_assert_null(json_get(spec, "defaultErrnoRet"));
        g_assert_cmpstr(json_text(json_get(spec, "syscalls")), ==,
                        "[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]");
        g_assert_cmpint(seccomp_spec_to_oci_text(spec, &text), ==, 0);
        g_assert_true(g_str_has_suffix(text, "}\n"));
        g_assert_cmpint(json_parse(text, strlen(text), &back), ==, 0);
        g_assert_cmpstr(json_get_str(back, "defaultAction"), ==, "SCMP_ACT_ERRNO");
        g_assert_true(json_equal(json_get(back, "syscalls"), json_get(spec, "syscalls")));
        g_assert_cmpint(seccomp_spec_from_oci_text("{\"syscalls\":[]}", &back), ==, -EBADMSG);
        g_assert_cmpint(seccomp_spec_from_oci_text("not json", &back), ==, -EBADMSG);
}

static void test_yaml(void)
{
        const char *y = "a: 1\nb: true\nc: \"true\"\nd: [x, 2]\ne: ~\nf:\n  g: text\n";
        _cleanup_json_ json_object *o = NULL;

        g_assert_cmpint(yaml_parse_to_json(y, strlen(y), &o), ==, 0);
        g_assert_cmpstr(json_text(o), ==, "{\"a\":1,\"b\":true,\"c\":\"true\",\"d\":[\"x\",2],\"e\":null,\"f\":{\"g\":\"text\"}}");
        g_assert_cmpint(yaml_parse_to_json("a: [", 4, &o), ==, -EBADMSG);
}

static void test_kubeconfig(void)
{
        g_autofree char *dir = g_dir_make_tmp("sysrec-kc-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "config", NULL);
        g_autofree char *ca = g_build_filename(dir, "ca.crt", NULL);
        _cleanup_(kube_config_freep) KubeConfig *c = NULL;
        _cleanup_free_ char *token = NULL;
        const char *text =
                "apiVersion: v1\nkind: Config\ncurrent-context: two\n"
                "clusters:\n"
                "- name: c1\n  cluster:\n    server: https://one.example:6443\n"
                "- name: c2\n  cluster:\n    server: https://127.0.0.1:8443/\n    certificate-authority: ca.crt\n"
                "users:\n- name: u2\n  user:\n    token: s3cret\n"
                "contexts:\n- name: one\n  context: {cluster: c1, user: u2}\n"
                "- name: two\n  context:\n    cluster: c2\n    user: u2\n    namespace: team\n";

        g_assert_nonnull(dir);
        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        g_assert_cmpint(kube_config_load(path, NULL, &c), ==, 0);
        g_assert_cmpstr(c->server, ==, "https://127.0.0.1:8443");
        g_assert_cmpstr(c->ca_file, ==, ca);
        g_assert_cmpstr(c->namespace, ==, "team");
        g_assert_false(c->insecure);
        g_assert_cmpint(kube_config_get_token(c, &token), ==, 0);
        g_assert_cmpstr(token, ==, "s3cret");
        c = kube_config_free(c);
        g_assert_cmpint(kube_config_load(path, "one", &c), ==, 0);
        g_assert_cmpstr(c->server, ==, "https://one.example:6443");
        g_assert_null(c->ca_file);
        c = kube_config_free(c);
        g_assert_cmpint(kube_config_load(path, "three", &c), ==, -ENOENT);
        g_assert_cmpint(g_unlink(path), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_name_sanitize(void)
{
        _cleanup_free_ char *a = name_sanitize("My_Recording.v2", 253), *b = name_sanitize("--x--", 253),
                            *c = name_sanitize("___", 253), *d = name_sanitize("abcdef", 3);

        g_assert_cmpstr(a, ==, "my-recording.v2");
        g_assert_cmpstr(b, ==, "x");
        g_assert_null(c);
        g_assert_cmpstr(d, ==, "abc");
}

static json_object *lookup_in(const char *name, void *userdata)
{
        json_object *o;

        return json_object_object_get_ex(userdata, name, &o) ? o : NULL;
}

/* A SeccompProfile named name: allows names (comma-separated), on top of base. */
static json_object *profile(const char *name, const char *base, const char *names, const char *extra)
{
        g_autofree char *list = NULL, *text = NULL;
        g_auto(GStrv) v = g_strsplit(names, ",", 0);

        list = g_strjoinv("\",\"", v);
        text = g_strdup_printf("{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
                               "%s%s%s\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"%s\"]}]%s}}",
                               name, base ? "\"baseProfileName\":\"" : "", base ?: "", base ? "\"," : "", list,
                               extra ?: "");
        return J(text);
}

static void store_add(json_object *store, json_object *p)
{
        json_object_object_add(store, json_get_str(p, "metadata.name"), p);
}

static int resolve(json_object *store, const char *name, json_object **ret_spec, char **ret_message)
{
        return base_resolve_full(lookup_in(name, store), lookup_in, store, ret_spec, ret_message);
}

static void drop(json_object **o)
{
        json_object_put(*o);
        *o = NULL;
}

static bool spec_allows(json_object *spec, const char *name)
{
        json_object *l = json_get(spec, "syscalls");

        for (size_t i = 0; i < json_object_array_length(l); i++) {
                json_object *r = json_object_array_get_idx(l, i), *names = json_get(r, "names");

                for (size_t j = 0; names && j < json_object_array_length(names); j++)
                        if (strcmp(json_object_get_string(json_object_array_get_idx(names, j)), name) == 0)
                                return true;
        }
        return false;
}

static void test_base_profiles(void)
{
        _cleanup_json_ json_object *store = json_object_new_object(), *spec = NULL;
        _cleanup_free_ char *msg = NULL;

        store_add(store, profile("app", "mid", "read", ",\"architectures\":[\"SCMP_ARCH_X86_64\"]"));
        store_add(store, profile("mid", "low", "write", NULL));

        /* missing base two steps down: nothing, and the message names it */
        g_assert_cmpint(resolve(store, "app", &spec, &msg), ==, -ENOENT);
        g_assert_null(spec);
        g_assert_nonnull(strstr(msg, "\"low\""));
        g_clear_pointer(&msg, free);

        /* the chain: every base's syscalls, the profile's own everything else */
        store_add(store, profile("low", NULL, "getpid,uname", ",\"architectures\":[\"SCMP_ARCH_X86\"]"));
        g_assert_cmpint(resolve(store, "app", &spec, &msg), ==, 0);
        g_assert_true(spec_allows(spec, "read") && spec_allows(spec, "write") && spec_allows(spec, "getpid"));
        g_assert_cmpstr(json_get_str(spec, "defaultAction"), ==, "SCMP_ACT_ERRNO");
        g_assert_cmpint(json_object_array_length(json_get(spec, "architectures")), ==, 1);
        g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(json_get(spec, "architectures"), 0)), ==,
                        "SCMP_ARCH_X86_64");
        drop(&spec);

        /* no base: the profile's own spec */
        g_assert_cmpint(resolve(store, "low", &spec, &msg), ==, 0);
        g_assert_false(spec_allows(spec, "read"));
        drop(&spec);

        /* a cycle, named in the message */
        store_add(store, profile("c1", "c2", "read", NULL));
        store_add(store, profile("c2", "c1", "read", NULL));
        g_assert_cmpint(resolve(store, "c1", &spec, &msg), ==, -ELOOP);
        g_assert_cmpstr(msg, ==, "base profiles form a cycle: c1 -> c2 -> c1");
        g_clear_pointer(&msg, free);
        store_add(store, profile("self", "self", "read", NULL));
        g_assert_cmpint(resolve(store, "self", &spec, &msg), ==, -ELOOP);
        g_clear_pointer(&msg, free);

        /* oci:// is refused */
        store_add(store, profile("remote", "oci://ghcr.io/x/y:1", "read", NULL));
        g_assert_cmpint(resolve(store, "remote", &spec, &msg), ==, -EPROTONOSUPPORT);
        g_clear_pointer(&msg, free);

        /* 14 bases are fine (the operator's 15 levels), 15 are too many */
        for (int i = 0; i < 16; i++) {
                g_autofree char *n = g_strdup_printf("d%d", i), *b = g_strdup_printf("d%d", i + 1);

                store_add(store, profile(n, i < 15 ? b : NULL, "read", NULL));
        }
        g_assert_cmpint(resolve(store, "d1", &spec, &msg), ==, 0);
        drop(&spec);
        g_assert_cmpint(resolve(store, "d0", &spec, &msg), ==, -EMLINK);
        g_assert_null(spec);
        g_assert_cmpstr(msg, ==, "more than 14 base profiles in a chain (at \"d15\")");
}

static void test_node_finalizer(void)
{
        _cleanup_free_ char *a = node_finalizer_name("node-a"), *l1 = NULL, *l2 = NULL;
        char longname[80];

        g_assert_cmpstr(a, ==, "node-a-deleted");
        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        l1 = node_finalizer_name(longname);
        longname[70] = 'm';
        l2 = node_finalizer_name(longname);
        g_assert_cmpint(strlen(l1), <=, 63);
        g_assert_true(g_str_has_suffix(l1, "-deleted"));
        g_assert_cmpstr(l1, !=, l2); /* names differing past the cut get their own */
}

/* "status reason message" of the condition type of profile p. */
static char *condition_text(json_object *p, const char *type)
{
        json_object *l = json_get(p, "status.conditions");

        for (size_t i = 0; l && i < json_object_array_length(l); i++) {
                json_object *c = json_object_array_get_idx(l, i);

                if (strcmp(json_get_str(c, "type"), type) == 0)
                        return g_strdup_printf("%s %s %s", json_get_str(c, "status"), json_get_str(c, "reason"),
                                               json_get_str(c, "message"));
        }
        return NULL;
}

static void complete_step(json_object *p, const char *type, const char *lost, bool replace, bool want_changed,
                          const char *want)
{
        g_autofree char *got = NULL;
        bool changed = false;

        g_assert_cmpint(complete_condition_apply(p, type, lost, replace, &changed), ==, 0);
        g_assert_cmpint(changed, ==, want_changed);
        got = condition_text(p, type);
        g_assert_cmpstr(got, ==, want);
}

static void test_complete_condition(void)
{
        json_object *p = json_tokener_parse(
                "{\"metadata\":{\"name\":\"x\"},\"status\":{\"conditions\":[{\"type\":\"node.sysrec.io/a\","
                "\"status\":\"True\",\"reason\":\"Installed\",\"message\":\"/p\",\"lastTransitionTime\":\"t\"}]}}");
        const char *a = "complete.sysrec.io/a", *b = "complete.sysrec.io/b";
        g_autofree char *lost = NULL, *installed = NULL;

        g_assert_nonnull(p);
        complete_step(p, a, NULL, true, true, "True Complete ");
        complete_step(p, a, NULL, false, false, "True Complete ");
        /* a lost recording makes it False, naming it; more names are added once */
        g_assert_cmpint(complete_condition_apply(p, a, "r1", false, &(bool){ false }), ==, 0);
        lost = condition_text(p, a);
        g_assert_true(g_str_has_prefix(lost, "False KernelStateLost "));
        g_assert_true(g_str_has_suffix(lost, "may lack syscalls: r1"));
        g_clear_pointer(&lost, g_free);
        g_assert_cmpint(complete_condition_apply(p, a, "r2 r1", false, &(bool){ false }), ==, 0);
        lost = condition_text(p, a);
        g_assert_true(g_str_has_suffix(lost, "may lack syscalls: r1 r2"));
        g_clear_pointer(&lost, g_free);
        /* a complete recording unioned in does not make the union complete */
        bool changed = false;
        g_assert_cmpint(complete_condition_apply(p, a, NULL, false, &changed), ==, 0);
        g_assert_false(changed);
        lost = condition_text(p, a);
        g_assert_true(g_str_has_suffix(lost, "may lack syscalls: r1 r2"));
        g_clear_pointer(&lost, g_free);
        /* nor does the same loss again change anything */
        g_assert_cmpint(complete_condition_apply(p, a, "r2", false, &changed), ==, 0);
        g_assert_false(changed);
        /* another node's condition is its own */
        complete_step(p, b, NULL, false, true, "True Complete ");
        lost = condition_text(p, a);
        g_assert_true(g_str_has_prefix(lost, "False "));
        g_clear_pointer(&lost, g_free);
        /* a profile written anew from a complete recording is complete again */
        complete_step(p, a, NULL, true, true, "True Complete ");
        /* ... and one written anew from a lost one names only it */
        g_assert_cmpint(complete_condition_apply(p, a, "r1", false, &changed), ==, 0);
        g_assert_cmpint(complete_condition_apply(p, a, "r3", true, &changed), ==, 0);
        lost = condition_text(p, a);
        g_assert_true(g_str_has_suffix(lost, "may lack syscalls: r3"));
        /* the node's install condition is left alone */
        installed = condition_text(p, "node.sysrec.io/a");
        g_assert_cmpstr(installed, ==, "True Installed /p");
        json_object_put(p);
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sysrec/k8s/selector", test_selector);
        g_test_add_func("/sysrec/k8s/kubelet-cgroup", test_kubelet_cgroup);
        g_test_add_func("/sysrec/k8s/container-leaf", test_container_leaf);
        g_test_add_func("/sysrec/k8s/spec-union", test_spec_union);
        g_test_add_func("/sysrec/k8s/spec-oci", test_spec_oci);
        g_test_add_func("/sysrec/k8s/yaml", test_yaml);
        g_test_add_func("/sysrec/k8s/kubeconfig", test_kubeconfig);
        g_test_add_func("/sysrec/k8s/name-sanitize", test_name_sanitize);
        g_test_add_func("/sysrec/k8s/base-profiles", test_base_profiles);
        g_test_add_func("/sysrec/k8s/node-finalizer", test_node_finalizer);
        g_test_add_func("/sysrec/k8s/complete-condition", test_complete_condition);
        return g_test_run();
}
