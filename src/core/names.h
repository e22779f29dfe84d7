/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validation of names clients choose, and label matching. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define RECORDING_NAME_MAX 250 /* "<name>.json" fits in NAME_MAX (255) */
#define WORKLOAD_ID_MAX 253
#define LABEL_KEY_MAX 317   /* Kubernetes: 253-byte prefix + '/' + 63-byte name */
#define LABEL_VALUE_MAX 1024

/* [A-Za-z0-9][A-Za-z0-9._-]{0,249}: safe as a file name, with ".json"
 * appended still within NAME_MAX, and readable in logs. */
bool recording_name_is_valid(const char *s);
/* Workload ids follow the same rule (a container id, a pod UID, a unit name). */
bool workload_id_is_valid(const char *s);
/* Printable UTF-8 of bounded length; sd-bus has already checked UTF-8. */
bool label_key_is_valid(const char *s);
bool label_value_is_valid(const char *s);

/* Labels are NULL-terminated arrays of alternating keys and values. */
size_t labels_count(char **labels);
const char *labels_get(char **labels, const char *key);
/* true when every pair of selector is in labels; an empty selector matches
 * nothing (a recording "of everything" is not what anybody means). */
bool labels_match(char **selector, char **labels);
