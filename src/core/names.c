/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See names.h. */
#include <string.h>

#include "names.h"

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool name_valid(const char *s, size_t max)
{
        size_t n;

        if (!s || !is_alnum(s[0]))
                return false;
        for (n = 1; s[n]; n++)
                if (!is_alnum(s[n]) && s[n] != '.' && s[n] != '_' && s[n] != '-')
                        return false;
        return n <= max;
}

bool recording_name_is_valid(const char *s)
{
        return name_valid(s, RECORDING_NAME_MAX);
}

bool workload_id_is_valid(const char *s)
{
        return name_valid(s, WORKLOAD_ID_MAX);
}

static bool printable(const char *s, size_t min, size_t max)
{
        size_t n = 0;

        if (!s)
                return false;
        for (; s[n]; n++)
                if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
                        return false;
        return n >= min && n <= max;
}

bool label_key_is_valid(const char *s)
{
        return printable(s, 1, LABEL_KEY_MAX) && !strchr(s, '=');
}

bool label_value_is_valid(const char *s)
{
        return printable(s, 0, LABEL_VALUE_MAX);
}

size_t labels_count(char **labels)
{
        size_t n = 0;

        for (char **i = labels; i && i[0] && i[1]; i += 2)
                n++;
        return n;
}

const char *labels_get(char **labels, const char *key)
{
        for (char **i = labels; i && i[0] && i[1]; i += 2)
                if (strcmp(i[0], key) == 0)
                        return i[1];
        return NULL;
}

bool labels_match(char **selector, char **labels)
{
        if (labels_count(selector) == 0)
                return false;
        for (char **i = selector; i[0] && i[1]; i += 2) {
                const char *v = labels_get(labels, i[0]);
                if (!v || strcmp(v, i[1]) != 0)
                        return false;
        }
        return true;
}
