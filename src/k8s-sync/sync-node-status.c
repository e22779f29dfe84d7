/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A SeccompProfile's status when every node installs it. The operator keeps
 * one SecurityProfileNodeStatus object per node and profile and lets its
 * manager fold them into status.status; sysrec has no manager and adds no
 * CRD, so each node's sidecar keeps its state in the profile itself:
 *
 *   - a finalizer "<node>-deleted", as the operator's daemons set, while the
 *     node may have the profile's file: deleting the profile waits until
 *     every node has removed it;
 *   - a condition "node.sysrec.io/<node>" in status.conditions (True when
 *     installed; reason Installed, Disabled, BaseProfileMissing, Terminating
 *     or an error; message: the file's path or what is wrong).
 *
 * A node that writes a profile from a recording also says whether the
 * recording saw everything, in a condition "complete.sysrec.io/<node>": True
 * (reason Complete), or False (reason KernelStateLost, the message naming the
 * recordings) once sysrecd lost part of a recording's kernel state (a reboot,
 * removed pins, sysrecd without pins killed): enforced, the profile may break
 * the workload. Profiles grow by unions, so False stays False unless the
 * profile is replaced as a whole; merged profiles carry the conditions of
 * their partial ones.
 *
 * Whoever writes a node condition also folds all of them into status.status
 * (the lowest state of all nodes, in the operator's order), the Ready
 * condition, localhostProfile and path (only when every node that installed
 * the profile has it at the same path). Writes are read-modify-write with the
 * resourceVersion, so two nodes writing at once retry instead of clobbering
 * each other's condition.
 *
 * A node that left the cluster for good would hold a deleted profile forever
 * with its finalizer. The operator's manager removes such finalizers; here
 * every sidecar that sees a profile being deleted does: the finalizer of a
 * node that has a condition in the profile and whose Node object is gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json-util.h"
#include "log.h"
#include "sync.h"

#define NODE_CONDITION_PREFIX "node.sysrec.io/"
#define COMPLETE_CONDITION_PREFIX "complete.sysrec.io/"
#define COMPLETE_REASON "Complete"
#define LOST_REASON "KernelStateLost"
/* The recordings' names follow; a condition message has room for 32768 bytes. */
#define LOST_MESSAGE "Part of the kernel state of these recordings was lost (a reboot, removed pins, or " \
                     "sysrecd killed with --no-pin); the profile may lack syscalls:"
#define LOST_MESSAGE_MAX 16384
#define FINALIZER_NODE_SUFFIX "-deleted"
#define LABEL_VALUE_MAX 63

/* Lowest first: the profile's state is the lowest of its nodes'. */
static const struct {
        const char *state;
        const char *ready_reason;
} state_order[] = {
        { "Error", "Unavailable" },    { "Terminating", "Deleting" }, { "Pending", "Creating" },
        { "InProgress", "Creating" },  { "Partial", "Unavailable" },  { "Disabled", "Unavailable" },
        { "Installed", "Available" },
};

static const char *reason_to_state(const char *reason)
{
        if (strcmp(reason, "Installed") == 0 || strcmp(reason, "Disabled") == 0 ||
            strcmp(reason, "Terminating") == 0)
                return reason;
        if (strcmp(reason, "BaseProfileMissing") == 0)
                return "Pending";
        return "Error";
}

static int state_rank(const char *state)
{
        for (size_t i = 0; i < ELEMENTSOF(state_order); i++)
                if (strcmp(state_order[i].state, state) == 0)
                        return (int)i;
        return 0;
}

char *node_finalizer_name(const char *node)
{
        char *f = NULL;

        /* A finalizer's name part is at most 63 characters; shorten long node
         * names with a hash of the whole name so that two nodes never share one. */
        if (strlen(node) + strlen(FINALIZER_NODE_SUFFIX) <= LABEL_VALUE_MAX) {
                if (asprintf(&f, "%s" FINALIZER_NODE_SUFFIX, node) < 0)
                        return NULL;
        } else {
                uint32_t h = 2166136261u; /* FNV-1a */
                int keep = LABEL_VALUE_MAX - (int)strlen(FINALIZER_NODE_SUFFIX) - 9;

                for (const char *p = node; *p; p++)
                        h = (h ^ (unsigned char)*p) * 16777619u;
                if (asprintf(&f, "%.*s-%08x" FINALIZER_NODE_SUFFIX, keep, node, h) < 0)
                        return NULL;
        }
        return f;
}

static void now_rfc3339(char buf[static 32])
{
        time_t t = time(NULL);
        struct tm tm;

        strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
}

static json_object *condition_new(const char *type, bool ok, const char *reason, const char *message,
                                  json_object *old)
{
        _cleanup_json_ json_object *c = json_object_new_object();
        const char *since = NULL;
        char ts[32];

        if (!c)
                return NULL;
        /* lastTransitionTime moves only when the condition's status does */
        if (old && strcmp(strempty(json_get_str(old, "status")), ok ? "True" : "False") == 0)
                since = json_get_str(old, "lastTransitionTime");
        if (!since) {
                now_rfc3339(ts);
                since = ts;
        }
        if (json_set_str(c, "type", type) < 0 || json_set_str(c, "status", ok ? "True" : "False") < 0 ||
            json_set_str(c, "reason", reason) < 0 || json_set_str(c, "message", strempty(message)) < 0 ||
            json_set_str(c, "lastTransitionTime", since) < 0)
                return NULL;
        return TAKE_PTR(c);
}

typedef struct NodeCondition {
        const char *type, *reason, *message;
        const char *localhost; /* operator/<name>.json */
} NodeCondition;

/* Put c in place of the condition of its type (or add it); the rest keep their order. */
static int conditions_put(json_object *st, json_object *c)
{
        json_object *l = json_get(st, "conditions"), *out = json_object_new_array();
        const char *type = json_get_str(c, "type");
        bool put = false;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                json_object *e = json_object_array_get_idx(l, i);

                if (strcmp(strempty(json_get_str(e, "type")), type) == 0) {
                        if (!put)
                                json_object_array_add(out, json_object_get(c));
                        put = true;
                } else
                        json_object_array_add(out, json_object_get(e));
        }
        if (!put)
                json_object_array_add(out, json_object_get(c));
        json_object_put(c);
        return json_set(st, "conditions", out);
}

