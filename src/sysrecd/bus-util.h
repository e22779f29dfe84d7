/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Error names of the org.sysrec1 API and helpers to read typed arguments. */
#pragma once

#include <systemd/sd-bus.h>

#include "bus-pairs.h"

#define SYSREC_ERROR_NO_SUCH_RECORDING "org.sysrec1.Error.NoSuchRecording"
#define SYSREC_ERROR_RECORDING_EXISTS "org.sysrec1.Error.RecordingExists"
#define SYSREC_ERROR_RECORDING_ACTIVE "org.sysrec1.Error.RecordingActive"
#define SYSREC_ERROR_NOT_RECORDING "org.sysrec1.Error.NotRecording"
#define SYSREC_ERROR_NO_SUCH_UNIT "org.sysrec1.Error.NoSuchUnit"
#define SYSREC_ERROR_NO_SUCH_CGROUP "org.sysrec1.Error.NoSuchCgroup"
#define SYSREC_ERROR_NO_SUCH_PROCESS "org.sysrec1.Error.NoSuchProcess"
#define SYSREC_ERROR_NO_SUCH_WORKLOAD "org.sysrec1.Error.NoSuchWorkload"
#define SYSREC_ERROR_WORKLOAD_EXISTS "org.sysrec1.Error.WorkloadExists"
#define SYSREC_ERROR_CGROUP_BUSY "org.sysrec1.Error.CgroupBusy"
#define SYSREC_ERROR_INVALID_ARGUMENT "org.sysrec1.Error.InvalidArgument"
#define SYSREC_ERROR_LIMIT_EXCEEDED "org.sysrec1.Error.LimitExceeded"
#define SYSREC_ERROR_WRITE_FAILED "org.sysrec1.Error.WriteFailed"
#define SYSREC_ERROR_NOT_SUPPORTED "org.sysrec1.Error.NotSupported"
#define SYSREC_ERROR_NO_SUCH_BASE_PROFILE "org.sysrec1.Error.NoSuchBaseProfile"

/* Maps errno values that have one obvious name; handlers that know more
 * (which value was wrong) set a specific message themselves. */
extern const sd_bus_error_map sysrec_error_map[];

/* Enter the variant at the current position, checking its signature;
 * InvalidArgument naming "what" if it differs. */
int bus_enter_variant(sd_bus_message *m, const char *what, const char *signature,
                      sd_bus_error *error);

/* The same for a variant of one basic type (signature "s", "u", "b", ...), then read
 * its value into ret; the caller leaves the variant. */
int bus_read_basic_variant(sd_bus_message *m, const char *what, const char *signature, void *ret,
                           sd_bus_error *error);

/* Read an a{ss} into a NULL-terminated array of alternating keys and values,
 * validating each as a label key/value and refusing duplicates and more than
 * max pairs. "what" names the argument in errors. */
int bus_read_labels(sd_bus_message *m, const char *what, unsigned max, char ***ret,
                    sd_bus_error *error);
