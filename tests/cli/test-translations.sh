#!/bin/bash
# sysrecctl speaks German with LANGUAGE=de, from its installed message catalog.
#
# `meson install --destdir` stages the install; the staged sysrecctl runs in a private
# mount namespace where the staged share directory is bind-mounted over the host's
# (the deepest existing ancestor of the configured LOCALEDIR), so the binary finds
# sysrec.mo exactly where it was built to look for it: no override of the catalog
# path exists. glibc honours LANGUAGE in any locale but "C"; C.UTF-8, which every
# Debian system has, needs no generated locale. Checks: --help, an unknown command,
# a bad option value, an unknown recording, `list`, `show` (fields aligned on their
# translated names, an ABI's heading, the calls outside @system-service) and `watch`
# (its counts, a missing recording) against sysrecd on a private bus recording a real
# command (with their exit codes), plurals, and that the C locale and an unset LANGUAGE
# stay English.
# Root only (mount namespace, sysrecd). Prints PASS/FAIL lines and `N passed, N failed`.
set -uo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=tests/cli/lib.sh
source "$SRC/tests/cli/lib.sh"
cli_setup translations "mount namespace, sysrecd" unshare jq

DEST=$TMP/dest
meson install -C "$SYSREC_BUILD" --destdir "$DEST" --no-rebuild --quiet >"$TMP/install.log" 2>&1 ||
        { cat "$TMP/install.log"; fail "meson install --destdir"; cli_done; }
installed() { meson introspect --installed "$SYSREC_BUILD" | jq -r --arg g "$1" '[.[] | select(test($g))] | first // empty'; }
MO=$(installed '/de/LC_MESSAGES/sysrec\.mo$')
CTL=$(installed '/bin/sysrecctl$')
if [[ -n "$MO" && -s "$DEST$MO" ]]; then pass "the German catalog is installed ($MO)"; else fail "the German catalog is installed"; fi
[[ -n "$CTL" && -x "$DEST$CTL" ]] || { fail "sysrecctl is installed"; cli_done; }
LOCALEDIR=${MO%/de/LC_MESSAGES/sysrec.mo}
SHADOW=$LOCALEDIR
while [ ! -d "$SHADOW" ]; do SHADOW=$(dirname "$SHADOW"); done

# ctl ENV... -- ARGS...: run the staged sysrecctl with the staged catalogs; sets OUT (stdout
# and stderr) and RC.
ctl() {
        local envs=()
        while [ "$1" != -- ]; do envs+=("$1"); shift; done
        shift
        OUT=$(unshare -m --propagation private -- sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
                _ "$DEST$SHADOW" "$SHADOW" env -u LC_ALL -u LC_MESSAGES -u LANG -u LANGUAGE "${envs[@]}" \
                "$DEST$CTL" --no-pager "$@" 2>&1)
        RC=$?
}
# expect NAME RC PATTERN: the last ctl exited RC and its output matches PATTERN (grep -E).
expect() {
        if [ "$RC" = "$2" ] && grep -qE -- "$3" <<<"$OUT"; then
                pass "$1"
        else
                fail "$1 (exit $RC, expected $2; expected /$3/ in:)"
                sed 's/^/    /' <<<"$OUT" | head -8
        fi
}
DE=(LANG=C.UTF-8 LANGUAGE=de)

ctl "${DE[@]}" -- --help
expect "German --help: the headings" 0 '^Befehle:$'
expect "German --help: an option's description" 0 '^  -h --help +Diese Hilfe anzeigen$'
expect "German --help: a wrapped description keeps its column" 0 '^ {27}je ABI \(Exit-Status 0 gleich, 1 verschieden\)$'
ctl "${DE[@]}" -- frobnicate
expect "German error for an unknown command, exit 2" 2 "^Unbekannter Befehl »frobnicate«\. Siehe »sysrecctl --help«\.$"
ctl "${DE[@]}" -- --json=loud list
expect "German error for a bad option value, exit 2" 2 "^Unbekannter JSON-Modus »loud«: erwartet wird short, pretty oder off\.$"
ctl "${DE[@]}" -- stop 'bad/name'
expect "German error for an invalid name, exit 2" 2 "^Ungültiger Name einer Aufzeichnung »bad/name«"

