#!/bin/bash
#
# tests/reliability/test-crash.sh — recordings survive sysrecd (issue 7), with maps and
# links pinned in a private bpffs (--pin-dir):
#   1. kill -9 during a recording; syscalls made only while the daemon is down, also in a
#      cgroup created while it is down, are in the final profile after a restart;
#   2. 20 kill -9/restart cycles (some during start-up) while a workload in the recorded
#      cgroup runs distinct syscalls all along and logs each one: every logged number is
#      in the final profile;
#   3. a clean SIGTERM with --pin-dir leaves the recording active in the kernel; it
#      resumes, and what was made in between is kept;
#   4. a layout upgrade: a v1 map (key 8 bytes, value 400: the prefix of struct
#      sysrec_cgroup) and a v2 map (value 464: all of it) made with bpftool next to the
#      pins, holding entries of saved recordings, are carried over into the final
#      profiles (into v3's slot array) and the old pins are removed; also for a
#      recording whose cgroup is gone, and entries of unknown recordings are not left
#      behind.
# Prints PASS/FAIL per check and `N passed, N failed`; cleans up on every exit path.

# Lists of syscall numbers and cgroups are passed as separate words on purpose.
# shellcheck disable=SC2046,SC2086
SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/reliability/lib.sh
source "$SRC/tests/reliability/lib.sh"

rel_init crash bpftool mount
BPF=$WORK/bpffs
bpffs_mount "$BPF" || exit 2
PIN=$BPF/sysrec
# The layout this build pins (its directory is v<layout>).
LAYOUT=$(sed -n 's/^#define SYSREC_MAP_LAYOUT \([0-9]*\)$/\1/p' "$SRC/bpf/sysrec-bpf.h")
[ -n "$LAYOUT" ] || { echo "cannot read SYSREC_MAP_LAYOUT from bpf/sysrec-bpf.h" >&2; exit 2; }
cleanup_add rel_daemon_stop

# Distinctive syscalls nothing else in the cgroup makes.
DOWN_NRS=(309 27 99 252 777) # getcpu mincore sysinfo ioprio_get, an unused number
DOWN_NAMES=$(names_of "${DOWN_NRS[@]}")

rel_daemon_start "$WORK/d" --pin-dir="$PIN" || exit 2
STATE=$SYSRECD_STATE

# ---------------------------------------------------------------------------------------
echo "# 1. kill -9 during a recording"
keep_cgroups "$TOP/crash" "$TOP/live" "$TOP/term" "$TOP/upg" "$TOP/upg-orphan" || exit 2
start_cgroup_recording crash "$TOP/crash" || fail "StartRecording crash"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/crash" 1001
live=$(live_names crash)
expect_eq "live profile before the kill has none of the syscalls made later" \
    "$(comm -12 <(echo "$DOWN_NAMES") <(echo "$live") | tr '\n' ' ')" ""
expect_true "live profile has what was made before the kill (@1001)" grep -qx '@1001' <<<"$live"

daemon_kill KILL
expect_true "pinned links remain after kill -9" test -e "$PIN/v$LAYOUT/link_enter" -a -e "$PIN/v$LAYOUT/link_mkdir"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/crash" "${DOWN_NRS[@]}"
mkdir "$CG2$TOP/crash/born-while-down"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/crash/born-while-down" 778
daemon_start --pin-dir="$PIN" || { fail "restart after kill -9"; exit 1; }
expect_eq "recording is active again after the restart" "$(rec_state crash)" recording
expect_eq "... and complete: the pins kept everything" "$(rprop crash Complete)" true
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s crash >/dev/null; then
    got=$(profile_names "$STATE/profiles/crash.json")
    miss=$(missing_from "$DOWN_NAMES"$'\n@778\n@1001' "$got")
    expect_eq "final profile has the syscalls made only while sysrecd was down (incl. a cgroup made then)" \
        "$miss" ""
else
    fail "StopRecording crash"
fi

