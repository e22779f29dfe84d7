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
        bool pager;          /* false with --no-pager */
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
        bool arguments;      /* argument rules in locally written profiles */
        bool check;          /* merge --check */
        const char *profile; /* verify --profile */
} Args;

extern Args arg;

/* Connect to sysrecd on the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). */
int bus_connect(sd_bus **ret);
/* Print "Failed to <what>: <message>" and return an exit code for the error. what is
 * an action in English marked with N_() ("start recording"), translated here. */
int bus_error_exit(const sd_bus_error *e, int r, const char *what);

/* Write to --output (atomically) or stdout; binary data never to a terminal. */
int output_data(const void *data, size_t size, bool binary);
/* A profile's text; bpf (base64 text) is written as raw bytes. Logs errors. */
int output_profile(const char *text, ProfileFormat f);

int verb_record(int argc, char *argv[]);
int verb_apply(int argc, char *argv[]);
int verb_merge(int argc, char *argv[]);
int verb_diff(int argc, char *argv[]);
int verb_verify(int argc, char *argv[]);
