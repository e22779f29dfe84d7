/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names on the org.sysrec1 bus that the daemon and its clients (sysrecctl,
 * sysrec-k8s-sync) must spell alike.
 */
#pragma once

#define SYSREC_RECORDING_INTERFACE "org.sysrec1.Recording"
/* b: false once part of a recording's kernel state was lost (see org.sysrec1(5)). */
#define SYSREC_RECORDING_PROPERTY_COMPLETE "Complete"
