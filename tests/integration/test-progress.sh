#!/bin/bash
#
# tests/integration/test-progress.sh — what a person at a terminal sees. sysrecd runs on
# a private bus; a workload in a recorded cgroup makes known syscalls (mknodat through
# mkfifo, ptrace through a Python ctypes call: ptrace is in no @system-service group)
# and starts a known number of processes. Checked on screen captures of tmux:
#   - `sysrecctl watch NAME` lists each new syscall as "+ ABI NAME" and keeps one status
#     line "N syscalls, M processes, K cgroups" redrawn in place, and exits 0 with the
#     profile path when the recording stops;
#   - `sysrecctl record -- CMD` keeps its status on the terminal's last row while the
#     command's output scrolls above it, intact, moves it when the terminal shrinks,
#     restores the terminal when killed with SIGTERM, and prints the final counts;
# and without a terminal: watch prints plain lines (no escape sequence) and exits 0 on
# SIGTERM; watch of a missing recording fails with exit code 4; `sysrecctl show` files
# the syscalls under systemd's groups and lists ptrace as not in @system-service (text
# and --json). Prints one PASS/FAIL line per check and `N passed, N failed`.

set -uo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
# shellcheck source=tests/integration/lib.sh
source "$SRC/tests/integration/lib.sh"

if ((EUID != 0)); then
    echo "test-progress.sh: must run as root" >&2
    exit 2
fi
for tool in tmux busctl dbus-daemon jq /usr/bin/python3; do
    command -v "$tool" >/dev/null || { echo "test-progress.sh: $tool not found" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/sysrec-it-progress.XXXXXX)
CG2=$(cgroup2_mount) || exit 2
PARENT=/sysrec-progress-$$
S=$SYSRECCTL_BIN
ABI=$(uname -m)
TMUX_CMD=(tmux -S "$WORK/tmux.sock" -f /dev/null)
trap 'cleanup_run; remove_work' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup_add cgroup_remove "$PARENT"
cleanup_add unpin_all
cleanup_add sysrecd_stop
cleanup_add "${TMUX_CMD[@]}" kill-server
mkcg "$PARENT"

if ! sysrecd_start "$WORK/daemon"; then
    fail "sysrecd starts on a private bus"
    exit 1
fi
pass "sysrecd (pid $SYSRECD_PID) runs on a private bus"

# workload CGROUP: move a shell into CGROUP, which then starts 3 processes (mkfifo,
# true, python3, which also starts a thread: not a process): 4 processes in all.
# Syscalls: mknodat (mkfifo), ptrace (python3).
workload() {
    sh -c "echo \$\$ > $CG2$1/cgroup.procs; exec sh -c 'mkfifo $WORK/fifo-\$\$; /bin/true & wait; \
        /usr/bin/python3 -c \"import ctypes, threading; t = threading.Thread(target=int); t.start(); t.join(); \
ctypes.CDLL(None).ptrace(0xdead, 0, 0, 0)\"'"
}

