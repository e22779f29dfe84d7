#!/bin/bash
#
# tests/systemd/test-systemd.sh — sysrec installed for real, under a real systemd booted
# in a namespace (see lib.sh for what is installed where):
#   - meson install puts the unit, bus policy, activation file, polkit action and
#     sysusers.d snippet where systemd, dbus-daemon and polkitd read them;
#   - `systemctl enable --now sysrecd` reaches active with READY=1 as user sysrec with
#     CAP_BPF CAP_PERFMON only; busctl works; `systemctl stop` stops it cleanly; the
#     first busctl call starts it again (bus activation); `systemd-analyze security`
#     rates the unit at most 2.5;
#   - a unit recorded before it starts has its ExecStartPre= and ExecStart= syscalls in
#     the profile; the profile as a drop-in lets it restart and work, and without one
#     syscall it fails with EPERM in its log;
#   - a user without rights is refused with AccessDenied naming the polkit action and
#     can still read; a polkit rule for a group lets a member record;
#   - sysrecd runs under its shipped SystemCallFilter= through all of it: never killed,
#     never restarted, and exits cleanly writing the profiles of active recordings.
# Prints one PASS/FAIL line per check and `N passed, N failed`; exits 1 if any check
# failed, 2 if it cannot run. The namespace is powered off on every exit path.

set -uo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/systemd/lib.sh
source "$SRC/tests/systemd/lib.sh"
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"

if ((EUID != 0)); then
        echo "test-systemd.sh: must run as root" >&2
        exit 2
fi

# expect_match DESC TEXT PATTERN: TEXT matches the extended regular expression.
expect_match() {
        local desc=$1 text=$2 re=$3
        if grep -Eq -- "$re" <<<"$text"; then pass "$desc"; else fail "$desc" "no match for /$re/ in:" "$text"; fi
}

prop() {
        ns systemctl show -P "$2" "$1" 2>/dev/null
}

# wait_state UNIT STATE...: wait up to 15 s for ActiveState to be one of STATE.
wait_state() {
        local unit=$1 i s
        shift
        for ((i = 0; i < 300; i++)); do
                s=$(prop "$unit" ActiveState)
                for want in "$@"; do [[ "$s" == "$want" ]] && return 0; done
                sleep 0.05
        done
        return 1
}

# journal UNIT [CURSOR]: the messages UNIT's processes logged (after CURSOR). The
# entries after a cursor are filtered here, not with `journalctl -u UNIT
# --after-cursor=`: journalctl (252) skips one matching entry after the cursor's
# position, assuming the cursor's own entry matched, and so loses the unit's first line
# whenever the cursor is another unit's entry.
journal() {
        if [[ -n "${2:-}" ]]; then
                ns journalctl --no-pager -o json --after-cursor="$2" 2>/dev/null |
                        jq -r --arg unit "$1" 'select(._SYSTEMD_UNIT == $unit) | .MESSAGE'
        else
                ns journalctl --no-pager -o cat -u "$1" 2>/dev/null
        fi
}

# Where the journal ends now, for journal UNIT CURSOR.
journal_cursor() {
        ns journalctl -q -n 0 --show-cursor 2>/dev/null | sed -n 's/^-- cursor: //p'
}

# expect_journal DESC PATTERN UNIT [CURSOR]: the journal of UNIT (after CURSOR) shows
# PATTERN within 5 s (journald reads the services' output streams asynchronously).
expect_journal() {
        local desc=$1 re=$2 i text
        shift 2
        for ((i = 0; i < 50; i++)); do
                text=$(journal "$@")
                if grep -Eq -- "$re" <<<"$text"; then
                        pass "$desc"
                        return
                fi
                sleep 0.1
        done
        fail "$desc" "no match for /$re/ in the journal of $1${2:+ after $2}:" "$text"
}

MGR=(org.sysrec1 /org/sysrec1 org.sysrec1.Manager)

# call USER METHOD SIGNATURE ARGS...: busctl call on the manager as USER; sets RC, OUT,
# ERR (stderr).
call() {
        local user=$1
        shift
        RC=0
        if [[ "$user" == root ]]; then
                OUT=$(ns busctl --json=short call "${MGR[@]}" "$@" 2>"$E2E_DIR/call.err") || RC=$?
        else
                OUT=$(ns_as "$user" busctl --json=short call "${MGR[@]}" "$@" 2>"$E2E_DIR/call.err") || RC=$?
        fi
        ERR=$(cat "$E2E_DIR/call.err")
}

