/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The org.sysrec1.Manager and org.sysrec1.Recording D-Bus objects. */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

extern const sd_bus_vtable manager_vtable[];
extern const sd_bus_vtable recording_vtable[];

int manager_bus_setup(Manager *m);

void manager_bus_recording_started(Manager *m, Recording *r);
void manager_bus_recording_stopped(Manager *m, Recording *r);
void manager_bus_recording_removed(Manager *m, Recording *r);
/* Rate-limited PropertiesChanged for Syscalls, SyscallCount, Processes, LostCgroups (and
 * Cgroups when cgroups_changed is set). */
void recording_bus_syscalls_changed(Recording *r);
/* PropertiesChanged for Complete if it turned false at start-up (once). */
void recording_bus_complete_changed(Recording *r);

/* Named error for a failed manager_start_recording()/register. */
int manager_bus_start_error(Manager *m, int k, const char *name, const RecordingTarget *t,
                            const ManagerFailure *f, sd_bus_error *error);

int recording_bus_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **ret, sd_bus_error *error);
int recording_bus_enumerate(sd_bus *bus, const char *path, void *userdata, char ***ret,
                            sd_bus_error *error);
/* Shared by Manager.GetProfile and Recording.GetProfile. */
int recording_bus_reply_profile(sd_bus_message *msg, Recording *r, const char *format,
                                sd_bus_error *error);
int recording_bus_stop(sd_bus_message *msg, Recording *r, sd_bus_error *error);
