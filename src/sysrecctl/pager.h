/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Long output through a pager, as systemctl does it: only when standard output
 * is a terminal and --no-pager was not given; $SYSTEMD_PAGER, else $PAGER, else
 * less (with LESS=FRSXMK unless $SYSTEMD_LESS says otherwise), else more; an
 * empty pager or "cat" means none.
 */
#pragma once

/* Send standard output to the pager from now on. Failing to start one is not an
 * error: the output then goes to the terminal directly. */
void pager_open(void);
/* Flush, give the pager end of file and wait for the user to quit it. */
void pager_close(void);
