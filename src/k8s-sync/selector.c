/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See selector.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "json-util.h"
#include "selector.h"

static const char *label(json_object *labels, const char *key)
{
        json_object *v;

        if (!labels || !json_object_object_get_ex(labels, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static bool values_contain(json_object *values, const char *s)
{
        for (size_t i = 0; s && i < json_object_array_length(values); i++) {
                const char *v = json_object_get_string(json_object_array_get_idx(values, i));
                if (v && strcmp(v, s) == 0)
                        return true;
        }
        return false;
}

static int expression_matches(json_object *e, json_object *labels)
{
        const char *key = json_get_str(e, "key"), *op = json_get_str(e, "operator");
        json_object *values = json_get(e, "values");
        size_t n = values && json_object_is_type(values, json_type_array) ? json_object_array_length(values) : 0;
        const char *v;

        if (!key || !op || (values && !json_object_is_type(values, json_type_array)))
                return -EINVAL;
        v = label(labels, key);
        if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
                if (n == 0)
                        return -EINVAL;
                if (op[0] == 'I')
                        return v && values_contain(values, v);
                return !v || !values_contain(values, v);
        }
        if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) {
                if (n != 0)
                        return -EINVAL;
                return op[0] == 'E' ? v != NULL : v == NULL;
        }
        return -EINVAL;
}

int label_selector_matches(json_object *selector, json_object *labels)
{
        json_object *ml, *me;
        int result = 1;

        if (!selector)
                return 0;
        if (!json_object_is_type(selector, json_type_object))
                return -EINVAL;
        ml = json_get(selector, "matchLabels");
        me = json_get(selector, "matchExpressions");
        if (ml) {
                if (!json_object_is_type(ml, json_type_object))
                        return -EINVAL;
                json_object_object_foreach(ml, k, want) {
                        const char *have = label(labels, k);

                        if (!json_object_is_type(want, json_type_string))
                                return -EINVAL;
                        if (!have || strcmp(have, json_object_get_string(want)) != 0)
                                result = 0;
                }
        }
        if (me) {
                if (!json_object_is_type(me, json_type_array))
                        return -EINVAL;
                for (size_t i = 0; i < json_object_array_length(me); i++) {
                        int r = expression_matches(json_object_array_get_idx(me, i), labels);

                        if (r < 0)
                                return r;
                        if (r == 0)
                                result = 0;
                }
        }
        return result;
}