static json_object *condition_find(json_object *st, const char *type)
{
        json_object *l = json_get(st, "conditions");

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++)
                if (strcmp(strempty(json_get_str(json_object_array_get_idx(l, i), "type")), type) == 0)
                        return json_object_array_get_idx(l, i);
        return NULL;
}

/* status.status, Ready, localhostProfile and path from every node's condition. */
static int status_fold(json_object *st, const char *localhost)
{
        json_object *l = json_get(st, "conditions");
        const char *path = NULL;
        bool any_installed = false, paths_agree = true;
        int low = (int)ELEMENTSOF(state_order) - 1;
        json_object *ready;

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                json_object *c = json_object_array_get_idx(l, i);
                const char *type = strempty(json_get_str(c, "type")), *reason = strempty(json_get_str(c, "reason"));
                int rank;

                if (strncmp(type, NODE_CONDITION_PREFIX, strlen(NODE_CONDITION_PREFIX)) != 0)
                        continue;
                rank = state_rank(reason_to_state(reason));
                if (rank < low)
                        low = rank;
                if (strcmp(reason, "Installed") == 0) {
                        const char *m = strempty(json_get_str(c, "message"));

                        any_installed = true;
                        if (path && strcmp(path, m) != 0)
                                paths_agree = false;
                        path = m;
                }
        }
        if (json_set_str(st, "status", state_order[low].state) < 0)
                return -ENOMEM;
        ready = condition_new("Ready", low == (int)ELEMENTSOF(state_order) - 1, state_order[low].ready_reason, "",
                              condition_find(st, "Ready"));
        if (!ready || conditions_put(st, ready) < 0)
                return -ENOMEM;
        if (any_installed) {
                if (json_set_str(st, "localhostProfile", localhost) < 0)
                        return -ENOMEM;
        } else
                json_object_object_del(st, "localhostProfile");
        if (any_installed && paths_agree && *path) {
                if (json_set_str(st, "path", path) < 0)
                        return -ENOMEM;
        } else
                json_object_object_del(st, "path");
        return 0;
}

static int apply_node_condition(json_object *obj, void *userdata, bool *changed)
{
        NodeCondition *n = userdata;
        _cleanup_json_ json_object *before = NULL;
        json_object *st = json_ensure_object(obj, "status"), *c;
        int r;

        if (!st)
                return -ENOMEM;
        if (json_object_deep_copy(st, &before, NULL) < 0)
                return -ENOMEM;
        c = condition_new(n->type, strcmp(n->reason, "Installed") == 0, n->reason, n->message,
                          condition_find(st, n->type));
        if (!c)
                return -ENOMEM;
        r = conditions_put(st, c);
        if (r >= 0)
                r = status_fold(st, n->localhost);
        if (r < 0)
                return r;
        *changed = !json_equal(before, st);
        return 0;
}