# gcall USER METHOD ARGS...: the same through gdbus, which prints the D-Bus error name and
# message that busctl replaces by "Access denied"; sets RC and OUT (stdout+stderr).
gcall() {
        local user=$1 method=$2
        shift 2
        RC=0
        OUT=$(ns_as "$user" gdbus call --system --dest org.sysrec1 --object-path /org/sysrec1 \
                --method "org.sysrec1.Manager.$method" -- "$@" 2>&1) || RC=$?
}

# The systemd profile of a recording, as text.
profile_of() {
        ns busctl --json=short call "${MGR[@]}" GetProfile ss "$1" systemd | jq -r '.data[0]'
}

SHIPPED_UNIT=
DAEMON_PID=

# The namespace is powered off however the test ends (meson's timeout sends SIGTERM).
trap e2e_teardown EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! e2e_setup; then
        echo "test-systemd.sh: cannot set up the namespaced systemd" >&2
        exit 2
fi
SHIPPED_UNIT=$DEST$INST_UNIT
if [[ -n "$DOGFOOD" ]]; then
        e2e_log "dog-food mode: sysrecd runs unfiltered under sysrecctl record, profiles in $DOGFOOD"
fi

# ---------------------------------------------------------------------------------------
# What meson installs
# ---------------------------------------------------------------------------------------

pkgvar() {
        pkg-config --variable="$2" "$1" 2>/dev/null
}
want_unitdir=$(pkgvar systemd systemdsystemunitdir)
expect_eq "unit installed in systemd.pc's systemdsystemunitdir" "${INST_UNIT%/*}" "${want_unitdir:-${INST_UNIT%/*}}"
want_sysusers=$(pkgvar systemd sysusersdir)
expect_eq "sysusers.d snippet installed in systemd.pc's sysusersdir" "${INST_SYSUSERS%/*}" "${want_sysusers:-${INST_SYSUSERS%/*}}"
if pkg-config --exists dbus-1; then
        expect_eq "activation file installed in dbus-1.pc's system_bus_services_dir" \
                "${INST_DBUS_SERVICE%/*}" "$(pkgvar dbus-1 system_bus_services_dir)"
        expect_eq "bus policy installed in dbus-1.pc's datadir/dbus-1/system.d" \
                "${INST_DBUS_POLICY%/*}" "$(pkgvar dbus-1 datadir)/dbus-1/system.d"
fi
want_actiondir=$(pkgvar polkit-gobject-1 actiondir)
expect_eq "polkit action installed in polkit-gobject-1.pc's actiondir (or polkit's own)" "${INST_POLKIT%/*}" \
        "${want_actiondir:-/usr/share/polkit-1/actions}"
expect_match "shipped unit runs the installed sysrecd" "$(cat "$SHIPPED_UNIT")" "^ExecStart=$INST_SYSRECD --pin-dir=/run/sysrecbpf/sysrec\$"
if [[ -z "$DOGFOOD" ]]; then
        expect_match "shipped unit has a syscall allow list" "$(cat "$SHIPPED_UNIT")" '^SystemCallFilter=[^~@]'
fi

# ---------------------------------------------------------------------------------------
# enable --now, READY=1, busctl, stop, bus activation, exposure
# ---------------------------------------------------------------------------------------

if ns systemctl enable --now sysrecd.service >"$E2E_DIR/enable.log" 2>&1; then
        pass "systemctl enable --now sysrecd"
else
        fail "systemctl enable --now sysrecd" "$(cat "$E2E_DIR/enable.log")" "$(journal sysrecd.service)"
