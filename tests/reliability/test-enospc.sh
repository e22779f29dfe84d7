#!/bin/bash
#
# tests/reliability/test-enospc.sh — sysrecd with its state directory on a full disk
# (issue 7). The state directory is on a 64 KiB tmpfs that a filler file fills up:
#   - StopRecording gets org.sysrec1.Error.WriteFailed naming the profile's path;
#   - the profile another recording wrote earlier stays intact, no temp file is left;
#   - the recording is stopped and keeps its syscalls: GetProfile and Syscalls work;
#   - once space is freed, StopRecording again writes the profile, byte for byte what
#     GetProfile returns, and a third StopRecording says it is already stopped;
#   - crash safety on a full disk: a recording whose stop could not be written, and one
#     started while the disk was full, after kill -9 and a restart (with --pin-dir).
# Prints PASS/FAIL per check and `N passed, N failed`; unmounts everything on exit.

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/reliability/lib.sh
source "$SRC/tests/reliability/lib.sh"

rel_init enospc mount dd sha256sum
keep_cgroups "$TOP/a" "$TOP/b" "$TOP/c" || exit 2
SMALL=$WORK/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=64k,mode=0755 sysrec-enospc "$SMALL" || exit 2
cleanup_add umount -l "$SMALL"
BPF=$WORK/bpffs
bpffs_mount "$BPF" || exit 2
cleanup_add rel_daemon_stop

# The bus and the log stay off the small filesystem; only the state is on it.
private_bus_start "$WORK/bus"
SYSRECD_STATE=$SMALL/state
SYSRECD_LOG=$WORK/sysrecd.log
daemon_start --pin-dir="$BPF/sysrec" || exit 2
STATE=$SYSRECD_STATE
MGR=(org.sysrec1 /org/sysrec1 org.sysrec1.Manager)

fill() {
    dd if=/dev/zero of="$SMALL/filler" bs=4k 2>/dev/null
    dd if=/dev/zero of="$SMALL/filler2" bs=1 2>/dev/null
    true
}
unfill() { rm -f "$SMALL/filler" "$SMALL/filler2"; }

start_cgroup_recording a "$TOP/a" || fail "StartRecording a"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/a" 309 700
busctl call "${MGR[@]}" StopRecording s a >/dev/null || fail "StopRecording a"
sum_a=$(sha256sum <"$STATE/profiles/a.json")
expect_true "profile a written before the disk fills" grep -q '@700' "$STATE/profiles/a.json"

start_cgroup_recording b "$TOP/b" || fail "StartRecording b"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/b" 27 99 701
WANT_B=$(names_of 27 99 701)

fill
expect_eq "state filesystem is full" "$(df --output=avail "$SMALL" | tail -n1 | tr -d ' ')" 0
dcall /org/sysrec1 org.sysrec1.Manager.StopRecording string:b
expect_eq "StopRecording on a full disk fails with WriteFailed" "$ERRNAME" "$E.WriteFailed"
expect_true "... naming the profile's path ($STATE/profiles/b.json)" grep -qF "$STATE/profiles/b.json" <<<"$ERRMSG"
note "message: ${ERRMSG:0:220}"
expect_eq "the other recording's profile is intact" "$(sha256sum <"$STATE/profiles/a.json")" "$sum_a"
expect_eq "no half-written profile or temp file left" \
    "$(find "$STATE/profiles" -name '.#*' -o -name 'b.json' | head -n 3)" ""
expect_eq "recording b is stopped" "$(rec_state b)" stopped
expect_eq "GetProfile b still has its syscalls" "$(missing_from "$WANT_B" "$(live_names b)")" ""
expect_eq "Syscalls property of b has them too" \
    "$(missing_from "$WANT_B" "$(rprop b Syscalls | jq -r '.x86_64[]?')")" ""
dcall /org/sysrec1 org.sysrec1.Manager.StopRecording string:b
expect_eq "StopRecording again while still full: WriteFailed again" "$ERRNAME" "$E.WriteFailed"

unfill
dcall /org/sysrec1 org.sysrec1.Manager.StopRecording string:b
expect_eq "after freeing space StopRecording writes the profile" "$RC" 0
busctl --json=short call "${MGR[@]}" GetProfile ss b oci | jq -j '.data[0]' >"$WORK/b.oci"
expect_true "the file is GetProfile's oci text byte for byte" cmp -s "$WORK/b.oci" "$STATE/profiles/b.json"
expect_eq "and has b's syscalls" "$(missing_from "$WANT_B" "$(profile_names "$STATE/profiles/b.json")")" ""
dcall /org/sysrec1 org.sysrec1.Manager.StopRecording string:b
expect_eq "a third StopRecording: already stopped" "$ERRNAME" "$E.NotRecording"
expect_eq "profile a still intact" "$(sha256sum <"$STATE/profiles/a.json")" "$sum_a"

echo "# crash safety on a full disk (kill -9, restart with --pin-dir)"
start_cgroup_recording c "$TOP/c" || fail "StartRecording c"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/c" 252 702
WANT_C=$(names_of 252 702)
fill
dcall /org/sysrec1 org.sysrec1.Manager.StopRecording string:c
expect_eq "StopRecording c on a full disk: WriteFailed" "$ERRNAME" "$E.WriteFailed"
busctl call "${MGR[@]}" StartRecording 'sa{sv}a{sv}' d 1 cgroup s "$TOP/a" 0 >/dev/null 2>&1
drc=$?
"$SYSCALL_BIN" --cgroup "$CG2$TOP/a" 703
daemon_kill KILL
unfill
daemon_start --pin-dir="$BPF/sysrec" || { fail "restart"; exit 1; }
st=$(rec_state c)
# The stop never reached the disk, so the restarted sysrecd resumes c as it was
# saved (recording) with its kernel entries: what matters is that nothing is lost.
if [[ "$st" == stopped || "$st" == recording ]] && [[ -z "$(missing_from "$WANT_C" "$(live_names c)")" ]]; then
    pass "recording c, stopped but unwritten when sysrecd was killed, still has its syscalls ($st)"
else
    fail "recording c, stopped but unwritten when sysrecd was killed, still has its syscalls" \
        "state after the restart: '$st', syscalls: $(live_names c | tr '\n' ' ')" \
        "$(grep -E "'c'" "$SYSRECD_LOG" | tail -n 2)"
fi
if ((drc != 0)); then
    pass "StartRecording on a full disk is refused (rc $drc), nothing to lose"
elif [[ "$(rec_state d)" == recording ]] && grep -qx '@703' <<<"$(live_names d)"; then
    pass "recording d, started while the disk was full, survived kill -9 with its syscalls"
else
    fail "recording d, started while the disk was full, survives kill -9" \
        "StartRecording succeeded, but after the restart its state is '$(rec_state d)'" \
        "$(grep -E "Dropping|'d'" "$SYSRECD_LOG" | tail -n 2)"
fi

expect_true "sysrecd still alive" daemon_alive
rel_daemon_stop
check_daemon_logs "$SYSRECD_LOG"
check_summary