int node_status_set(Sync *s, json_object *profile, const char *reason, const char *message)
{
        _cleanup_free_ char *type = NULL, *path = NULL, *local = NULL;
        _cleanup_json_ json_object *copy = NULL;
        const char *name = json_get_str(profile, "metadata.name");
        NodeCondition n = { .reason = reason, .message = message };
        bool changed = false;
        int r;

        if (!name || asprintf(&type, NODE_CONDITION_PREFIX "%s", s->opt.node_name) < 0 ||
            asprintf(&local, "operator/%s.json", name) < 0 ||
            asprintf(&path, SPO_PATH "/seccompprofiles/%s/status", name) < 0)
                return -ENOMEM;
        n.type = type;
        n.localhost = local;
        /* Nothing to write if the version we have already says so. */
        if (json_object_deep_copy(profile, &copy, NULL) < 0)
                return -ENOMEM;
        r = apply_node_condition(copy, &n, &changed);
        if (r < 0 || !changed)
                return r;
        r = api_update(s, path, apply_node_condition, &n);
        if (r == -ENOENT)
                return 0; /* deleted meanwhile */
        if (r >= 0)
                log_debug("SeccompProfile %s: node %s is %s.", name, s->opt.node_name, reason);
        return r;
}

bool node_has_finalizer(Sync *s, json_object *profile)
{
        _cleanup_free_ char *f = node_finalizer_name(s->opt.node_name);
        json_object *l = json_get(profile, "metadata.finalizers");

        for (size_t i = 0; f && l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++)
                if (strcmp(strempty(json_object_get_string(json_object_array_get_idx(l, i))), f) == 0)
                        return true;
        return false;
}

int node_finalizer(Sync *s, json_object *profile, bool add)
{
        _cleanup_free_ char *f = node_finalizer_name(s->opt.node_name), *path = NULL;
        const char *name = json_get_str(profile, "metadata.name");
        int r;

        if (!f || !name || asprintf(&path, SPO_PATH "/seccompprofiles/%s", name) < 0)
                return -ENOMEM;
        if (node_has_finalizer(s, profile) == add)
                return 0;
        r = api_object_finalizer(s, path, f, add);
        return r == -ENOENT && !add ? 0 : r;
}

/* The node of a finalizer, from the node conditions of the profile; NULL if no
 * node that wrote one has that finalizer. */
static char *finalizer_node(json_object *profile, const char *finalizer)
{
        json_object *l = json_get(profile, "status.conditions");

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                const char *type = strempty(json_get_str(json_object_array_get_idx(l, i), "type"));
                _cleanup_free_ char *f = NULL;

                if (strncmp(type, NODE_CONDITION_PREFIX, strlen(NODE_CONDITION_PREFIX)) != 0)
                        continue;
                type += strlen(NODE_CONDITION_PREFIX);
                f = node_finalizer_name(type);
                if (f && strcmp(f, finalizer) == 0)
                        return strdup(type);
        }
        return NULL;
}

int node_release_departed(Sync *s, json_object *profile)
{
        _cleanup_free_ char *mine = node_finalizer_name(s->opt.node_name), *path = NULL;
        const char *name = json_get_str(profile, "metadata.name");
        json_object *l = json_get(profile, "metadata.finalizers");
        int r = 0;

        if (!mine || !name || asprintf(&path, SPO_PATH "/seccompprofiles/%s", name) < 0)
                return -ENOMEM;
        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                const char *f = strempty(json_object_get_string(json_object_array_get_idx(l, i)));
                _cleanup_free_ char *node = NULL, *node_path = NULL;
                int k;

                if (strcmp(f, mine) == 0 || !(node = finalizer_node(profile, f)))
                        continue;
                if (asprintf(&node_path, "/api/v1/nodes/%s", node) < 0)
                        return -ENOMEM;
                k = kube_request(s->kube, "GET", node_path, NULL, NULL, NULL);
                if (k != -ENOENT) {
                        if (k < 0)
                                r = log_debug_errno(k, "Cannot tell whether node %s still exists: %s", node,
                                                    kube_last_error(s->kube));
                        continue;
                }
                k = api_object_finalizer(s, path, f, false);
                if (k < 0) {
                        r = k;
                        continue;
                }
                log_info("SeccompProfile %s: node %s left the cluster; removed its finalizer %s.", name, node, f);
        }
        return r;
}

