#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run by `meson install`: creates the user of sysrecd.service on the running
# system (sysusers-install.sh SNIPPET), as a package's maintainer scripts do,
# so that `systemctl enable --now sysrecd` works right after the install and
# not only after the next boot. meson does not run it for a staged install
# (DESTDIR: a package build, an image), which leaves the user to whoever
# installs the staged files. Nothing else needs creating: the unit makes its
# directories (StateDirectory=, run-sysrecbpf.mount), so no tmpfiles.d
# snippet is shipped.
set -eu

conf=$1
if ! command -v systemd-sysusers >/dev/null 2>&1; then
        echo "sysrec: systemd-sysusers not found: create the user that $conf names before starting sysrecd" >&2
        exit 0
fi
if [ "$(id -u)" != 0 ]; then
        echo "sysrec: not root: run 'systemd-sysusers $conf' as root before starting sysrecd" >&2
        exit 0
fi
exec systemd-sysusers "$conf"
