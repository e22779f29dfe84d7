/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* See bus-pairs.h. */
#include "bus-pairs.h"

int bus_append_pairs(sd_bus_message *m, char **pairs)
{
        int r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{ss}");

        for (char **i = pairs; r >= 0 && i && i[0] && i[1]; i += 2)
                r = sd_bus_message_append(m, "{ss}", i[0], i[1]);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_append_pairs_entry(sd_bus_message *m, const char *key, char **pairs)
{
        int r;

        r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", key);
        if (r >= 0)
                r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "a{ss}");
        if (r >= 0)
                r = bus_append_pairs(m, pairs);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}