# screen TARGET [-S -]: what the tmux pane shows (with -S -: and its scrollback), wrapped
# lines joined, trailing blank lines removed.
screen() {
    "${TMUX_CMD[@]}" capture-pane -p -J -t "$@" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# wait_screen TARGET REGEX: wait up to 10 s until the pane shows a line matching REGEX.
wait_screen() {
    local i
    for ((i = 0; i < 100; i++)); do
        screen "$1" | grep -Eq -- "$2" && return 0
        sleep 0.1
    done
    return 1
}

# tmux_run NAME CMD: run CMD in a new 100x20 pane (a pseudo-terminal) named NAME,
# keeping the pane with "EXIT=<code>" once CMD ends.
tmux_run() {
    local env=(-e "DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS" -e TERM=xterm)
    if ! "${TMUX_CMD[@]}" has-session 2>/dev/null; then
        "${TMUX_CMD[@]}" new-session -d -s main -n "$1" -x 100 -y 20 "${env[@]}" "$2; echo EXIT=\$?; sleep 600"
    else
        "${TMUX_CMD[@]}" new-window -d -t main -n "$1" "${env[@]}" "$2; echo EXIT=\$?; sleep 600"
    fi
}

# Each count with its plural: "0 syscalls, 1 process, 1 cgroup".
STATUS_RE='^[0-9]+ syscalls?, [0-9]+ process(es)?, [0-9]+ cgroups?$'

# ---------------------------------------------------------------------------------------
# watch on a terminal
# ---------------------------------------------------------------------------------------
mkcg "$PARENT/watch"
"$S" start tw --cgroup="$PARENT/watch" -q
expect_eq "start recording tw" "$?" 0
tmux_run watch "$S watch tw"
if wait_screen main:watch "$STATUS_RE"; then
    pass "watch draws its status line on the terminal before anything happens"
else
    fail "watch draws its status line" "$(screen main:watch)"
fi
workload "$PARENT/watch"
if wait_screen main:watch "^\\+ $ABI ptrace\$" && wait_screen main:watch "^[0-9]+ syscalls, 4 processes, 1 cgroup\$"; then
    pass "watch shows '+ $ABI ptrace' and '4 processes, 1 cgroup' while recording"
else
    fail "watch shows the new syscalls and counts while recording" "$(screen main:watch)"
fi
screen main:watch -S - >"$WORK/watch-live.txt"
expect_true "watch shows '+ $ABI mknodat' (mkfifo) on a line of its own" grep -qx "+ $ABI mknodat" "$WORK/watch-live.txt"
expect_eq "watch keeps exactly one status line, as the last line (redrawn in place)" \
    "$(grep -Ec "$STATUS_RE" "$WORK/watch-live.txt") $(tail -n 1 "$WORK/watch-live.txt" | grep -Ec "$STATUS_RE")" "1 1"
n=$(busctl get-property org.sysrec1 /org/sysrec1/recording/tw org.sysrec1.Recording SyscallCount | awk '{print $2}')
if wait_screen main:watch "^$n syscalls, "; then
    pass "watch's count matches the SyscallCount property ($n)"
else
    fail "watch's count matches the SyscallCount property ($n)" "$(screen main:watch)"
fi
expect_eq "watch listed each syscall once (the Syscalls property of $ABI)" \
    "$(grep -c "^+ $ABI " "$WORK/watch-live.txt")" \
    "$(busctl --json=short get-property org.sysrec1 /org/sysrec1/recording/tw org.sysrec1.Recording Syscalls |
        jq --arg a "$ABI" '.data[$a] | length')"
"$S" stop tw -q
if wait_screen main:watch '^EXIT=0$'; then
    pass "watch exits 0 when the recording stops"
else
    fail "watch exits 0 when the recording stops" "$(screen main:watch)"
fi
expect_true "watch prints the profile path when the recording stops" \
    grep -qF "Recording 'tw' stopped; profile written to $SYSRECD_STATE/profiles/tw.json." <(screen main:watch -S -)

# ---------------------------------------------------------------------------------------
# show: groups and the syscalls outside @system-service
# ---------------------------------------------------------------------------------------
"$S" show tw >"$WORK/show.txt" 2>&1
expect_eq "show exits 0" "$?" 0
expect_true "show files mknodat under @file-system" grep -Eq '^  @file-system +.*\bmknodat\b' "$WORK/show.txt"
expect_true "show files ptrace under @debug" grep -Eq '^  @debug +.*\bptrace\b' "$WORK/show.txt"
expect_true "show says the recording started 4 processes" grep -Eq '^ +Processes: 4$' "$WORK/show.txt"
sed -n '/Not in any @system-service group/,$p' "$WORK/show.txt" >"$WORK/risky.txt"
expect_true "show lists ptrace (@debug) as not in any @system-service group" \
    grep -Eq '^ +ptrace +@debug' "$WORK/risky.txt"
expect_false "show does not list read (@basic-io, in @system-service) as risky" \
    grep -Eq '^ +read ' "$WORK/risky.txt"
"$S" show tw --json=short >"$WORK/show.json"
expect_eq "show --json: risky syscalls of $ABI, @file-system has mknodat, 4 processes" \
    "$(jq -c --arg a "$ABI" '[.risky[$a], (.groups[$a]["@file-system"] | index("mknodat") != null), .processes]' "$WORK/show.json")" \
    '[["ptrace"],true,4]'
if ! grep -q "Not in any" "$WORK/show.txt"; then
    show "$WORK/show.txt"
fi

# ---------------------------------------------------------------------------------------
# watch without a terminal; SIGTERM; a missing recording
# ---------------------------------------------------------------------------------------
mkcg "$PARENT/plain"
"$S" start tp --cgroup="$PARENT/plain" -q
"$S" watch tp >"$WORK/plain.out" 2>&1 &
wpid=$!
sleep 0.5
workload "$PARENT/plain"
for ((i = 0; i < 100; i++)); do
    grep -qx "+ $ABI ptrace" "$WORK/plain.out" && break
    sleep 0.1
done
kill -TERM "$wpid"
wait "$wpid"
expect_eq "watch exits 0 on SIGTERM" "$?" 0
expect_true "watch without a terminal prints '+ $ABI ptrace'" grep -qx "+ $ABI ptrace" "$WORK/plain.out"
expect_false "watch without a terminal prints no escape sequence" grep -q $'\e' "$WORK/plain.out"
expect_true "watch without a terminal ends with the counts" \
    grep -Eqx '[0-9]+ syscalls, 4 processes, 1 cgroup' <(tail -n 1 "$WORK/plain.out")
