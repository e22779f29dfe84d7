/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See bus-util.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "macro.h"
#include "names.h"

const sd_bus_error_map sysrec_error_map[] = {
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NO_SUCH_RECORDING, ENOENT),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_RECORDING_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_RECORDING_ACTIVE, EBUSY),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NOT_RECORDING, EALREADY),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NO_SUCH_UNIT, ENOENT),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NO_SUCH_CGROUP, ENOENT),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NO_SUCH_PROCESS, ESRCH),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NO_SUCH_WORKLOAD, ENOENT),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_WORKLOAD_EXISTS, EEXIST),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_CGROUP_BUSY, EBUSY),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_INVALID_ARGUMENT, EINVAL),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_LIMIT_EXCEEDED, E2BIG),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_WRITE_FAILED, EIO),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
        SD_BUS_ERROR_MAP(SYSREC_ERROR_NO_SUCH_BASE_PROFILE, ENOENT),
        SD_BUS_ERROR_MAP_END,
};

int bus_enter_variant(sd_bus_message *m, const char *what, const char *signature,
                      sd_bus_error *error)
{
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != SD_BUS_TYPE_VARIANT || strcmp(contents, signature) != 0)
                return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                         "'%s' must be of type '%s', got '%s'.", what, signature,
                                         type == SD_BUS_TYPE_VARIANT ? contents : "?");
        return sd_bus_message_enter_container(m, SD_BUS_TYPE_VARIANT, signature);
}

int bus_read_basic_variant(sd_bus_message *m, const char *what, const char *signature, void *ret,
                           sd_bus_error *error)
{
        int r;

        r = bus_enter_variant(m, what, signature, error);
        if (r < 0)
                return r;
        return sd_bus_message_read_basic(m, signature[0], ret);
}

int bus_read_labels(sd_bus_message *m, const char *what, unsigned max, char ***ret,
                    sd_bus_error *error)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        int r;

        if (!l)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{ss}");
        if (r < 0)
                return r;
        for (;;) {
                const char *k, *v;
                char **nl;

                r = sd_bus_message_read(m, "{ss}", &k, &v);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (n / 2 >= max)
                        return sd_bus_error_setf(error, SYSREC_ERROR_LIMIT_EXCEEDED,
                                                 "Too many entries in %s (limit %u).", what, max);
                if (!label_key_is_valid(k))
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Invalid key '%.64s%s' in %s: 1 to %d printable characters without '=' expected.",
                                                 k, strlen(k) > 64 ? "..." : "", what, LABEL_KEY_MAX);
                if (!label_value_is_valid(v))
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Invalid value of '%s' in %s: at most %d printable characters expected.",
                                                 k, what, LABEL_VALUE_MAX);
                if (labels_get(l, k))
                        return sd_bus_error_setf(error, SYSREC_ERROR_INVALID_ARGUMENT,
                                                 "Duplicate key '%s' in %s.", k, what);
                nl = realloc(l, sizeof(char *) * (n + 3));
                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[n] = strdup(k);
                l[n + 1] = strdup(v);
                l[n + 2] = NULL;
                if (!l[n] || !l[n + 1])
                        return -ENOMEM;
                n += 2;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}