# The same without German: C ignores LANGUAGE; no LANGUAGE means the locale's language.
ctl LC_ALL=C LANGUAGE=de -- frobnicate
expect "LC_ALL=C stays English even with LANGUAGE=de" 2 "^Unknown command 'frobnicate'\. See 'sysrecctl --help'\.$"
ctl LANG=C.UTF-8 -- frobnicate
expect "C.UTF-8 without LANGUAGE is English" 2 "^Unknown command 'frobnicate'\."

cli_sysrecd
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- stop nosuch
expect "German error for an unknown recording, exit 4" 4 "^Beenden der Aufzeichnung fehlgeschlagen: .*nosuch"
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- start web --cgroup="$CG_PATH"
expect "German confirmation of start" 0 "^Aufzeichnung »web« gestartet\.$"
# One process in the recorded cgroup; chroot is in @mount, in no @system-service group.
sh -c 'echo $$ >"$1/cgroup.procs" && exec chroot / true' _ "$CG" ||
        fail "a command runs in the recorded cgroup"
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- list
expect "German list: headers" 0 '^NAME +ZUSTAND +SYSTEMAUFRUFE +CGROUPS +ZIEL$'
expect "German list: the state word" 0 '^web +zeichnet auf +[0-9]+ +1 +cgroup /sysrec-cli-'
expect "German list: singular footer" 0 '^1 Aufzeichnung aufgelistet\.$'
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- list --json=short
expect "--json stays untranslated" 0 '^\[\{"name":"web","state":"recording",'
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- stop web
expect "German confirmation of stop" 0 "^Aufzeichnung »web« beendet\.$"
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- list
expect "German list: the stopped state" 0 '^web +beendet '
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- show web
expect "German show: name and state" 0 '^web - beendet$'
expect "German show: a field" 0 '^ +Prozesse: 1$'
expect "German show: the ABI's heading with its plural" 0 "^$(uname -m): [0-9]+ Systemaufrufe\$"
expect "German show: the groups' legend" 0 '^Gruppen wie in systemd-analyze syscall-filter \(systemd [0-9]+\)'
expect "German show: the heading of the calls outside @system-service" 0 \
        '^  In keiner @system-service-Gruppe \([0-9]+\):$'
expect "German show: chroot is listed there with its groups" 0 '^    chroot +@mount'
# The field names right-aligned: every colon of the summary in one column (in bytes,
# as the German names are ASCII).
cols=$(sed -nE 's/^( *(Ziel|Gestartet|Beendet|Cgroups|Prozesse|Systemaufrufe|Profil)): .*/\1/p' <<<"$OUT" |
        awk '{ print length }' | sort -u)
if [ "$(wc -l <<<"$cols")" = 1 ] && [ "$(sed -nE '/^ *(Ziel|Systemaufrufe|Profil): /p' <<<"$OUT" | wc -l)" = 3 ]; then
        pass "German show: the fields are aligned on their colons (column $cols)"
else
        fail "German show: the fields are aligned on their colons (columns: $(tr "\n" " " <<<"$cols"))"
        sed 's/^/    /' <<<"$OUT" | head -10
fi
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- watch web
expect "German watch of a stopped recording: the counts, singular and plural" 0 \
        '^[0-9]+ Systemaufrufe, 1 Prozess, 1 Cgroup$'
expect "German watch of a stopped recording: where the profile is" 0 \
        '^Aufzeichnung »web« beendet; Profil nach /.*/web\.json geschrieben\.$'
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- watch nosuch
expect "German error of watch for a missing recording, exit 4" 4 \
        '^Beobachten der Aufzeichnung fehlgeschlagen: Keine Aufzeichnung »nosuch«\.$'
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- remove web
expect "German confirmation of remove" 0 "^Aufzeichnung »web« entfernt\.$"
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- list
expect "German list: plural footer for none" 0 '^0 Aufzeichnungen aufgelistet\.$'

cli_done
