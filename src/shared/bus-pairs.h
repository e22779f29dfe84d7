/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Appending key/value pairs (NULL-terminated, alternating) to D-Bus messages. */
#pragma once

#include <systemd/sd-bus.h>

/* a{ss} */
int bus_append_pairs(sd_bus_message *m, char **pairs);
/* One {sv} dict entry whose variant is an a{ss}: {key: a{ss} pairs}. */
int bus_append_pairs_entry(sd_bus_message *m, const char *key, char **pairs);
