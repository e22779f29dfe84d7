/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * metav1.LabelSelector semantics: matchLabels and matchExpressions (In,
 * NotIn, Exists, DoesNotExist), ANDed; an empty selector matches everything,
 * a missing (NULL) one nothing.
 */
#pragma once

#include <json-c/json.h>

/* 1 if labels (an object of strings, may be NULL) match, 0 if not, -EINVAL if
 * the selector is malformed (unknown operator, In without values, ...). */
int label_selector_matches(json_object *selector, json_object *labels);