fi
expect_eq "sysrecd is enabled" "$(ns systemctl is-enabled sysrecd 2>&1)" enabled
expect_eq "sysrecd is active (running)" "$(prop sysrecd ActiveState)/$(prop sysrecd SubState)" active/running
# Type=notify: "active" means READY=1 came; the status text comes with it.
expect_eq "Type=notify" "$(prop sysrecd Type)" notify
expect_match "READY=1 sent with its status" "$(prop sysrecd StatusText)" '^Ready'
expect_journal "journal: ready on the bus" 'ready on the bus as org\.sysrec1' sysrecd.service
pid=$(prop sysrecd MainPID)
if [[ -z "$DOGFOOD" ]]; then
        expect_eq "runs as user sysrec" "$(ns ps -o user= -p "$pid" 2>&1 | tr -d ' ')" sysrec
        expect_eq "effective capabilities are CAP_BPF CAP_PERFMON" \
                "$(ns grep CapEff "/proc/$pid/status" | awk '{print $2}')" \
                "$(printf '%016x' $(((1 << 38) | (1 << 39))))"
        expect_match "runs under a seccomp filter" "$(ns grep Seccomp: "/proc/$pid/status")" 'Seccomp:[[:space:]]+2'
fi
RC=0
OUT=$(ns busctl get-property "${MGR[@]}" Version 2>&1) || RC=$?
expect_eq "busctl get-property Version" "$OUT" "s \"$(sed -n "s/^ *version : '\(.*\)',/\1/p" "$SRC/meson.build" | head -1)\""
RC=0
ns busctl introspect org.sysrec1 /org/sysrec1 >"$E2E_DIR/introspect.txt" 2>&1 || RC=$?
expect_match "busctl introspect lists StartRecording" "$(cat "$E2E_DIR/introspect.txt")" '^\.StartRecording +method'

RC=0
OUT=$(ns systemd-analyze verify sysrecd.service 2>&1) || RC=$?
expect_eq "systemd-analyze verify sysrecd.service" "$RC:$OUT" "0:"
exposure=$(ns systemd-analyze security --no-pager sysrecd.service 2>/dev/null |
        sed -n 's/.*Overall exposure level for sysrecd.service: \([0-9.]*\).*/\1/p')
