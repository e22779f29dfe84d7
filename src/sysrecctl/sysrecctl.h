/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared state of the sysrecctl verbs. */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "profile.h"

/* Exit codes, as systemctl uses them. */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_FOUND = 4,
};

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

typedef struct Args {
        JsonMode json;
        bool legend;
        ProfileFormat format;
        const char *output;
        const char *name;
        bool standalone;
        bool daemon_only;
        bool descendants;
        bool publish;
        bool skip_runtime_setup;
        const char *cgroup;
        const char *unit;
        unsigned pid;
        char **labels;
        char **metadata;
        bool quiet;
        const char *unit_dir;
} Args;

extern Args arg;

/* Connect to sysrecd on the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). */
int bus_connect(sd_bus **ret);
/* Print "Failed to <what>: <message>" and return an exit code for the error. */
int bus_error_exit(const sd_bus_error *e, int r, const char *what);

int verb_record(int argc, char *argv[]);
int verb_apply(int argc, char *argv[]);
