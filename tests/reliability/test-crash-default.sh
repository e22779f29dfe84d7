#!/bin/bash
#
# tests/reliability/test-crash-default.sh — crash safety without being asked for (issue 13):
# sysrecd started as a user starts it by hand (no --pin-dir: only --state-dir and the
# private bus) pins below /sys/fs/bpf, mounting a bpffs there if none is; and a recording
# whose kernel state is gone on a restart goes on, marked Complete=false for good.
#   1. default invocation: a bpffs is mounted on /sys/fs/bpf; kill -9 during a recording;
#      a workload in the recorded cgroup (one process all along) makes distinct syscalls
#      before the kill, while sysrecd is down and after the restart: all three are in the
#      final profile, and Complete stays true;
#   2. kill -9, every pin removed while sysrecd is down, restart: the recording goes on,
#      Complete is false on the bus (property and PropertiesChanged), in the saved state,
#      in `sysrecctl list`/`show`/`watch` (a warning) and their --json, in the log; it stays false
#      after further restarts (kill -9, and SIGTERM once stopped);
#   3. only the link pins removed (the maps stay): what was recorded before is kept, the
#      outage is not recorded, Complete is false;
#   4. one map pin removed: the rest is not paired with new maps, Complete is false;
#   5. --no-pin: kill -9 and a restart leave Complete false, and the log says why;
#   6. the pinning options are validated.
# It runs in a mount namespace of its own, so that /sys/fs/bpf (and whatever sysrecd
# mounts and pins there) is its own and no other daemon on the host shares it.
# Prints PASS/FAIL per check and `N passed, N failed`; cleans up on every exit path.

# Lists of syscall numbers are passed as separate words on purpose.
# shellcheck disable=SC2086
SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
if [[ -z "${SYSREC_CRASH_DEFAULT_NS:-}" ]]; then
    command -v unshare >/dev/null || { echo "test-crash-default.sh: unshare not found" >&2; exit 2; }
    SYSREC_CRASH_DEFAULT_NS=1 exec unshare --mount --propagation private -- "$BASH" "${BASH_SOURCE[0]}" "$@"
fi
# shellcheck source=tests/reliability/lib.sh
source "$SRC/tests/reliability/lib.sh"

rel_init crash-default mount umount mountpoint stat mkfifo bpftool
BPFFS=/sys/fs/bpf
PIN=$BPFFS/sysrec
LAYOUT=$(sed -n 's/^#define SYSREC_MAP_LAYOUT \([0-9]*\)$/\1/p' "$SRC/bpf/sysrec-bpf.h")
[ -n "$LAYOUT" ] || { echo "cannot read SYSREC_MAP_LAYOUT from bpf/sysrec-bpf.h" >&2; exit 2; }
PINV=$PIN/v$LAYOUT
# The daemon's default pinning, not the test libraries' --no-pin.
export SYSRECD_DEFAULT_PIN=1

# In this namespace only: whatever bpffs the host has on /sys/fs/bpf goes, so that the
# daemon finds none and mounts its own; on exit its pins go (detaching what a killed
# daemon left attached) and the mount with them.
bpffs_cleanup() {
    if [[ "$(stat -f -c %T "$BPFFS" 2>/dev/null)" == bpf_fs ]]; then
        rm -rf "$PIN"
        umount -l "$BPFFS"
    fi
}
while mountpoint -q "$BPFFS"; do umount -l "$BPFFS" || exit 2; done
cleanup_add bpffs_cleanup
cleanup_add rel_daemon_stop

# workload_start NAME CGROUP_REL: one shell in the cgroup, alive all along, that runs
# sysrec-syscall with the numbers written to its FIFO (workload_do), so the syscalls of
# every phase come from the same workload.
declare -A WL_FD=()
workload_start() {
    local name=$1 fifo=$WORK/$1.fifo fd
    mkfifo "$fifo"
    : >"$WORK/$name.log"
    # shellcheck disable=SC2016
    bash -c 'echo $$ >"$1/cgroup.procs" || exit 1
        exec 3<"$2"
        while read -r nrs <&3; do "$3" $nrs; echo "done $nrs" >>"$4"; done' \
        _ "$CG2$2" "$fifo" "$SYSCALL_BIN" "$WORK/$name.log" &
    cleanup_add kill_pid $!
    exec {fd}>"$fifo"
    WL_FD[$name]=$fd
}