typedef struct CompleteCondition {
        const char *type;
        const char *lost; /* space-separated recordings that lost kernel state; NULL: complete */
        bool replace;     /* the profile was written anew, not unioned */
} CompleteCondition;

static bool words_have(const char *words, const char *w)
{
        size_t n = strlen(w);

        for (const char *p = words; (p = strstr(p, w)); p += n)
                if ((p == words || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
                        return true;
        return false;
}

static bool condition_is_false(json_object *c)
{
        return c && strcmp(strempty(json_get_str(c, "status")), "False") == 0;
}

/* The recordings a False condition names ("" if its message is not ours), or NULL if it is not False. */
static const char *message_lost(json_object *c)
{
        const char *m = c ? json_get_str(c, "message") : NULL;

        if (!condition_is_false(c))
                return NULL;
        if (!m || strncmp(m, LOST_MESSAGE, strlen(LOST_MESSAGE)) != 0)
                return "";
        return m + strlen(LOST_MESSAGE);
}

/* LOST_MESSAGE and the recordings of old's message (unless replaced), then lost's. */
static char *lost_message(const char *lost, json_object *old, bool replace)
{
        _cleanup_free_ char *list = strdup(strempty(replace ? NULL : message_lost(old)));
        char *out;

        if (!list)
                return NULL;
        for (const char *w = lost; *w;) {
                size_t n = strcspn(w, " ");
                _cleanup_free_ char *word = strndup(w, n);
                char *longer;

                if (!word)
                        return NULL;
                if (*word && !words_have(list, word) && strlen(list) + n < LOST_MESSAGE_MAX) {
                        if (asprintf(&longer, "%s %s", list, word) < 0)
                                return NULL;
                        free(list);
                        list = longer;
                }
                w += n + (w[n] == ' ');
        }
        return asprintf(&out, "%s%s", LOST_MESSAGE, list) < 0 ? NULL : out;
}

int complete_condition_apply(json_object *obj, const char *type, const char *lost, bool replace, bool *changed)
{
        json_object *st = json_ensure_object(obj, "status"), *old, *cond;
        _cleanup_json_ json_object *before = NULL;
        _cleanup_free_ char *message = NULL;

        if (!st)
                return -ENOMEM;
        old = condition_find(st, type);
        if (!lost && condition_is_false(old) && !replace)
                return 0; /* what was lost is still missing from the union */
        if (lost && !(message = lost_message(lost, old, replace)))
                return -ENOMEM;
        if (old && json_object_deep_copy(old, &before, NULL) < 0)
                return -ENOMEM;
        cond = condition_new(type, !lost, lost ? LOST_REASON : COMPLETE_REASON, message, old);
        if (!cond)
                return -ENOMEM;
        if (before && json_equal(before, cond)) {
                json_object_put(cond);
                return 0;
        }
        *changed = true;
        return conditions_put(st, cond);
}

static int apply_complete_condition(json_object *obj, void *userdata, bool *changed)
{
        CompleteCondition *c = userdata;

        return complete_condition_apply(obj, c->type, c->lost, c->replace, changed);
}

static int complete_condition_put(Sync *s, const char *name, CompleteCondition *c)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, SPO_PATH "/seccompprofiles/%s/status", name) < 0)
                return -ENOMEM;
        r = api_update(s, path, apply_complete_condition, c);
        if (r == -ENOENT)
                return 0; /* deleted meanwhile */
        if (r >= 0 && c->lost)
                log_warning("SeccompProfile %s may lack syscalls: recording %s lost part of its kernel state (%s).",
                            name, c->lost, c->type);
        return r;
}

int profile_complete_set(Sync *s, const char *name, const char *lost, bool replace)
{
        _cleanup_free_ char *type = NULL;
        CompleteCondition c = { .lost = lost, .replace = replace };

        if (asprintf(&type, COMPLETE_CONDITION_PREFIX "%s", s->opt.node_name) < 0)
                return -ENOMEM;
        c.type = type;
        return complete_condition_put(s, name, &c);
}

int profile_complete_carry(Sync *s, const char *name, json_object *from)
{
        json_object *l = json_get(from, "status.conditions");
        int r = 0;

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                json_object *e = json_object_array_get_idx(l, i);
                CompleteCondition c = { .type = strempty(json_get_str(e, "type")), .lost = message_lost(e) };
                int k;

                if (strncmp(c.type, COMPLETE_CONDITION_PREFIX, strlen(COMPLETE_CONDITION_PREFIX)) != 0)
                        continue;
                k = complete_condition_put(s, name, &c);
                if (k < 0)
                        r = k;
        }
        return r;
}
