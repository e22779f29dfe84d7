/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * YAML (a SeccompProfile resource) read with libyaml's parser into a json-c
 * tree, so that one validator (profile-import.c) checks OCI JSON and SPO
 * YAML alike. Plain scalars are typed the way Kubernetes' YAML reader types
 * them (null, true/false, integers, floats, else strings); quoted scalars are
 * strings. Anchors, aliases and multiple documents are refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "macro.h"
#include "profile-import.h"

#define YAML_DEPTH_MAX 64

typedef struct Reader {
        yaml_parser_t parser;
        char **error;
} Reader;

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

static int fail(Reader *rd, const yaml_mark_t *mark, int err, const char *fmt, ...) _printf_(4, 5);
static int fail(Reader *rd, const yaml_mark_t *mark, int err, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        free(*rd->error);
        *rd->error = NULL;
        if (asprintf(rd->error, "line %zu, column %zu: %s", mark->line + 1, mark->column + 1,
                     msg ?: "out of memory") < 0)
                *rd->error = NULL;
        return err;
}

/* The one place the parser is called: its 0/1 becomes -errno and a message. */
static int next_event(Reader *rd, yaml_event_t *ev)
{
        if (yaml_parser_parse(&rd->parser, ev))
                return 0;
        if (rd->parser.error == YAML_MEMORY_ERROR)
                return -ENOMEM;
        return fail(rd, &rd->parser.problem_mark, -EBADMSG, "YAML syntax error: %s%s%s",
                    rd->parser.problem ?: "unknown", rd->parser.context ? " " : "", strempty(rd->parser.context));
}

static bool word_in(const char *s, const char *const *words)
{
        for (; *words; words++)
                if (strcmp(s, *words) == 0)
                        return true;
        return false;
}

static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };

static bool is_null_word(const char *s)
{
        return word_in(s, nulls);
}

/* A plain scalar typed as YAML's core schema does; NULL for null (json-c's
 * null), and on ENOMEM. */
static json_object *plain_scalar(const char *s)
{
        static const char *const trues[] = { "true", "True", "TRUE", NULL };
        static const char *const falses[] = { "false", "False", "FALSE", NULL };
        char *end;

        if (word_in(s, nulls))
                return json_object_new_null();
        if (word_in(s, trues))
                return json_object_new_boolean(1);
        if (word_in(s, falses))
                return json_object_new_boolean(0);
        if ((*s >= '0' && *s <= '9') || ((*s == '-' || *s == '+') && s[1] >= '0' && s[1] <= '9')) {
                errno = 0;
                if (*s == '-') {
                        long long v = strtoll(s, &end, 0);
                        if (!*end && errno == 0)
                                return json_object_new_int64(v);
                } else {
                        unsigned long long v = strtoull(s, &end, 0);
                        if (!*end && errno == 0)
                                return v > INT64_MAX ? json_object_new_uint64(v) : json_object_new_int64((int64_t)v);
                }
                errno = 0;
                double d = strtod(s, &end);
                if (!*end && errno == 0)
                        return json_object_new_double(d);
        }
        return json_object_new_string(s);
}

static int read_node(Reader *rd, yaml_event_t *ev, unsigned depth, json_object **ret);

static int read_children(Reader *rd, bool mapping, unsigned depth, json_object *parent)
{
        for (;;) {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};
                _cleanup_(json_object_putp) json_object *key = NULL, *value = NULL;
                int r;

                r = next_event(rd, &ev);
                if (r < 0)
                        return r;
                if (ev.type == (mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT))
                        return 0;
                r = read_node(rd, &ev, depth + 1, mapping ? &key : &value);
                if (r < 0)
                        return r;
                if (!mapping) {
                        if (json_object_array_add(parent, value) < 0)
                                return -ENOMEM;
                        value = NULL;
                        continue;
                }
                if (!json_object_is_type(key, json_type_string))
                        return fail(rd, &ev.start_mark, -EINVAL, "mapping keys must be strings");
                if (json_object_object_get_ex(parent, json_object_get_string(key), NULL))
                        return fail(rd, &ev.start_mark, -EINVAL, "duplicate key \"%s\"",
                                    json_object_get_string(key));
                {
                        _cleanup_(yaml_event_delete) yaml_event_t vev = {};

                        r = next_event(rd, &vev);
                        if (r < 0)
                                return r;
                        r = read_node(rd, &vev, depth + 1, &value);
                        if (r < 0)
                                return r;
                }
                if (json_object_object_add(parent, json_object_get_string(key), value) < 0)
                        return -ENOMEM;
                value = NULL;
        }
}

static int read_node(Reader *rd, yaml_event_t *ev, unsigned depth, json_object **ret)
{
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        if (depth > YAML_DEPTH_MAX)
                return fail(rd, &ev->start_mark, -EINVAL, "nested deeper than %d levels", YAML_DEPTH_MAX);
        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                return fail(rd, &ev->start_mark, -EINVAL, "aliases (*%s) are not supported",
                            (const char *)ev->data.alias.anchor);
        case YAML_SCALAR_EVENT: {
                const char *v = (const char *)ev->data.scalar.value;
                const char *tag = (const char *)ev->data.scalar.tag;

                if (tag && strcmp(tag, YAML_STR_TAG) != 0)
                        return fail(rd, &ev->start_mark, -EINVAL, "tag %s is not supported", tag);
                if (strlen(v) != ev->data.scalar.length)
                        return fail(rd, &ev->start_mark, -EINVAL, "scalar contains a NUL byte");
                o = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag ? plain_scalar(v)
                                                                             : json_object_new_string(v);
                /* json-c's null is the NULL pointer: only a non-null scalar
                 * that came back NULL ran out of memory. */
                if (!o && !(ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag && is_null_word(v)))
                        return -ENOMEM;
                break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
                bool mapping = ev->type == YAML_MAPPING_START_EVENT;

                o = mapping ? json_object_new_object() : json_object_new_array();
                if (!o)
                        return -ENOMEM;
                r = read_children(rd, mapping, depth, o);
                if (r < 0)
                        return r;
                break;
        }
        default:
                return fail(rd, &ev->start_mark, -EBADMSG, "unexpected YAML event %d", (int)ev->type);
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* Expect an event of type t (stream/document boundaries). */
static int expect(Reader *rd, yaml_event_type_t t, const char *what)
{
        _cleanup_(yaml_event_delete) yaml_event_t ev = {};
        int r = next_event(rd, &ev);

        if (r < 0)
                return r;
        if (ev.type != t)
                return fail(rd, &ev.start_mark, -EINVAL, "%s", what);
        return 0;
}

int yaml_to_json(const char *text, size_t size, json_object **ret, char **ret_error)
{
        _cleanup_(json_object_putp) json_object *root = NULL;
        Reader rd = { .error = ret_error };
        int r;

        if (!yaml_parser_initialize(&rd.parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&rd.parser, (const unsigned char *)text, size);
        r = expect(&rd, YAML_STREAM_START_EVENT, "not a YAML stream");
        if (r >= 0)
                r = expect(&rd, YAML_DOCUMENT_START_EVENT, "empty YAML document");
        if (r >= 0) {
                _cleanup_(yaml_event_delete) yaml_event_t ev = {};

                r = next_event(&rd, &ev);
                if (r >= 0)
                        r = read_node(&rd, &ev, 0, &root);
        }
        if (r >= 0)
                r = expect(&rd, YAML_DOCUMENT_END_EVENT, "junk after the document");
        if (r >= 0)
                r = expect(&rd, YAML_STREAM_END_EVENT, "more than one YAML document");
        yaml_parser_delete(&rd.parser);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(root);
        return 0;
}