# workload_do NAME NR...: the workload makes these syscalls; waits until it did.
workload_do() {
    local name=$1 i
    shift
    echo "$*" >&"${WL_FD[$name]}"
    for ((i = 0; i < 400; i++)); do
        grep -qx "done $*" "$WORK/$name.log" && return 0
        sleep 0.025
    done
    fail "workload $name did not make syscalls $*"
    return 1
}

ctl() {
    "$SYSRECCTL_BIN" --no-pager "$@"
}

# complete_of NAME: the Complete property of recording NAME ("" if it cannot be read).
complete_of() {
    rprop "$1" Complete
}

# json_complete NAME VERB...: .complete of NAME in `sysrecctl --json=short VERB...`.
json_complete() {
    local name=$1
    shift
    ctl --json=short "$@" 2>/dev/null | jq -c --arg n "$name" \
        'if type == "array" then .[] else . end | select(.name == $n) | .complete'
}

# changed_complete MARK NAME: the Complete values PropertiesChanged carried for NAME after
# line MARK of the monitor, one a line.
changed_complete() {
    tail -n +"$(($1 + 1))" "$MON" | jq -r --arg p "$(rec_path "$2")" \
        'select(.type == "signal" and .path == $p and .member == "PropertiesChanged")
         | .payload.data[1] | select(has("Complete")) | .Complete.data | tostring' 2>/dev/null
}

# ---------------------------------------------------------------------------------------
echo "# 1. default invocation, kill -9 during a recording"
keep_cgroups "$TOP/a" "$TOP/b" "$TOP/c" "$TOP/d" "$TOP/e" || exit 2
rel_daemon_start "$WORK/d" || exit 2
STATE=$SYSRECD_STATE
expect_eq "sysrecd mounted a bpf filesystem on $BPFFS" "$(stat -f -c %T "$BPFFS" 2>/dev/null)" bpf_fs
expect_true "... and its log says so" grep -q "Mounted a bpf filesystem on $BPFFS" "$SYSRECD_LOG"

# A PropertiesChanged monitor on the bus, which outlives every daemon of this test.
MON=$WORK/monitor.json
busctl monitor --json=short \
    --match "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'" \
    >"$MON" 2>"$WORK/monitor.err" &
cleanup_add kill_pid $!

BEFORE=(309 901) DURING=(99 902) AFTER=(252 903) # getcpu sysinfo ioprio_get, unused numbers
start_cgroup_recording a "$TOP/a" || fail "StartRecording a"
expect_true "maps and links are pinned in $PINV" test -e "$PINV/records" -a -e "$PINV/link_enter"
workload_start a "$TOP/a"
workload_do a "${BEFORE[@]}"
live=$(live_names a)
expect_eq "live profile has what was made before the kill" "$(missing_from "$(names_of "${BEFORE[@]}")" "$live")" ""
expect_eq "... and none of what comes later" \
    "$(comm -12 <(names_of "${DURING[@]}" "${AFTER[@]}") <(echo "$live") | tr '\n' ' ')" ""
expect_eq "Complete is true while nothing was lost" "$(complete_of a)" true

daemon_kill KILL
expect_true "pinned links remain after kill -9" test -e "$PINV/link_enter" -a -e "$PINV/link_mkdir"
workload_do a "${DURING[@]}"
daemon_start || { fail "restart after kill -9"; exit 1; }
expect_eq "recording a is active again" "$(rec_state a)" recording
expect_eq "Complete is still true after the restart" "$(complete_of a)" true
expect_true "the log says the recording resumed" grep -q "Recording 'a' resumed" "$SYSRECD_LOG"
workload_do a "${AFTER[@]}"
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s a >/dev/null; then
    miss=$(missing_from "$(names_of "${BEFORE[@]}" "${DURING[@]}" "${AFTER[@]}")" \
        "$(profile_names "$STATE/profiles/a.json")")
    expect_eq "final profile has the syscalls of before, during and after the outage" "$miss" ""
