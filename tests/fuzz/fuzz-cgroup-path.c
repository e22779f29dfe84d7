/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz cgroup_path_normalize() (src/core/cgroup.c), which turns every cgroup
 * path a client sends into the path sysrecd opens below the cgroup2 mount.
 * Besides memory errors, it checks what callers rely on: an accepted path is
 * absolute, has no empty, "." or ".." component, no control character, no
 * trailing slash (but "/"), is no longer than its input, and normalizing it
 * again gives it back unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        abort();                                                                   \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *in, *out = NULL, *again = NULL;
        int r;

        if (size > 8192)
                return 0;
        in = malloc(size + 1);
        if (!in)
                return 0;
        memcpy(in, data, size);
        in[size] = 0; /* D-Bus strings hold no NUL: the path ends at the first one */

        r = cgroup_path_normalize(in, &out);
        if (r >= 0) {
                size_t n = strlen(out);

                CHECK(out[0] == '/');
                CHECK(n <= strlen(in) || strcmp(out, "/") == 0);
                CHECK(n == 1 || out[n - 1] != '/');
                CHECK(!strstr(out, "//"));
                CHECK(!strstr(out, "/./") && !strstr(out, "/../"));
                CHECK(!(n >= 2 && strcmp(out + n - 2, "/.") == 0));
                CHECK(!(n >= 3 && strcmp(out + n - 3, "/..") == 0));
                for (size_t i = 0; i < n; i++)
                        CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
                CHECK(cgroup_path_normalize(out, &again) >= 0);
                CHECK(strcmp(out, again) == 0);
        } else
                CHECK(r == -EINVAL || r == -ENAMETOOLONG);
        free(again);
        free(out);
        free(in);
        return 0;
}
