/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Recording a systemd unit: resolution of its cgroup through systemd. */
#pragma once

#include <systemd/sd-bus.h>

#include "manager.h"

/* Takes *t and *o; replies to msg asynchronously and returns 1, or fails
 * synchronously with a named error. */
int manager_bus_start_unit_recording(Manager *m, sd_bus_message *msg, const char *name,
                                     RecordingTarget *t, RecordingOptions *o, sd_bus_error *error);