else
    fail "StopRecording a"
fi
expect_eq "sysrecctl show --json says complete" "$(json_complete a show a)" true
expect_eq "saved state says complete" "$(jq -c .complete "$STATE/recordings/a.json")" true

# ---------------------------------------------------------------------------------------
echo "# 2. pins removed while sysrecd is down"
start_cgroup_recording b "$TOP/b" || fail "StartRecording b"
workload_start b "$TOP/b"
workload_do b 911
daemon_kill KILL
rm -rf "$PIN"
workload_do b 912
mark=$(wc -l <"$MON")
daemon_start || { fail "restart after the pins were removed"; exit 1; }
expect_eq "recording b goes on recording" "$(rec_state b)" recording
expect_eq "Complete is false on the bus" "$(complete_of b)" false
got=
for ((i = 0; i < 100; i++)); do
    got=$(changed_complete "$mark" b | sort -u | tr '\n' ' ')
    [[ -z "$got" ]] || break
    sleep 0.05
done
expect_eq "PropertiesChanged announced Complete=false" "$got" "false "
expect_eq "the stopped recording a stays complete" "$(complete_of a)" true
expect_true "the log says why" grep -q "Recording 'b' is incomplete: its kernel maps were gone from the pin directory" "$SYSRECD_LOG"
expect_eq "the saved state says incomplete" "$(jq -c .complete "$STATE/recordings/b.json")" false
list_out=$(ctl list 2>"$WORK/list.err")
expect_true "sysrecctl list marks b incomplete" grep -Eq '^b +recording, incomplete' <<<"$list_out"
expect_false "... and not a" grep -Eq '^a .*incomplete' <<<"$list_out"
expect_true "sysrecctl list warns on stderr" grep -q "^b: Warning: incomplete" "$WORK/list.err"
expect_true "sysrecctl show warns" bash -c "'$SYSRECCTL_BIN' --no-pager show b | grep -q 'Warning: incomplete'"
timeout 2 "$SYSRECCTL_BIN" watch b >/dev/null 2>"$WORK/watch.err"
expect_true "sysrecctl watch warns" grep -q "^b: Warning: incomplete" "$WORK/watch.err"
expect_eq "sysrecctl list --json has complete false" "$(json_complete b list)" false
expect_eq "sysrecctl show --json has complete false" "$(json_complete b show b)" false
workload_do b 913
live=$(live_names b)
expect_eq "it records again from the restart (@913), and did lose @911 and @912" \
    "$(grep -cx -e @913 <<<"$live")$(grep -cx -e @911 -e @912 <<<"$live")" 10

daemon_kill KILL
daemon_start || { fail "second restart"; exit 1; }
expect_eq "after another kill -9 and restart (pins intact), Complete is still false" "$(complete_of b)" false
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s b >/dev/null; then
    expect_true "its final profile has what came after the loss" grep -qx @913 < <(profile_names "$STATE/profiles/b.json")
else
    fail "StopRecording b"
fi
daemon_kill TERM
daemon_start || { fail "restart after SIGTERM"; exit 1; }
expect_eq "stopped, and after a SIGTERM and restart, Complete is still false" "$(complete_of b)" false

# ---------------------------------------------------------------------------------------
echo "# 3. only the link pins removed while sysrecd is down"
start_cgroup_recording c "$TOP/c" || fail "StartRecording c"
workload_start c "$TOP/c"
workload_do c 921
daemon_kill KILL
ids=$(for l in link_enter link_mkdir; do bpftool -j link show pinned "$PINV/$l" | jq -r .id; done)
rm -f "$PINV/link_enter" "$PINV/link_mkdir"
# The kernel releases a link whose last reference went in a work queue, a little later.
gone=0
for ((i = 0; i < 400 && gone == 0; i++)); do
    gone=1
    for id in $ids; do bpftool link show id "$id" >/dev/null 2>&1 && gone=0; done
    ((gone)) || sleep 0.025