"$S" stop tp -q

"$S" watch nosuch >"$WORK/nosuch.out" 2>&1
expect_eq "watch of a missing recording exits 4" "$?" 4
expect_true "watch of a missing recording names it" grep -qF "No recording 'nosuch'" "$WORK/nosuch.out"

# ---------------------------------------------------------------------------------------
# record on a terminal
# ---------------------------------------------------------------------------------------
cmd="seq 1 40; mkfifo $WORK/fifo-rec; sleep 4"
tmux_run rec "cd $WORK && $S record --daemon -o $WORK/rec.json -- sh -c '$cmd'"
if wait_screen main:rec '^40$' && wait_screen main:rec '^[0-9]+ syscalls, [0-9]+ process(es)?, 1 cgroup  \+ [a-z]'; then
    pass "record shows its status (counts, then the newest syscalls) while the command runs"
else
    fail "record shows its status while the command runs" "$(screen main:rec)"
fi
screen main:rec >"$WORK/rec-live.txt"
expect_eq "record's status is on the terminal's last row (20)" \
    "$(grep -En '^[0-9]+ syscalls, ' "$WORK/rec-live.txt" | cut -d: -f1)" 20
# 19 rows scroll: its last 18 lines, then the empty line the cursor waits on.
expect_eq "the command's output scrolls above it intact (rows 1-18: its lines 23-40, row 19 empty)" \
    "$(head -n 19 "$WORK/rec-live.txt" | tr '\n' ' ')" "$(seq 23 40 | tr '\n' ' ') "
"${TMUX_CMD[@]}" resize-window -t main:rec -y 15
for ((i = 0; i < 50; i++)); do
    [[ "$(screen main:rec | grep -En '^[0-9]+ syscalls, ' | cut -d: -f1)" == 15 ]] && break
    sleep 0.1
done
expect_eq "after the terminal shrinks to 15 rows (SIGWINCH), the status is on row 15" \
    "$(screen main:rec | grep -En '^[0-9]+ syscalls, ' | cut -d: -f1)" 15
if wait_screen main:rec '^EXIT=0$'; then
    pass "record exits with the command's status 0"
else
    fail "record exits with the command's status 0" "$(screen main:rec)"
fi
expect_true "record prints the final counts (4 processes: sh, seq, mkfifo, sleep)" \
    grep -Eqx 'Recorded [0-9]+ syscalls, 4 processes, 1 cgroup\.' <(screen main:rec)
expect_eq "record's profile has mknodat" "$(jq '[.syscalls[].names[]] | index("mknodat") != null' "$WORK/rec.json")" true
# SIGTERM ends record as without progress (exit 143, the command left running), but the
# terminal gets its full scroll region back and the status row is cleared.
tmux_run term "$S record --daemon -o $WORK/term.json -- sleep 60; echo TERM=\$?; sleep 0.5; seq 1 30"
if wait_screen main:term '^[0-9]+ syscalls, '; then
    pane=$("${TMUX_CMD[@]}" display-message -p -t main:term '#{pane_pid}')
    rpid=$(pgrep -P "$pane" -x sysrecctl)
    rcg=$(sed -n 's/^0:://p' "/proc/$rpid/cgroup")/sysrec-record-$rpid
    cleanup_add cgroup_remove "$rcg"
    kill -TERM "$rpid"
    if wait_screen main:term '^TERM=143$' && wait_screen main:term '^EXIT=0$'; then
        pass "record dies of SIGTERM as without progress (exit 143)"
    else
        fail "record dies of SIGTERM (exit 143)" "$(screen main:term)"
    fi
    expect_false "after SIGTERM no status line is left on the screen" grep -Eq '^[0-9]+ syscalls, ' <(screen main:term)
    # With the scroll region reset, later output scrolls through all 20 rows: the
    # last line printed is on row 19, above the cursor's empty row 20.
    expect_eq "after SIGTERM the terminal scrolls all its rows again" \
        "$(screen main:term | sed -n 19p)" "EXIT=0"
    # What SIGTERM leaves behind, as without progress: the command in its cgroup.
    echo 1 >"$CG2$rcg/cgroup.kill"
    cgroup_remove "$rcg"
else
    fail "record shows its status (before SIGTERM)" "$(screen main:term)"
fi

"$S" record --daemon -o "$WORK/rec2.json" -- true 2>"$WORK/rec2.err"
expect_false "record without a terminal prints no progress" grep -q -e $'\e' -e '^Recorded' "$WORK/rec2.err"

check_summary
