/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the validators of names clients choose and the label matching of
 * src/core/names.c. The input is split at NUL bytes into strings: the first
 * is checked as a recording name, workload id, label key and value; the rest
 * form a selector and a label set (alternating keys and values, split at the
 * first empty string). Besides memory errors it checks the promises the
 * daemon builds on: a valid recording name is a safe file name (no '/', not
 * "." or "..", no leading '.' or '-', only [A-Za-z0-9._-], and short enough
 * that "<name>.json" fits in NAME_MAX);
 * a valid key has no '=' and no control character; labels_match() is true
 * exactly when every selector pair is found by labels_get().
 */
#include <stdint.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#include "names.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        abort();                                                                   \
        } while (0)

static void check_name(const char *s)
{
        size_t n = strlen(s);

        if (recording_name_is_valid(s)) {
                CHECK(n >= 1 && n <= RECORDING_NAME_MAX);
                /* <state>/profiles/<name>.json must be a valid file name */
                CHECK(n + strlen(".json") <= NAME_MAX);
                CHECK(s[0] != '.' && s[0] != '-' && s[0] != '_');
                CHECK(strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n);
        }
        if (workload_id_is_valid(s))
                CHECK(n >= 1 && n <= WORKLOAD_ID_MAX);
        /* The same rule; only the maximum length may differ. */
        if (n <= RECORDING_NAME_MAX && n <= WORKLOAD_ID_MAX)
                CHECK(recording_name_is_valid(s) == workload_id_is_valid(s));
        if (label_key_is_valid(s)) {
                CHECK(n >= 1 && n <= LABEL_KEY_MAX && !strchr(s, '='));
                for (size_t i = 0; i < n; i++)
                        CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
        }
        if (label_value_is_valid(s))
                CHECK(n <= LABEL_VALUE_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf, **sel, **lab, **cur;
        size_t nsel = 0, nlab = 0, i = 0;
        bool in_labels = false, match;

        if (size > 16384)
                return 0;
        buf = malloc(size + 1);
        sel = calloc(size + 2, sizeof(char *));
        lab = calloc(size + 2, sizeof(char *));
        if (!buf || !sel || !lab)
                abort();
        memcpy(buf, data, size);
        buf[size] = 0;

        check_name(buf);
        for (char *p = buf + strlen(buf) + 1; p < buf + size + 1 && p <= buf + size; p += strlen(p) + 1) {
                if (!in_labels && *p == 0) {
                        in_labels = true;
                        continue;
                }
                cur = in_labels ? lab : sel;
                cur[in_labels ? nlab++ : nsel++] = p;
                check_name(p);
                i++;
        }
        /* Only whole pairs count. */
        if (nsel % 2)
                sel[--nsel] = NULL;
        if (nlab % 2)
                lab[--nlab] = NULL;

        CHECK(labels_count(sel) == nsel / 2);
        match = labels_match(sel, lab);
        if (nsel == 0)
                CHECK(!match);
        else {
                bool all = true;

                for (size_t k = 0; k < nsel; k += 2) {
                        const char *v = labels_get(lab, sel[k]);
                        all = all && v && strcmp(v, sel[k + 1]) == 0;
                }
                CHECK(match == all);
        }
        (void)i;
        free(lab);
        free(sel);
        free(buf);
        return 0;
}