done
expect_true "the links (ids $(tr '\n' ' ' <<<"$ids")) are gone with their pins" test "$gone" = 1
workload_do c 922
daemon_start || { fail "restart after the link pins were removed"; exit 1; }
expect_eq "Complete is false" "$(complete_of c)" false
expect_true "the log says nothing was recorded while sysrecd was down" \
    grep -q "Recording 'c' is incomplete: its BPF programs were not pinned" "$SYSRECD_LOG"
live=$(live_names c)
expect_eq "the maps kept what came before (@921), the outage is not recorded (@922)" \
    "$(grep -cx @921 <<<"$live")$(grep -cx @922 <<<"$live")" 10
busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s c >/dev/null || fail "StopRecording c"

# ---------------------------------------------------------------------------------------
echo "# 4. one map pin removed while sysrecd is down"
start_cgroup_recording d "$TOP/d" || fail "StartRecording d"
workload_start d "$TOP/d"
workload_do d 931
daemon_kill KILL
rm -f "$PINV/records"
daemon_start || { fail "restart after the records pin was removed"; exit 1; }
expect_true "the log says the pinned maps were incomplete" \
    grep -q "Pinned maps in $PINV are incomplete ('records' is missing)" "$SYSRECD_LOG"
expect_eq "Complete is false" "$(complete_of d)" false
workload_do d 932
expect_true "it records again (@932)" grep -qx @932 < <(live_names d)
busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s d >/dev/null || fail "StopRecording d"

# ---------------------------------------------------------------------------------------
echo "# 5. --no-pin"
rel_daemon_stop
rm -rf "$PIN"
rel_daemon_start "$WORK/n" --no-pin || exit 2
NSTATE=$SYSRECD_STATE
start_cgroup_recording e "$TOP/e" || fail "StartRecording e"
expect_true "nothing is pinned" test ! -e "$PIN"
daemon_kill KILL
daemon_start --no-pin || { fail "restart with --no-pin"; exit 1; }
expect_eq "recording e goes on" "$(rec_state e)" recording
expect_eq "Complete is false" "$(complete_of e)" false
expect_true "the log says why" grep -q "Recording 'e' is incomplete: sysrecd runs with --no-pin" "$SYSRECD_LOG"
daemon_kill TERM
expect_true "SIGTERM with --no-pin stops it and writes its profile" test -s "$NSTATE/profiles/e.json"
expect_eq "... keeping complete false in the saved state" "$(jq -c .complete "$NSTATE/recordings/e.json")" false
rel_daemon_stop

# ---------------------------------------------------------------------------------------
echo "# 6. option validation"
opt_check() { # DESC PATTERN ARGS...
    local desc=$1 pat=$2 out rc
    shift 2
    out=$("$SYSRECD_BIN" --state-dir="$WORK/opt" "$@" 2>&1)
    rc=$?
    if ((rc == 1)) && grep -q -- "$pat" <<<"$out"; then pass "$desc"; else fail "$desc" "exit $rc: $out"; fi
}
opt_check "--pin-dir= with an empty path is refused, naming --no-pin" "needs an absolute path, got '' (--no-pin" --pin-dir=
opt_check "--pin-dir=relative is refused" "needs an absolute path, got 'rel'" --pin-dir=rel
opt_check "--pin-dir= and --no-pin together are refused" "--pin-dir='/x' and --no-pin contradict" --pin-dir=/x --no-pin
opt_check "--pin-dir= off a bpffs is refused" "is not on a bpf filesystem" --pin-dir="$WORK/not-bpffs"

check_daemon_logs "$WORK"/d/sysrecd.log "$WORK"/n/sysrecd.log
check_summary