# ---------------------------------------------------------------------------------------
echo "# 2. 20 kill -9/restart cycles during a live workload"
CYCLES=${CRASH_CYCLES:-20}
start_cgroup_recording live "$TOP/live" || fail "StartRecording live"
LOG=$WORK/live.log
: >"$LOG"
# 380 unused numbers (600..979), one every 40 ms: new ones all through the cycles.
"$SYSCALL_BIN" --cgroup "$CG2$TOP/live" --loop "$LOG" --interval-ms 40 $(seq 600 979) &
WL=$!
cleanup_add kill_pid "$WL"
sleep 0.3
survived=0 down_calls=0 early_kills=0 l2=0
declare -A seen=() # numbers the log shows so far
first_new_while_down=0
for ((c = 1; c <= CYCLES; c++)); do
    sleep "0.$((RANDOM % 4))"
    prev_l2=$l2
    daemon_kill KILL
    l1=$(wc -l <"$LOG")
    # A cgroup made while the daemon is down, with a syscall only it makes.
    mkdir "$CG2$TOP/live/cycle$c"
    "$SYSCALL_BIN" --cgroup "$CG2$TOP/live/cycle$c" $((980 + c % 44))
    sleep "0.$((1 + RANDOM % 3))"
    if ((c % 5 == 0)); then
        # Kill it again during start-up, before it took its bus name.
        ${SYSRECD_WRAPPER:-} "$SYSRECD_BIN" --state-dir="$STATE" --pin-dir="$PIN" >>"$SYSRECD_LOG" 2>&1 &
        SYSRECD_PID=$!
        sleep "0.0$((RANDOM % 10))"
        daemon_kill KILL
        early_kills=$((early_kills + 1))
    fi
    if ! daemon_start --pin-dir="$PIN"; then
        fail "cycle $c: restart"
        break
    fi
    l2=$(wc -l <"$LOG")
    st=$(rec_state live)
    if [[ "$st" != recording ]]; then
        fail "cycle $c: recording 'live' is '$st' after the restart"
        break
    fi
    if [[ "$(rprop live Complete)" != true ]]; then
        fail "cycle $c: recording 'live' says it lost kernel state (Complete=$(rprop live Complete))"
        break
    fi
    # Calls made while the daemon was up, then the ones made while it was down or
    # starting: how many numbers did the kernel see first with no daemon there?
    while read -r nr; do seen[$nr]=1; done < <(sed -n "$((prev_l2 + 1)),${l1}p" "$LOG")
    while read -r nr; do
        [[ -n "${seen[$nr]:-}" ]] || first_new_while_down=$((first_new_while_down + 1))
        seen[$nr]=1
    done < <(sed -n "$((l1 + 1)),${l2}p" "$LOG")
    down_calls=$((down_calls + l2 - l1))
    survived=$c
done
kill -TERM "$WL" 2>/dev/null
wait "$WL" 2>/dev/null
expect_eq "survived $CYCLES kill -9/restart cycles ($early_kills more kills during start-up)" "$survived" "$CYCLES"
note "workload calls while sysrecd was down or starting: $down_calls; $first_new_while_down numbers were first made then"
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s live >/dev/null; then
    got=$(profile_names "$STATE/profiles/live.json")
    want=$(names_of $(sort -un "$LOG") $(for ((c = 1; c <= survived; c++)); do echo $((980 + c % 44)); done))
    nwant=$(wc -l <<<"$want")
    miss=$(missing_from "$want" "$got")
    expect_eq "final profile has all $nwant distinct syscalls the workload logged over $survived cycles" "$miss" ""
else
    fail "StopRecording live"
fi
resumed=$(grep -c "Recording 'live' resumed" "$SYSRECD_LOG")
expect_true "every restart resumed the recording from the pinned map ($resumed times)" test "$resumed" -ge "$survived"

# ---------------------------------------------------------------------------------------
echo "# 3. SIGTERM with --pin-dir"
start_cgroup_recording term "$TOP/term" || fail "StartRecording term"
daemon_kill TERM
expect_eq "sysrecd exits 0 on SIGTERM" "$DAEMON_EXIT" 0
expect_true "no profile written: the recording stays active" test ! -e "$STATE/profiles/term.json"
expect_true "links stay pinned" test -e "$PIN/v$LAYOUT/link_enter"
"$SYSCALL_BIN" --cgroup "$CG2$TOP/term" "${DOWN_NRS[@]}"
daemon_start --pin-dir="$PIN" || { fail "restart after SIGTERM"; exit 1; }
expect_eq "recording 'term' resumed" "$(rec_state term)" recording
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s term >/dev/null; then
    miss=$(missing_from "$DOWN_NAMES" "$(profile_names "$STATE/profiles/term.json")")
    expect_eq "final profile has what ran between SIGTERM and the restart" "$miss" ""
else
    fail "StopRecording term"
fi
expect_eq "nothing records any more: no tracked cgroups" "$(mprop TrackedCgroups)" 0
rel_daemon_stop

