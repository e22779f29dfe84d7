/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small json-c helpers for Kubernetes objects: cleanup, dotted-path lookup,
 * and YAML documents (kubeconfig) turned into the same json_object trees.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

/* The member at a dotted path ("metadata.labels"), or NULL. */
json_object *json_get(json_object *o, const char *path);
/* The string at a dotted path, or NULL if absent or not a string. */
const char *json_get_str(json_object *o, const char *path);
/* metadata.labels[key] (label keys have dots, so json_get cannot). */
const char *json_get_label(json_object *o, const char *key);
bool json_get_bool(json_object *o, const char *path, bool def);
/* Set o[key] (taking the reference of v); -ENOMEM. */
int json_set(json_object *o, const char *key, json_object *v);
int json_set_str(json_object *o, const char *key, const char *s);
/* Get o[key] as an object, creating it if absent. NULL on OOM or if it is not an object. */
json_object *json_ensure_object(json_object *o, const char *key);

/* Parse a whole JSON text (-EBADMSG if it is not JSON). */
int json_parse(const char *text, size_t len, json_object **ret);
/* Parse the first YAML document of a text: mappings become objects,
 * sequences arrays, plain scalars true/false/null/integers their JSON types,
 * everything else strings. -EBADMSG on a syntax error. */
int yaml_parse_to_json(const char *text, size_t len, json_object **ret);

/* Deterministic text of o (sorted keys are not needed: objects keep order). */
const char *json_text(json_object *o);
bool json_equal(json_object *a, json_object *b);

/* Strings of a JSON array of strings, NULL-terminated, sorted and without
 * duplicates (a set). */
int json_string_set(json_object *array, char ***ret);
bool strv_contains(char **l, const char *s);
size_t strv_length(char **l);
/* Add a copy of s to *l unless present; keeps *l NULL-terminated. */
int strv_add_unique(char ***l, const char *s);
