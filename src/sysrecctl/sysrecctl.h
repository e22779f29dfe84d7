/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared state of the sysrecctl verbs. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "macro.h"
#include "profile.h"

/* record --runs=N: at most this many runs. */
#define RECORD_RUNS_MAX 100u

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
        bool progress;       /* record: live progress on a terminal */
        unsigned runs;       /* record --runs: how many times to run the command (0: not given) */
        const char *unit_dir;
        bool arguments;      /* argument rules in locally written profiles */
        bool check;          /* merge --check */
        const char *profile; /* verify --profile */
        const char *base_profile; /* start, record, merge: a base profile's name */
} Args;

extern Args arg;

/* Connect to sysrecd on the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). */
int bus_connect(sd_bus **ret);
/* Print "Failed to <what>: <message>" and return an exit code for the error. what is
 * an action in English marked with N_() ("start recording"), translated here. */
int bus_error_exit(const sd_bus_error *e, int r, const char *what);

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

/* Validate a recording name given on the command line (logs). */
int check_name_arg(const char *name);
/* Print JSON as --json= asks. */
void json_print(json_object *o);

/* A recording's Syscalls property (syscall-lists.c): per ABI, a NULL-terminated list. */
typedef struct SyscallLists {
        char **abis;     /* ABI names */
        char ***names;   /* per ABI, NULL-terminated */
        size_t n;
} SyscallLists;
typedef void (*syscall_new_cb_t)(const char *abi, const char *name, void *userdata);
/* Read an a{sas} at m's position: each ABI's list replaces the one held; on_new
 * (optional) is called for every name the held list did not have. */
int syscall_lists_read(SyscallLists *l, sd_bus_message *m, syscall_new_cb_t on_new, void *userdata);
void syscall_lists_done(SyscallLists *l);

/* A recording's properties, as list and show print them. */
typedef struct RecordingInfo {
        char *name, *state, *target, *profile_path;
        uint32_t count, cgroups, processes;
        uint64_t started, stopped;
        bool complete; /* false: part of its kernel state was lost, the profile may lack syscalls */
        SyscallLists syscalls;
} RecordingInfo;
void recording_info_done(RecordingInfo *i);
/* recording_path: the object path of recording NAME. */
int recording_path(const char *name, char **ret);
/* With syscalls, also the Syscalls property. NoSuchRecording in e. */
int recording_info_get(sd_bus *bus, const char *name, bool syscalls, RecordingInfo *info, sd_bus_error *e);
json_object *recording_info_to_json(const RecordingInfo *i);
/* A recording's state as people read it (translated), and its colour (NULL: none). */
const char *state_to_display(const char *state, const char **ret_color);
/* The warning for a recording whose Complete property is false (translated). */
const char *incomplete_warning(void);

/* Write to --output (atomically) or stdout; binary data never to a terminal. */
int output_data(const void *data, size_t size, bool binary);
/* A profile's text; bpf (base64 text) is written as raw bytes. Logs errors. */
int output_profile(const char *text, ProfileFormat f);

/* Union --base-profile's set into s (nothing without it). Logs errors. */
int merge_base_profile(SyscallSet *s);

/* Live progress of a recording (watch.c). */
typedef enum ProgressStyle {
        PROGRESS_LINES,  /* a line per new syscall, the status line redrawn below them */
        PROGRESS_BOTTOM, /* the status line alone, on the terminal's last row */
} ProgressStyle;

typedef struct Progress Progress;

/* Subscribe to the recording's changes; dispatched by the bus's event loop. */
int progress_new(sd_bus *bus, const char *name, FILE *out, ProgressStyle style, Progress **ret);
/* The one GetAll, after every match is installed. NoSuchRecording in e. */
int progress_load(Progress *p, sd_bus_error *e);
bool progress_is_recording(Progress *p);
/* The terminal changed size (SIGWINCH): move the bottom status line. */
void progress_resize(Progress *p);
/* Restore the terminal only (we are about to die of a signal). */
void progress_abort(Progress *p);
/* Restore the terminal, print the final counts (and the profile path once stopped). */
void progress_end(Progress *p);
Progress *progress_free(Progress *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Progress *, progress_free)

int verb_watch(int argc, char *argv[]);
int verb_show(int argc, char *argv[]);
int verb_record(int argc, char *argv[]);
int verb_apply(int argc, char *argv[]);
int verb_merge(int argc, char *argv[]);
int verb_diff(int argc, char *argv[]);
int verb_verify(int argc, char *argv[]);