# ---------------------------------------------------------------------------------------
echo "# 4. pinned maps of older layouts (v1, v2)"
# bpftool wants the value as bytes: u32 recording, u32 flags, u64 parent, then 3 ABIs x
# 16 u64 words of bits (little endian), 400 bytes in all in v1; v2 adds 64 bytes of
# arguments (zero here).
v1_value() {
    old_value 400 "$@"
}
v2_value() {
    old_value 464 "$@"
}
old_value() {
    local size=$1 rec=$2 flags=$3 native=$4 compat=$5 bytes=() i w b
    for ((i = 0; i < size; i++)); do bytes[i]=0; done
    for ((i = 0; i < 4; i++)); do bytes[i]=$(((rec >> (8 * i)) & 255)); done
    bytes[4]=$flags
    # set_bit ABI NR
    for b in $native; do
        w=$((16 + 0 * 128 + (b / 64) * 8 + (b % 64) / 8))
        bytes[w]=$((bytes[w] | 1 << (b % 8)))
    done
    for b in $compat; do
        w=$((16 + 1 * 128 + (b / 64) * 8 + (b % 64) / 8))
        bytes[w]=$((bytes[w] | 1 << (b % 8)))
    done
    echo "${bytes[@]}"
}
u64_bytes() {
    local v=$1 i out=()
    for ((i = 0; i < 8; i++)); do out+=($(((v >> (8 * i)) & 255))); done
    echo "${out[@]}"
}
UPIN=$BPF/upgrade
mkdir -p "$CG2$TOP/upg-gone"
# A real saved recording: start it on a daemon without pins and kill it, so that its
# file says "recording" and no kernel map holds it.
rel_daemon_start "$WORK/u" || exit 2
USTATE=$SYSRECD_STATE
start_cgroup_recording upgrade "$TOP/upg" || fail "StartRecording upgrade"
start_cgroup_recording upgrade-gone "$TOP/upg-gone" || fail "StartRecording upgrade-gone"
daemon_kill KILL
id_up=$(jq -r .id "$USTATE/recordings/upgrade.json")
id_gone=$(jq -r .id "$USTATE/recordings/upgrade-gone.json")
cg_up=$(stat -c %i "$CG2$TOP/upg")
cg_gone=$(stat -c %i "$CG2$TOP/upg-gone")
cg_orphan=$(stat -c %i "$CG2$TOP/upg-orphan")
# The container of upgrade-gone finished while the old daemon was down.
rmdir "$CG2$TOP/upg-gone"
mkdir -p "$UPIN/v1" "$UPIN/v2"
if bpftool map create "$UPIN/v1/cgroups" type hash key 8 value 400 entries 64 name cgroups &&
    bpftool map update pinned "$UPIN/v1/cgroups" key $(u64_bytes "$cg_up") \
        value $(v1_value "$id_up" 1 "777 778" "20") &&
    bpftool map update pinned "$UPIN/v1/cgroups" key $(u64_bytes "$cg_orphan") \
        value $(v1_value 4000000 1 "780" ""); then
    pass "v1 map made with bpftool: 2 entries (ids $id_up, unknown 4000000)"
else
    fail "bpftool could not make the v1 map"
fi
# v2: the same cgroup as in v1 (its bits are added), and the one that is gone.
if bpftool map create "$UPIN/v2/cgroups" type hash key 8 value 464 entries 64 name cgroups &&
    bpftool map update pinned "$UPIN/v2/cgroups" key $(u64_bytes "$cg_up") \
        value $(v2_value "$id_up" 1 "781" "") &&
    bpftool map update pinned "$UPIN/v2/cgroups" key $(u64_bytes "$cg_gone") \
        value $(v2_value "$id_gone" 1 "779" ""); then
    pass "v2 map made with bpftool: 2 entries (ids $id_up, $id_gone)"
else
    fail "bpftool could not make the v2 map"
fi
daemon_start --pin-dir="$UPIN" || { fail "start with v1 and v2 maps"; exit 1; }
expect_true "log says entries were carried over from layout v1" grep -Eq 'Carried [0-9]+ recorded cgroups over from map layout v1' "$SYSRECD_LOG"
expect_true "log says entries were carried over from layout v2" grep -Eq 'Carried [0-9]+ recorded cgroups over from map layout v2' "$SYSRECD_LOG"
expect_true "v1 pins are removed" test ! -e "$UPIN/v1"
expect_true "v2 pins are removed" test ! -e "$UPIN/v2"
expect_eq "recording 'upgrade' is active" "$(rec_state upgrade)" recording
expect_eq "recording 'upgrade-gone' (cgroup removed meanwhile) is active" "$(rec_state upgrade-gone)" recording
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s upgrade >/dev/null; then
    got=$(profile_names "$USTATE/profiles/upgrade.json")
    expect_eq "final profile has the v1 entry's native bits (@777 @778)" "$(missing_from $'@777\n@778' "$got")" ""
    expect_eq "and the v2 entry's of the same cgroup (@781)" "$(missing_from '@781' "$got")" ""
    x86=$(rprop upgrade Syscalls | jq -r '.x86[]?' | tr '\n' ' ')
    expect_eq "and its i386 bit (x86 getpid)" "$x86" "getpid "
    expect_true "profile lists SCMP_ARCH_X86" grep -q SCMP_ARCH_X86\" "$USTATE/profiles/upgrade.json"
else
    fail "StopRecording upgrade"
fi
if busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s upgrade-gone >/dev/null 2>&1; then
    got=$(profile_names "$USTATE/profiles/upgrade-gone.json")
    expect_eq "recording whose cgroup is gone keeps its v2 bits (@779)" "$(missing_from '@779' "$got")" ""
else
    fail "recording whose cgroup is gone keeps its v2 bits (@779)" \
        "StopRecording upgrade-gone failed; state '$(rec_state upgrade-gone)'" \
        "$(grep -E "upgrade-gone|unknown recording" "$SYSRECD_LOG" | tail -n 3)"
fi
expect_eq "no old entry of an unknown recording is left tracked" "$(mprop TrackedCgroups)" 0
expect_eq "no programs stay attached" "$(mprop ProgramsAttached)" false

expect_true "sysrecd still alive" daemon_alive
rel_daemon_stop
check_daemon_logs "$WORK/d/sysrecd.log" "$WORK/u/sysrecd.log"
check_summary