if [[ -z "$DOGFOOD" ]]; then
        if [[ -n "$exposure" ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }'; then
                pass "systemd-analyze security sysrecd.service: exposure $exposure <= 2.5"
        else
                fail "systemd-analyze security sysrecd.service: exposure '$exposure' > 2.5" \
                        "$(ns systemd-analyze security --no-pager sysrecd.service 2>&1 | grep '✗')"
        fi
fi

# Left active across the stop: with its maps pinned, sysrecd leaves it recording in the
# kernel on SIGTERM; the next instance takes it over (README: crash-safe recordings).
call root StartRecording 'sa{sv}a{sv}' across-restart 1 cgroup s /system.slice 0
expect_eq "StartRecording before a stop" "$RC" 0
RC=0
ns systemctl stop sysrecd >"$E2E_DIR/stop.out" 2>&1 || RC=$?
expect_eq "systemctl stop sysrecd" "$RC/$(prop sysrecd ActiveState)" 0/inactive
expect_eq "stopped cleanly (Result, exit status)" "$(prop sysrecd Result)/$(prop sysrecd ExecMainStatus)" success/0
expect_journal "journal: SIGTERM handled" 'Received SIGTERM, stopping' sysrecd.service

RC=0
OUT=$(ns busctl get-property "${MGR[@]}" ActiveRecordings 2>&1) || RC=$?
expect_eq "the first busctl call starts sysrecd (bus activation)" "$RC:$OUT" "0:u 1"
expect_eq "activated sysrecd is active" "$(prop sysrecd ActiveState)" active
DAEMON_PID=$(prop sysrecd MainPID)
invocation=$(prop sysrecd InvocationID)
expect_eq "the recording active at the stop was saved and resumed" \
        "$(ns busctl get-property org.sysrec1 /org/sysrec1/recording/across_2drestart org.sysrec1.Recording State 2>&1)" 's "recording"'
call root StopRecording s across-restart
expect_eq "... and its profile is written when it is stopped" \
        "$(ns test -s "$E2E_STATE/profiles/across-restart.json" && echo yes)" yes
call root RemoveRecording s across-restart
expect_eq "... and is known to the next instance" "$RC:$ERR" "0:"

# ---------------------------------------------------------------------------------------
# A unit recorded from its first syscall
# ---------------------------------------------------------------------------------------

PROBE_UNIT=sysrec-e2e-probe.service
call root StartRecording 'sa{sv}a{sv}' probe 1 unit s "$PROBE_UNIT" 0
expect_eq "StartRecording on $PROBE_UNIT before it starts" "$RC:$(jq -r '.data[0]' <<<"$OUT")" \
        "0:/org/sysrec1/recording/probe"
RC=0
OUT=$(ns busctl get-property org.sysrec1 /org/sysrec1/recording/probe org.sysrec1.Recording State 2>&1) || RC=$?
expect_eq "... it is recording, armed for the unit" "$RC:$OUT" '0:s "recording"'
RC=0
ns systemctl start "$PROBE_UNIT" || RC=$?
expect_eq "systemctl start $PROBE_UNIT" "$RC/$(prop "$PROBE_UNIT" ActiveState)" 0/active
profile=$(profile_of probe)
expect_match "profile has the ExecStartPre= syscall (getcpu)" "$profile" '^SystemCallFilter=.*\<getcpu\>'
expect_match "profile has the ExecStart= syscall (sysinfo)" "$profile" '^SystemCallFilter=.*\<sysinfo\>'
expect_match "systemd profile: [Service] section" "$profile" '^\[Service\]$'
expect_match "systemd profile: SystemCallArchitectures=" "$profile" '^SystemCallArchitectures=native'
expect_match "systemd profile: SystemCallErrorNumber=EPERM" "$profile" '^SystemCallErrorNumber=EPERM$'

# A restart creates the unit's cgroup again below its slice, where the recording is
# armed (run here so that sysrecd's filter, and its dog-food recording, see that path).
ns systemctl restart "$PROBE_UNIT"
call root StopRecording s probe
expect_eq "StopRecording" "$RC" 0
expect_eq "StopRecording wrote the profile in the state directory" \
        "$(ns test -s "$E2E_STATE/profiles/probe.json" && echo yes)" yes
profile=$(profile_of probe)
ns systemctl stop "$PROBE_UNIT"

# ---------------------------------------------------------------------------------------
# The profile enforced
# ---------------------------------------------------------------------------------------

dropin_dir=$SD/etc-system/$PROBE_UNIT.d
mkdir -p "$dropin_dir"
printf '%s\n' "$profile" >"$dropin_dir/50-seccomp.conf"
ns systemctl daemon-reload
# The probe's lines are matched by unit after a cursor, not by _SYSTEMD_INVOCATION_ID:
# journald reads a stream's invocation ID when it reads its first line, and a process
# that printed and exited at once (ExecStartPre=, the failing ExecStart= below) may by
# then have left a unit whose invocation is gone.
cursor=$(journal_cursor)
RC=0
ns systemctl restart "$PROBE_UNIT" >"$E2E_DIR/probe.out" 2>&1 || RC=$?
expect_eq "under its recorded profile $PROBE_UNIT restarts and runs" "$RC/$(prop "$PROBE_UNIT" ActiveState)" 0/active
expect_match "the profile is in force" "$(prop "$PROBE_UNIT" SystemCallFilter)" '\<sysinfo\>'
expect_journal "under its profile, ExecStartPre= works" 'probe: getcpu ok' "$PROBE_UNIT" "$cursor"
expect_journal "under its profile, ExecStart= works" 'probe: sysinfo ok' "$PROBE_UNIT" "$cursor"
ns systemctl stop "$PROBE_UNIT"

sed -E 's/(^SystemCallFilter=.*)\<sysinfo\> ?/\1/' "$dropin_dir/50-seccomp.conf" >"$dropin_dir/50-seccomp.conf.new"
mv "$dropin_dir/50-seccomp.conf.new" "$dropin_dir/50-seccomp.conf"
ns systemctl daemon-reload
cursor=$(journal_cursor)
RC=0
ns systemctl restart "$PROBE_UNIT" >"$E2E_DIR/probe.out" 2>&1 || RC=$?
wait_state "$PROBE_UNIT" failed inactive
expect_eq "without sysinfo in the filter $PROBE_UNIT fails" "$(prop "$PROBE_UNIT" ActiveState)/$(prop "$PROBE_UNIT" Result)" \
        failed/exit-code
expect_journal "its log has the EPERM of the missing syscall" 'probe: sysinfo failed: Operation not permitted' \
        "$PROBE_UNIT" "$cursor"
rm -rf "$dropin_dir"
ns systemctl daemon-reload
ns systemctl reset-failed "$PROBE_UNIT"

# ---------------------------------------------------------------------------------------
# polkit
# ---------------------------------------------------------------------------------------

ACCESS_DENIED="org.freedesktop.DBus.Error.AccessDenied: Not authorized for action 'org.sysrec1.record'."
call "$E2E_OTHER" StartRecording 'sa{sv}a{sv}' denied 1 cgroup s /system.slice 0
expect_eq "unauthorized StartRecording with busctl is refused with AccessDenied" "$RC:$ERR" "1:Call failed: Access denied"
gcall "$E2E_OTHER" StartRecording denied "{'cgroup': <'/system.slice'>}" '@a{sv} {}'
expect_match "... and the error names the polkit action" "$OUT" "$ACCESS_DENIED"
gcall "$E2E_OTHER" StopRecording probe
expect_match "unauthorized StopRecording: AccessDenied" "$OUT" "$ACCESS_DENIED"
gcall "$E2E_OTHER" RemoveRecording probe
expect_match "unauthorized RemoveRecording: AccessDenied" "$OUT" "$ACCESS_DENIED"
gcall "$E2E_OTHER" RegisterWorkload w /system.slice '@a{ss} {}'
expect_match "unauthorized RegisterWorkload: AccessDenied" "$OUT" "$ACCESS_DENIED"
gcall "$E2E_OTHER" UnregisterWorkload w
expect_match "unauthorized UnregisterWorkload: AccessDenied" "$OUT" "$ACCESS_DENIED"
call "$E2E_MEMBER" StartRecording 'sa{sv}a{sv}' denied 1 cgroup s /system.slice 0
expect_eq "a member of $E2E_GROUP is refused too while no rule grants it" "$RC:$ERR" "1:Call failed: Access denied"

RC=0
OUT=$(ns_as "$E2E_OTHER" busctl get-property "${MGR[@]}" Version ActiveRecordings 2>&1) || RC=$?
expect_match "unprivileged user reads properties" "$RC:$OUT" '^0:s "'
RC=0
OUT=$(ns_as "$E2E_OTHER" busctl get-property org.sysrec1 /org/sysrec1/recording/probe org.sysrec1.Recording State 2>&1) || RC=$?
expect_eq "unprivileged user reads a recording's properties" "$RC:$OUT" '0:s "stopped"'
call "$E2E_OTHER" ListRecordings
expect_eq "unprivileged user lists recordings" "$RC:$(jq -r '.data[0][0][0]' <<<"$OUT")" 0:probe
call "$E2E_OTHER" GetProfile ss probe oci
expect_match "unprivileged user reads a profile" "$RC:$(jq -r '.data[0]' <<<"$OUT")" '^0:\{'
RC=0
OUT=$(ns_as "$E2E_OTHER" busctl introspect org.sysrec1 /org/sysrec1 2>&1) || RC=$?
expect_eq "unprivileged user introspects" "$RC" 0
RC=0
ns_as "$E2E_OTHER" busctl set-property "${MGR[@]}" ActiveRecordings u 7 >/dev/null 2>&1 || RC=$?
expect_eq "unprivileged Properties.Set is refused by the bus" "$RC" 1

cat >"$E2E_DIR/polkit-rules/50-sysrec-e2e.rules" <<EOF
// sysrec end-to-end test: members of $E2E_GROUP may record.
polkit.addRule(function(action, subject) {
        if (action.id == "org.sysrec1.record" && subject.isInGroup("$E2E_GROUP"))
                return polkit.Result.YES;
});
EOF
# polkitd notices new rules through inotify; give it a moment.
for ((i = 0; i < 50; i++)); do
        call "$E2E_MEMBER" StartRecording 'sa{sv}a{sv}' member 1 unit s "$PROBE_UNIT" 0
        ((RC == 0)) && break
        sleep 0.1
done
expect_eq "with a polkit rule for $E2E_GROUP, a member records a unit" "$RC:$(jq -r '.data[0]' <<<"$OUT")" \
        "0:/org/sysrec1/recording/member"
ns systemctl start "$PROBE_UNIT"
call "$E2E_OTHER" StopRecording s member
expect_eq "... a non-member still cannot stop it" "$RC:$ERR" "1:Call failed: Access denied"
call "$E2E_MEMBER" StopRecording s member
expect_eq "... the member stops it" "$RC" 0
expect_match "... and it recorded the unit" "$(profile_of member)" '\<sysinfo\>'
call "$E2E_MEMBER" RemoveRecording s member
expect_eq "... and removes it" "$RC" 0
call "$E2E_MEMBER" RegisterWorkload 'ssa{ss}' e2e-w /system.slice/"$PROBE_UNIT" 1 app probe
expect_eq "... registers a workload" "$RC" 0
call "$E2E_MEMBER" StartRecording 'sa{sv}a{sv}' by-label 1 labels 'a{ss}' 1 app probe 0
expect_eq "... records it by label" "$RC" 0
call "$E2E_MEMBER" UnregisterWorkload s e2e-w
expect_eq "... unregisters it" "$RC" 0
RC=0
ns_as "$E2E_MEMBER" busctl call org.sysrec1 /org/sysrec1/recording/by_2dlabel org.sysrec1.Recording Stop \
        >"$E2E_DIR/stop.out" 2>&1 || RC=$?
expect_eq "... stops it through Recording.Stop()" "$RC" 0
rm -f "$E2E_DIR/polkit-rules/50-sysrec-e2e.rules"
ns systemctl stop "$PROBE_UNIT"

# ---------------------------------------------------------------------------------------
# The rest of the API, so that sysrecd's filter is exercised on every path (and the
# dog-food recording sees every path): other targets, formats, errors.
# ---------------------------------------------------------------------------------------

# PID 1 is root's: sysrecd (user sysrec) reads its /proc/1/cgroup (ProtectProc=default).
call root StartRecording 'sa{sv}a{sv}' by-pid 1 pid u 1 0
expect_eq "StartRecording by pid (another user's process)" "$RC:$ERR" "0:"
ns systemctl start "$PROBE_UNIT"
call root StartRecording 'sa{sv}a{sv}' running 1 unit s "$PROBE_UNIT" 0
expect_eq "StartRecording on a running unit" "$RC:$ERR" "0:"
call root StopRecording s running
call root RemoveRecording s running
call root StartRecording 'sa{sv}a{sv}' by-cgroup 1 cgroup s /system.slice 1 descendants b true
expect_eq "StartRecording by cgroup" "$RC:$ERR" "0:"
for fmt in oci spo systemd bpf; do
        call root GetProfile ss by-cgroup "$fmt"
        expect_eq "GetProfile $fmt while recording" "$RC" 0
done
call root GetProfile ss by-cgroup no-such-format
expect_match "GetProfile with an unknown format: error naming it" "$RC:$ERR" '^1:.*no-such-format'
RC=0
ns busctl --json=short call org.sysrec1 /org/sysrec1/recording/by_2dcgroup org.sysrec1.Recording GetProfile s oci \
        >/dev/null 2>&1 || RC=$?
expect_eq "Recording.GetProfile" "$RC" 0
RC=0
ns busctl --json=short get-property org.sysrec1 /org/sysrec1/recording/by_2dcgroup org.sysrec1.Recording \
        Syscalls SyscallCount StartedUSec >/dev/null 2>&1 || RC=$?
expect_eq "Recording properties" "$RC" 0
RC=0
ns busctl --json=short call org.sysrec1 /org/sysrec1 org.freedesktop.DBus.ObjectManager GetManagedObjects \
        >/dev/null 2>&1 || RC=$?
expect_eq "GetManagedObjects" "$RC" 0
ns busctl tree org.sysrec1 >/dev/null 2>&1
call root StartRecording 'sa{sv}a{sv}' nounit 1 unit s no-such-unit.service 0
expect_match "a unit that does not exist: NoSuchUnit" "$RC:$ERR" "^1:.*no-such-unit.service"
call root StartRecording 'sa{sv}a{sv}' nocg 1 cgroup s /no/such/cgroup 0
expect_match "a cgroup that does not exist: error" "$RC:$ERR" "^1:.*/no/such/cgroup"
call root StartRecording 'sa{sv}a{sv}' 'bad name' 1 cgroup s / 0
expect_match "an invalid name: error" "$RC:$ERR" "^1:.*bad name"
call root StartRecording 'sa{sv}a{sv}' opt 1 cgroup s / 1 bogus b true
expect_match "an unknown option: error" "$RC:$ERR" "^1:.*bogus"
call root RemoveRecording s by-cgroup
expect_match "removing an active recording: error" "$RC:$ERR" "^1:.*by-cgroup"
call root StopRecording s no-such-recording
expect_match "stopping an unknown recording: error" "$RC:$ERR" "^1:.*no-such-recording"
call root StopRecording s by-pid
call root RemoveRecording s by-pid
call root RemoveRecording s probe
expect_eq "RemoveRecording" "$RC" 0
call root ListRecordings
expect_eq "ListRecordings" "$RC" 0
ns systemctl restart "$PROBE_UNIT"
ns systemctl stop "$PROBE_UNIT"

# ---------------------------------------------------------------------------------------
# sysrecd under its own filter, through all of the above
# ---------------------------------------------------------------------------------------

ping0=$(prop sysrecd WatchdogTimestampMonotonic)
sleep 3.5  # WatchdogSec=5s: sd-event pings at least every 2.5 s
ping1=$(prop sysrecd WatchdogTimestampMonotonic)
if [[ -n "$ping0" && "$ping1" -gt "$ping0" ]]; then
        pass "sysrecd pings the watchdog (last ping ${ping0}us -> ${ping1}us)"
else
        fail "sysrecd pings the watchdog" "WatchdogTimestampMonotonic: '$ping0' -> '$ping1'"
fi
expect_eq "sysrecd is still the same process (never killed, never restarted)" \
        "$(prop sysrecd MainPID)/$(prop sysrecd InvocationID)/$(prop sysrecd NRestarts)" "$DAEMON_PID/$invocation/0"
if [[ -z "$DOGFOOD" ]]; then
        expect_match "its SystemCallFilter= is the shipped allow list" "$(prop sysrecd SystemCallFilter)" '^[^~].*\<bpf\>'
fi
RC=0
ns systemctl stop sysrecd || RC=$?
# A SIGSYS would make the result "core-dump" or "signal".
expect_eq "systemctl stop with active recordings: clean exit" \
        "$RC/$(prop sysrecd ActiveState)/$(prop sysrecd Result)/$(prop sysrecd ExecMainStatus)" 0/inactive/success/0
expect_eq "... and the active recording is saved to resume with the next sysrecd" \
        "$(ns grep -q '"state":"recording"' "$E2E_STATE/recordings/by-cgroup.json" && echo yes)" yes
# Sanitizer reports (a sanitized build) count too.
bad='SIGSYS|status=31|code=(killed|dumped)|core-dump|[Ww]atchdog timeout|Failed|Cannot|polkit check|Sanitizer|runtime error:'
log=$(journal sysrecd.service)
if grep -Eq "$bad" <<<"$log"; then
        fail "sysrecd's journal is free of failures" "$(grep -E "$bad" <<<"$log")"
else
        pass "sysrecd's journal is free of failures"
fi

# ---------------------------------------------------------------------------------------
# The capability set is the smallest that works: with either capability alone the BPF
# object does not load.
# ---------------------------------------------------------------------------------------

caps_dropin=$SD/etc-system/sysrecd.service.d/60-caps.conf
for cap in CAP_BPF CAP_PERFMON; do
        printf '[Service]\nRestart=no\nCapabilityBoundingSet=\nCapabilityBoundingSet=%s\nAmbientCapabilities=\nAmbientCapabilities=%s\n' \
                "$cap" "$cap" >"$caps_dropin"
        ns systemctl daemon-reload
        cursor=$(journal_cursor)
        RC=0
        ns systemctl start sysrecd >/dev/null 2>&1 || RC=$?
        wait_state sysrecd failed inactive
        expect_eq "with $cap alone sysrecd fails to start" "$RC/$(prop sysrecd ActiveState)" 1/failed
        expect_journal "... because loading BPF is not permitted" 'Failed to load BPF programs.*: Operation not permitted' \
                sysrecd.service "$cursor"
        rm -f "$caps_dropin"
        ns systemctl reset-failed sysrecd
done
ns systemctl daemon-reload

if ((FAILED)); then
        echo "--- journal of sysrecd.service ---"
        journal sysrecd.service | tail -40
fi
check_summary
