/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See json-util.h. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "json-util.h"

json_object *json_get(json_object *o, const char *path)
{
        const char *p = path;

        while (o && *p) {
                const char *dot = strchr(p, '.');
                size_t n = dot ? (size_t)(dot - p) : strlen(p);
                char key[256];

                if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
                        return NULL;
                memcpy(key, p, n);
                key[n] = 0;
                if (!json_object_object_get_ex(o, key, &o))
                        return NULL;
                p += n + (dot ? 1 : 0);
        }
        return o;
}

const char *json_get_str(json_object *o, const char *path)
{
        json_object *v = json_get(o, path);

        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *json_get_label(json_object *o, const char *key)
{
        json_object *labels = json_get(o, "metadata.labels"), *v;

        if (!labels || !json_object_is_type(labels, json_type_object) || !json_object_object_get_ex(labels, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

bool json_get_bool(json_object *o, const char *path, bool def)
{
        json_object *v = json_get(o, path);

        if (!v || !json_object_is_type(v, json_type_boolean))
                return def;
        return json_object_get_boolean(v);
}

int json_set(json_object *o, const char *key, json_object *v)
{
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int json_set_str(json_object *o, const char *key, const char *s)
{
        return json_set(o, key, json_object_new_string(s));
}

json_object *json_ensure_object(json_object *o, const char *key)
{
        json_object *v;

        if (json_object_object_get_ex(o, key, &v))
                return json_object_is_type(v, json_type_object) ? v : NULL;
        v = json_object_new_object();
        if (json_set(o, key, v) < 0)
                return NULL;
        return v;
}

int json_parse(const char *text, size_t len, json_object **ret)
{
        json_tokener *tok = json_tokener_new();
        json_object *o;

        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int)len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success) {
                json_object_put(o);
                json_tokener_free(tok);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        *ret = o;
        return 0;
}

static json_object *scalar_to_json(const yaml_node_t *n)
{
        const char *s = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        char *end;
        long long v;

        if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return json_object_new_string_len(s, (int)len);
        if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0)
                return json_object_new_boolean(1);
        if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0)
                return json_object_new_boolean(0);
        if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || len == 0)
                return NULL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno == 0 && *end == 0 && end != s)
                return json_object_new_int64(v);
        return json_object_new_string_len(s, (int)len);
}

static int node_to_json(yaml_document_t *doc, yaml_node_t *n, unsigned depth, json_object **ret)
{
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!n || depth > 64)
                return -EBADMSG;
        switch (n->type) {
        case YAML_SCALAR_NODE:
                *ret = scalar_to_json(n);
                return 0;
        case YAML_SEQUENCE_NODE:
                o = json_object_new_array();
                if (!o)
                        return -ENOMEM;
                for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
                        json_object *v = NULL;

                        r = node_to_json(doc, yaml_document_get_node(doc, *i), depth + 1, &v);
                        if (r < 0)
                                return r;
                        if (json_object_array_add(o, v) < 0) {
                                json_object_put(v);
                                return -ENOMEM;
                        }
                }
                break;
        case YAML_MAPPING_NODE:
                o = json_object_new_object();
                if (!o)
                        return -ENOMEM;
                for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
                        yaml_node_t *k = yaml_document_get_node(doc, p->key);
                        json_object *v = NULL;

                        if (!k || k->type != YAML_SCALAR_NODE)
                                return -EBADMSG;
                        r = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1, &v);
                        if (r < 0)
                                return r;
                        if (json_object_object_add(o, (const char *)k->data.scalar.value, v) < 0) {
                                json_object_put(v);
                                return -ENOMEM;
                        }
                }
                break;
        default:
                return -EBADMSG;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

int yaml_parse_to_json(const char *text, size_t len, json_object **ret)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        yaml_node_t *root;
        json_object *o = NULL;
        int r;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, &doc)) {
                yaml_parser_delete(&parser);
                return -EBADMSG;
        }
        root = yaml_document_get_root_node(&doc);
        r = root ? node_to_json(&doc, root, 0, &o) : -ENODATA;
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        if (r < 0)
                return r;
        *ret = o;
        return 0;
}

const char *json_text(json_object *o)
{
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

bool json_equal(json_object *a, json_object *b)
{
        return json_object_equal(a, b) == 1;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int json_string_set(json_object *array, char ***ret)
{
        size_t n = array && json_object_is_type(array, json_type_array) ? json_object_array_length(array) : 0;
        char **l = calloc(n + 1, sizeof(char *));
        size_t k = 0;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(array, i);

                if (!json_object_is_type(e, json_type_string))
                        continue;
                l[k] = strdup(json_object_get_string(e));
                if (!l[k]) {
                        strv_free(l);
                        return -ENOMEM;
                }
                k++;
        }
        qsort(l, k, sizeof(char *), cmp_str);
        for (size_t i = 1; i < k;)
                if (strcmp(l[i - 1], l[i]) == 0) {
                        free(l[i]);
                        memmove(l + i, l + i + 1, sizeof(char *) * (k - i));
                        k--;
                } else
                        i++;
        *ret = l;
        return 0;
}

bool strv_contains(char **l, const char *s)
{
        for (char **i = l; i && *i; i++)
                if (strcmp(*i, s) == 0)
                        return true;
        return false;
}

size_t strv_length(char **l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

int strv_add_unique(char ***l, const char *s)
{
        size_t n = strv_length(*l);
        char **a;

        if (strv_contains(*l, s))
                return 0;
        a = realloc(*l, sizeof(char *) * (n + 2));
        if (!a)
                return -ENOMEM;
        *l = a;
        a[n] = strdup(s);
        a[n + 1] = NULL;
        return a[n] ? 1 : -ENOMEM;
}
