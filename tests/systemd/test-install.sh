#!/bin/bash
#
# tests/systemd/test-install.sh — `meson install` run as a user runs it, on the
# running system, with no DESTDIR:
#   - it creates the sysrec user and group from the installed sysusers.d snippet
#     (a system user, home /var/lib/sysrec, no login shell), so the unit's User=sysrec
#     and its ExecStartPre= `chown sysrec:sysrec` resolve at once, not after a reboot;
#   - run again, it keeps the user as it is;
#   - staged in a DESTDIR (a package build) it installs the snippet and creates no user.
# The installs run in a private mount namespace in which each top directory meson
# writes to (/usr, and /etc for the user database) is an overlay on the host's: the
# host sees none of it, and a sysrec user the host has already is removed in the
# overlay first. Prints one PASS/FAIL line per check and `N passed, N failed`; exits 1
# if any check failed, 2 if it cannot run.

set -uo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
BUILD=${SYSREC_BUILD:-$SRC/build}
USER_NAME=sysrec

if [[ "${1:-}" != --inner ]]; then
        if ((EUID != 0)); then
                echo "test-install.sh: must run as root" >&2
                exit 2
        fi
        for tool in meson jq unshare getent userdel systemd-sysusers; do
                command -v "$tool" >/dev/null || { echo "test-install.sh: $tool not found" >&2; exit 2; }
        done
        work=$(mktemp -d /var/tmp/sysrec-install.XXXXXX) || exit 2
        trap 'rm -rf "$work"' EXIT
        # The namespace's mounts go with its last process: nothing to unmount here.
        unshare --mount --propagation private -- bash "${BASH_SOURCE[0]}" --inner "$work"
        exit $?
fi

work=$2
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"

# overlay DIR: writes below DIR go to $work, reads see the host's files.
overlay() {
        local dir=$1 name
        name=${dir//\//_}
        mkdir -p "$work/$name/upper" "$work/$name/work"
        mount -t overlay overlay -o "lowerdir=$dir,upperdir=$work/$name/upper,workdir=$work/$name/work" "$dir"
}

# What meson installs, as absolute paths, and the top directories they are in (through
# symbolic links: /lib is /usr/lib on a merged /usr).
installed=$(meson introspect --installed "$BUILD" | jq -r '.[]') || exit 2
snippet=$(grep '/sysusers\.d/sysrec\.conf$' <<<"$installed")
[[ -n "$snippet" ]] || { echo "test-install.sh: meson installs no sysusers.d/sysrec.conf" >&2; exit 2; }
# /etc holds the user database.
tops=$({
        echo /etc
        while read -r f; do
                d=$(realpath -m "$(dirname "$f")")
                d=${d#/}
                echo "/${d%%/*}"
        done <<<"$installed"
} | sort -u)
for top in $tops; do
        overlay "$top" || { echo "test-install.sh: cannot overlay $top" >&2; exit 2; }
done

if getent passwd "$USER_NAME" >/dev/null; then
        userdel "$USER_NAME" 2>/dev/null
        getent group "$USER_NAME" >/dev/null && groupdel "$USER_NAME"
fi
expect_false "no user $USER_NAME before the install" getent passwd "$USER_NAME"
expect_false "no group $USER_NAME before the install" getent group "$USER_NAME"

# Staged: the files, and no user.
dest=$work/dest
if out=$(meson install -C "$BUILD" --no-rebuild --destdir "$dest" 2>&1); then
        pass "meson install --destdir"
else
        fail "meson install --destdir" "$out"
fi
expect_true "the staged install has the sysusers.d snippet" test -s "$dest$snippet"
expect_false "a staged install creates no user $USER_NAME" getent passwd "$USER_NAME"
expect_false "a staged install ran no install script" grep -q "Running custom install script.*sysusers-install" <<<"$out"

# On the running system, as a user installs it.
if out=$(meson install -C "$BUILD" --no-rebuild 2>&1); then
        pass "meson install"
else
        fail "meson install" "$out"
fi
expect_true "meson install ran the user's install script" grep -q "Running custom install script.*sysusers-install" <<<"$out"
entry=$(getent passwd "$USER_NAME")
if [[ -n "$entry" ]]; then
        pass "meson install created user $USER_NAME"
else
        fail "meson install created user $USER_NAME" "$out"
fi
IFS=: read -r _ _ uid gid _ home shell <<<"$entry"
sys_uid_max=$(awk '$1 == "SYS_UID_MAX" { print $2 }' /etc/login.defs 2>/dev/null)
expect_true "user $USER_NAME is a system user (uid $uid <= ${sys_uid_max:-999})" test "${uid:-65535}" -le "${sys_uid_max:-999}"
expect_eq "home of $USER_NAME (the sysusers.d snippet's)" "$home" /var/lib/sysrec
expect_true "user $USER_NAME has no login shell ($shell)" grep -Eq '/(nologin|false)$' <<<"$shell"
expect_eq "group $USER_NAME is the user's primary group" "$(getent group "$USER_NAME" | cut -d: -f3)" "$gid"
# What failed with status=217/USER before: the unit's ExecStartPre=.
touch "$work/owned"
expect_true "chown $USER_NAME:$USER_NAME works (sysrecd.service's ExecStartPre=)" chown "$USER_NAME:$USER_NAME" "$work/owned"

# Installed again (an upgrade): the same user.
if out=$(meson install -C "$BUILD" --no-rebuild 2>&1); then
        pass "meson install again"
else
        fail "meson install again" "$out"
fi
expect_eq "a second install keeps user $USER_NAME as it was" "$(getent passwd "$USER_NAME")" "$entry"

check_summary
