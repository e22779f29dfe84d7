/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ANSI escape sequences for coloured terminal output. Whether to use them is
 * the caller's decision (sysrecctl: terminal.h's colors_enabled()). */
#pragma once

#define ANSI_NORMAL "\x1B[0m"
#define ANSI_RED "\x1B[0;31m"
#define ANSI_GREEN "\x1B[0;32m"
#define ANSI_YELLOW "\x1B[0;33m"
#define ANSI_GREY "\x1B[0;38;5;245m"
#define ANSI_HIGHLIGHT "\x1B[0;1;39m"
#define ANSI_HIGHLIGHT_RED "\x1B[0;1;31m"
#define ANSI_HIGHLIGHT_YELLOW "\x1B[0;1;33m"
#define ANSI_UNDERLINE "\x1B[0;4m"
