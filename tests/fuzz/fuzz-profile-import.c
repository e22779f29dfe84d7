/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz profile_import() (src/core/profile-import.c and -yaml.c): OCI
 * seccomp JSON and SeccompProfile YAML, as users hand them to sysrecctl. On
 * success the set is written as an OCI profile and imported again: nothing
 * may be lost on the way (the second set holds every syscall of the first).
 * On failure the error is one of the documented ones and comes with a
 * message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile-import.h"
#include "profile.h"

#define CHECK(x)                                                                                   \
        do {                                                                                       \
                if (!(x))                                                                          \
                        abort();                                                                   \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        SyscallSet s = {}, s2 = {};
        ProfileFormat f = _PROFILE_FORMAT_INVALID, f2;
        char *err = NULL, *err2 = NULL, *oci = NULL;
        int r;

        if (size > 256 * 1024)
                return 0;
        r = profile_import((const char *)data, size, &s, &f, &err);
        if (r < 0) {
                /* A documented error, with a message naming what is wrong. -ENOMEM
                 * is not one: these inputs are small, so it would be a lie. */
                if (!(r == -EBADMSG || r == -EINVAL || r == -EOPNOTSUPP || r == -ENOENT || r == -EFBIG) ||
                    !err) {
                        fprintf(stderr, "HARNESS: profile_import() = %d (%s), message: %s\n", r, strerror(-r),
                                err ?: "(none)");
                        abort();
                }
                free(err);
                return 0;
        }
        CHECK(f == PROFILE_OCI || f == PROFILE_SPO);
        free(err);
        CHECK(profile_format_oci(&s, &oci) >= 0);
        r = profile_import(oci, strlen(oci), &s2, &f2, &err2);
        if (r < 0) {
                fprintf(stderr, "HARNESS: re-import of our own OCI output failed (%d): %s\n%s\n", r, err2, oci);
                abort();
        }
        for (unsigned a = 0; a < _SYSREC_ABI_MAX; a++)
                for (unsigned w = 0; w < SYSREC_NR_WORDS; w++)
                        if ((s.bits[a][w] & s2.bits[a][w]) != s.bits[a][w]) {
                                fprintf(stderr, "HARNESS: lost on the round trip: abi %u word %u\n%s\n", a, w, oci);
                                abort();
                        }
        free(err2);
        free(oci);
        return 0;
}
