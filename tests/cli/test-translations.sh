#!/bin/bash
# sysrecctl speaks German with LANGUAGE=de, from its installed message catalog.
#
# `meson install --destdir` stages the install; the staged sysrecctl runs in a private
# mount namespace where the staged share directory is bind-mounted over the host's
# (the deepest existing ancestor of the configured LOCALEDIR), so the binary finds
# sysrec.mo exactly where it was built to look for it: no override of the catalog
# path exists. glibc honours LANGUAGE in any locale but "C"; C.UTF-8, which every
# Debian system has, needs no generated locale. Checks: --help, an unknown command,
# a bad option value, an unknown recording and `list` against sysrecd on a private
# bus (with their exit codes), plurals, and that the C locale and an unset LANGUAGE
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
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- remove web
expect "German confirmation of remove" 0 "^Aufzeichnung »web« entfernt\.$"
ctl "${DE[@]}" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" -- list
expect "German list: plural footer for none" 0 '^0 Aufzeichnungen aufgelistet\.$'

cli_done
