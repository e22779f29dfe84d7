/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Message translation: _() translates now, N_() only marks a string for
 * xgettext (po/POTFILES) so that it can be translated where it is used.
 * Machine-readable output (JSON keys, profiles) never goes through them.
 */
#pragma once

#include <libintl.h>
#include <locale.h>

#define _(s) gettext(s)
#define N_(s) (s)

/* The locale from the environment and our catalogs from LOCALEDIR. */
static inline void i18n_setup(void)
{
        (void)setlocale(LC_ALL, "");
        (void)bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
        (void)textdomain(GETTEXT_PACKAGE);
}
