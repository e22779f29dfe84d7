/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See seccomp-spec.h. */
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "seccomp-spec.h"

/* Fields of a syscall rule that make it a distinct rule; names are what merges. */
static int rule_key(json_object *rule, char **ret)
{
        _cleanup_json_ json_object *k = json_object_new_object();
        if (!k)
                return -ENOMEM;
        json_object_object_foreach(rule, key, val) {
                if (strcmp(key, "names") == 0)
                        continue;
                if (json_set(k, key, json_object_get(val)) < 0)
                        return -ENOMEM;
        }
        *ret = strdup(json_text(k));
        return *ret ? 0 : -ENOMEM;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_object *strv_to_array(char **l)
{
        json_object *a = json_object_new_array();

        for (char **i = l; a && i && *i; i++)
                if (json_object_array_add(a, json_object_new_string(*i)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

typedef struct Rule {
        char *key;
        json_object *template; /* the rule without names */
        char **names;
} Rule;

typedef struct RuleSet {
        Rule *rules;
        size_t n;
} RuleSet;

static void rule_set_done(RuleSet *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->rules[i].key);
                json_object_put(s->rules[i].template);
                strv_free(s->rules[i].names);
        }
        free(s->rules);
}

static int rule_set_add(RuleSet *s, json_object *rule)
{
        _cleanup_free_ char *key = NULL;
        json_object *names = json_get(rule, "names");
        Rule *r = NULL;
        int k;

        if (!names || !json_object_is_type(names, json_type_array))
                return 0;
        k = rule_key(rule, &key);
        if (k < 0)
                return k;
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->rules[i].key, key) == 0)
                        r = &s->rules[i];
        if (!r) {
                Rule *a = realloc(s->rules, sizeof(Rule) * (s->n + 1));
                json_object *t = json_object_new_object();

                if (!a || !t) {
                        json_object_put(t);
                        if (a)
                                s->rules = a;
                        return -ENOMEM;
                }
                s->rules = a;
                r = &s->rules[s->n++];
                *r = (Rule){ .key = TAKE_PTR(key), .template = t };
                json_object_object_foreach(rule, fk, fv)
                        if (strcmp(fk, "names") != 0 && json_set(t, fk, json_object_get(fv)) < 0)
                                return -ENOMEM;
        }
        for (size_t i = 0; i < json_object_array_length(names); i++) {
                const char *n = json_object_get_string(json_object_array_get_idx(names, i));

                if (n && strv_add_unique(&r->names, n) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int cmp_rule(const void *a, const void *b)
{
        const Rule *x = a, *y = b;
        /* unconditional rules (shortest keys: no args) first, then by key */
        size_t lx = strlen(x->key), ly = strlen(y->key);
        return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->key, y->key);
}

static int rules_to_json(RuleSet *s, json_object **ret)
{
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        qsort(s->rules, s->n, sizeof(Rule), cmp_rule);
        for (size_t i = 0; i < s->n; i++) {
                Rule *r = &s->rules[i];
                json_object *o, *names;

                if (strv_length(r->names) == 0)
                        continue;
                qsort(r->names, strv_length(r->names), sizeof(char *), cmp_str);
                /* names allowed unconditionally need no conditional rule */
                o = json_object_new_object();
                names = strv_to_array(r->names);
                if (!o || !names || json_set(o, "names", names) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                json_object_object_foreach(r->template, k, v)
                        if (json_set(o, k, json_object_get(v)) < 0) {
                                json_object_put(o);
                                return -ENOMEM;
                        }
                if (json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(a);
        return 0;
}

/* Drop names of rules with arguments that an unconditional rule with the same
 * action already allows. */
static void rules_simplify(RuleSet *s)
{
        for (size_t i = 0; i < s->n; i++) {
                const char *action = json_get_str(s->rules[i].template, "action");

                if (json_object_object_length(s->rules[i].template) != 1 || !action)
                        continue;
                for (size_t j = 0; j < s->n; j++) {
                        const char *a2 = json_get_str(s->rules[j].template, "action");
                        char **l = s->rules[j].names;
                        size_t k = 0;

                        if (j == i || !a2 || strcmp(a2, action) != 0)
                                continue;
                        for (size_t m = 0; l && l[m]; m++)
                                if (strv_contains(s->rules[i].names, l[m]))
                                        free(l[m]);
                                else
                                        l[k++] = l[m];
                        if (l)
                                l[k] = NULL;
                }
        }
}

static int add_string_set(json_object *spec, const char *key, json_object *a, json_object *b)
{
        _cleanup_strv_free_ char **la = NULL, **lb = NULL;
        json_object *arr;

        if (!a && !b)
                return 0;
        if (json_string_set(a, &la) < 0 || json_string_set(b, &lb) < 0)
                return -ENOMEM;
        for (char **i = lb; i && *i; i++)
                if (strv_add_unique(&la, *i) < 0)
                        return -ENOMEM;
        qsort(la, strv_length(la), sizeof(char *), cmp_str);
        arr = strv_to_array(la);
        return json_set(spec, key, arr);
}

int seccomp_spec_union(json_object *a, json_object *b, json_object **ret)
{
        _cleanup_json_ json_object *spec = json_object_new_object();
        _cleanup_(rule_set_done) RuleSet rules = {};
        json_object *first = a ?: b, *syscalls;
        int r;

        if (!spec)
                return -ENOMEM;
        if (!first)
                return -EINVAL;
        json_object_object_foreach(first, k, v) {
                if (strcmp(k, "architectures") == 0 || strcmp(k, "syscalls") == 0 || strcmp(k, "flags") == 0)
                        continue;
                if (json_set(spec, k, json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        r = add_string_set(spec, "architectures", a ? json_get(a, "architectures") : NULL,
                           b ? json_get(b, "architectures") : NULL);
        if (r >= 0)
                r = add_string_set(spec, "flags", a ? json_get(a, "flags") : NULL, b ? json_get(b, "flags") : NULL);
        if (r < 0)
                return r;
        for (int side = 0; side < 2; side++) {
                json_object *s = side == 0 ? a : b, *l = s ? json_get(s, "syscalls") : NULL;

                for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                        r = rule_set_add(&rules, json_object_array_get_idx(l, i));
                        if (r < 0)
                                return r;
                }
        }
        rules_simplify(&rules);
        r = rules_to_json(&rules, &syscalls);
        if (r < 0)
                return r;
        r = json_set(spec, "syscalls", syscalls);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(spec);
        return 0;
}

int seccomp_spec_from_oci(json_object *oci, json_object **ret)
{
        _cleanup_json_ json_object *spec = json_object_new_object();
        static const char *const copy[] = { "defaultAction", "architectures", "syscalls", "flags",
                                            "listenerPath", "listenerMetadata" };

        if (!spec)
                return -ENOMEM;
        if (!json_get_str(oci, "defaultAction"))
                return -EBADMSG;
        for (size_t i = 0; i < ELEMENTSOF(copy); i++) {
                json_object *v = json_get(oci, copy[i]);

                if (v && json_set(spec, copy[i], json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        /* normalise: sorted, merged rules */
        return seccomp_spec_union(spec, NULL, ret);
}

int seccomp_spec_from_oci_text(const char *text, json_object **ret)
{
        _cleanup_json_ json_object *oci = NULL;
        int r;

        r = json_parse(text, strlen(text), &oci);
        if (r < 0)
                return r;
        return seccomp_spec_from_oci(oci, ret);
}

int seccomp_spec_to_oci_text(json_object *spec, char **ret)
{
        _cleanup_json_ json_object *oci = json_object_new_object();
        static const char *const copy[] = { "defaultAction", "architectures", "flags", "listenerPath",
                                            "listenerMetadata", "syscalls" };
        const char *text;

        if (!oci)
                return -ENOMEM;
        if (!json_get_str(spec, "defaultAction"))
                return -EBADMSG;
        for (size_t i = 0; i < ELEMENTSOF(copy); i++) {
                json_object *v = json_get(spec, copy[i]);

                if (v && json_set(oci, copy[i], json_object_get(v)) < 0)
                        return -ENOMEM;
        }
        text = json_object_to_json_string_ext(oci, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(ret, "%s\n", text) < 0)
                return -ENOMEM;
        return 0;
}

size_t seccomp_spec_count(json_object *spec)
{
        json_object *l = json_get(spec, "syscalls");
        size_t n = 0;

        for (size_t i = 0; l && json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                json_object *names = json_get(json_object_array_get_idx(l, i), "names");
                if (names && json_object_is_type(names, json_type_array))
                        n += json_object_array_length(names);
        }
        return n;
}
