# shellcheck shell=bash
# Variables set here are read by the scripts that source this file:
# shellcheck disable=SC2034
#
# tests/reliability/lib.sh — shared by the reliability scripts: PASS/FAIL bookkeeping
# (tests/lib/check.sh), a work directory and cleanup registry that run on every exit
# path, the test helpers (built by meson, or compiled here when the build directory lacks
# them), private bpffs mounts, restarting sysrecd on the same private bus, and D-Bus
# calls that show the error *name* (gdbus and dbus-send print it; busctl only prints
# strerror).
#
# rel_init NAME sets WORK, CG2 (the cgroup2 mount), TOP (a test cgroup, relative),
# SYSCALL_BIN, STRESS_BIN, and installs the EXIT trap. End a script with check_summary.

set -uo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"

E=org.sysrec1.Error

note() {
    echo "      $*"
}

_rel_remove_work() {
    if [[ -n "${SYSREC_KEEP:-}" ]]; then
        echo "work directory kept: $WORK" >&2
    elif [[ -n "${WORK:-}" && -d "$WORK" ]]; then
        # Never follow a mount point left behind into another filesystem.
        if ! grep -q " ${WORK}/" /proc/self/mountinfo; then rm -rf "$WORK"; fi
    fi
}

# rel_init NAME: root check, tools, work directory, traps, helpers, test cgroup.
rel_init() {
    local name=$1 tool
    shift
    if ((EUID != 0)); then
        echo "$name: must run as root" >&2
        exit 2
    fi
    for tool in busctl dbus-daemon jq awk "$@"; do
        command -v "$tool" >/dev/null || { echo "$name: $tool not found" >&2; exit 2; }
    done
    if [[ ! -x "$SYSRECD_BIN" ]]; then
        echo "$name: $SYSRECD_BIN not built (set SYSREC_BUILD)" >&2
        exit 2
    fi
    WORK=$(mktemp -d "/tmp/sysrec-$name.XXXXXX")
    trap 'cleanup_run; _rel_remove_work' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    CG2=$(cgroup2_mount) || exit 2
    TOP=/sysrec-$name-$$
    mkdir "$CG2$TOP" || exit 2
    cleanup_add cgroup_remove "$TOP"
    rel_helpers || exit 2
    keep_cgroups "$TOP/keeper" || exit 2
}

# keep_cgroups REL...: make these cgroups (below CG2; the helper makes them and at once
# puts a sleeping process in each) and keep them until the script exits. Another session's namespaced systemd shares this cgroup
# hierarchy and removes every empty cgroup when it starts or stops; a cgroup with a
# process in it (and so its parents) stays.
keep_cgroups() {
    local d dirs=() f pid i
    for d in "$@"; do dirs+=("$CG2$d"); done
    f=$(mktemp "$WORK/keeper.XXXXXX")
    "$SYSCALL_BIN" --keep "${dirs[@]}" >"$f" &
    pid=$!
    cleanup_add kill_pid "$pid"
    for ((i = 0; i < 400; i++)); do
        grep -q ready "$f" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.025
    done
    return 1
}

# The helpers: from the build directory, or compiled into $WORK/bin.
rel_helpers() {
    local dir=$SYSREC_BUILD/tests/reliability here
    here=$SRC/tests/reliability
    SYSCALL_BIN=$dir/sysrec-syscall
    STRESS_BIN=$dir/sysrec-stress
    if [[ -x "$SYSCALL_BIN" && -x "$STRESS_BIN" &&
        ! "$here/sysrec-syscall.c" -nt "$SYSCALL_BIN" && ! "$here/sysrec-stress.c" -nt "$STRESS_BIN" ]]; then
        return 0
    fi
    mkdir -p "$WORK/bin"
    SYSCALL_BIN=$WORK/bin/sysrec-syscall
    STRESS_BIN=$WORK/bin/sysrec-stress
    # shellcheck disable=SC2046
    if ! ${CC:-cc} -O2 -Wall -o "$SYSCALL_BIN" "$here/sysrec-syscall.c" $(pkg-config --cflags --libs libseccomp) ||
        ! ${CC:-cc} -O2 -Wall -o "$STRESS_BIN" "$here/sysrec-stress.c" \
            $(pkg-config --cflags --libs libsystemd libseccomp); then
        echo "cannot build the reliability helpers" >&2
        return 1
    fi
}

kill_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# bpffs_mount DIR: a private bpf filesystem, unmounted on exit (which also drops
# every pinned map and link, detaching programs a killed daemon left behind).
bpffs_mount() {
    mkdir -p "$1"
    mount -t bpf bpf "$1" || return 1
    cleanup_add umount -l "$1"
}

# ---------------------------------------------------------------------------------------
# sysrecd on the private bus, restartable
# ---------------------------------------------------------------------------------------

# rel_daemon_start DIR [ARGS...]: like sysrecd_start (a private bus in DIR, state in
# DIR/state, log in DIR/sysrecd.log) but waiting long enough for SYSRECD_WRAPPER
# (valgrind needs ~20 s to start sysrecd).
rel_daemon_start() {
    private_bus_start "$1"
    SYSRECD_STATE=$1/state
    SYSRECD_LOG=$1/sysrecd.log
    shift
    daemon_start "$@"
}

# daemon_start [ARGS...]: start sysrecd on the bus set up before, with the same state
# directory, appending to the same log; waits for org.sysrec1 (10 s, or 180 s under
# SYSRECD_WRAPPER).
daemon_start() {
    local i n=400
    [[ -z "${SYSRECD_WRAPPER:-}" ]] || n=7200
    echo "---- daemon_start $(date +%T.%N) $*" >>"$SYSRECD_LOG"
    # sysrecd_pin_arg prints no word or one, unquoted on purpose.
    # shellcheck disable=SC2086,SC2046
    ${SYSRECD_WRAPPER:-} "$SYSRECD_BIN" --state-dir="$SYSRECD_STATE" $(sysrecd_pin_arg "$@") \
        ${SYSRECD_ARGS:-} "$@" >>"$SYSRECD_LOG" 2>&1 &
    SYSRECD_PID=$!
    for ((i = 0; i < n; i++)); do
        if busctl status org.sysrec1 >/dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$SYSRECD_PID" 2>/dev/null; then
            echo "sysrecd exited during start-up; log tail:" >&2
            tail -n 20 "$SYSRECD_LOG" >&2
            return 1
        fi
        sleep 0.025
    done
    echo "sysrecd did not take org.sysrec1 within $((n / 40)) s" >&2
    return 1
}

# daemon_kill SIGNAL: send it and wait until the process and its bus name are gone.
daemon_kill() {
    local sig=$1 i
    [[ -n "${SYSRECD_PID:-}" ]] || return 0
    kill "-$sig" "$SYSRECD_PID" 2>/dev/null || true
    wait "$SYSRECD_PID" 2>/dev/null
    DAEMON_EXIT=$?
    for ((i = 0; i < 200; i++)); do
        busctl status org.sysrec1 >/dev/null 2>&1 || break
        sleep 0.01
    done
    SYSRECD_PID=
}

# rel_daemon_stop: SIGTERM, wait (10 s, or 300 s under SYSRECD_WRAPPER: valgrind's leak
# check takes a while), SIGKILL if needed; then stop the bus.
rel_daemon_stop() {
    local i n=100
    [[ -z "${SYSRECD_WRAPPER:-}" ]] || n=3000
    if [[ -n "${SYSRECD_PID:-}" ]] && kill -0 "$SYSRECD_PID" 2>/dev/null; then
        kill -TERM "$SYSRECD_PID" 2>/dev/null
        for ((i = 0; i < n; i++)); do
            kill -0 "$SYSRECD_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SYSRECD_PID" 2>/dev/null
        wait "$SYSRECD_PID" 2>/dev/null
    fi
    SYSRECD_PID=
    private_bus_stop
}

# check_daemon_logs LOG...: PASS if no sysrecd log holds a sanitizer or valgrind report
# (run after rel_daemon_stop: leak reports come at exit).
check_daemon_logs() {
    local pat='ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Process terminating)|definitely lost in|Assertion .* failed'
    local hits
    hits=$(grep -hE "$pat" "$@" 2>/dev/null | sort | uniq -c | sort -rn | head -n 5)
    if [[ -z "$hits" ]]; then
        pass "sysrecd logs hold no sanitizer/valgrind report or assertion${SYSRECD_WRAPPER:+ (under $SYSRECD_WRAPPER)}"
    else
        fail "sysrecd logs hold sanitizer/valgrind reports" "$hits"
    fi
}

daemon_alive() {
    [[ -n "${SYSRECD_PID:-}" ]] && kill -0 "$SYSRECD_PID" 2>/dev/null &&
        busctl call org.sysrec1 /org/sysrec1 org.freedesktop.DBus.Peer Ping >/dev/null 2>&1
}

daemon_rss_kb() {
    awk '/^VmRSS:/ {print $2}' "/proc/$SYSRECD_PID/status" 2>/dev/null
}

# mprop NAME: a Manager property's value, compact JSON.
mprop() {
    busctl --json=short get-property org.sysrec1 /org/sysrec1 org.sysrec1.Manager "$1" 2>/dev/null |
        jq -c '.data'
}

# rec_path NAME: the object path of recording NAME (bus-label escaping).
rec_path() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [[ "$c" == [A-Za-z0-9] ]]; then out+=$c; else out+=$(printf '_%02x' "'$c"); fi
    done
    printf '/org/sysrec1/recording/%s\n' "$out"
}

rprop() {
    busctl --json=short get-property org.sysrec1 "$(rec_path "$1")" org.sysrec1.Recording "$2" \
        2>/dev/null | jq -c '.data'
}

# State of recording NAME per ListRecordings ("" if unknown).
rec_state() {
    busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings 2>/dev/null |
        jq -r --arg n "$1" '.data[0][] | select(.[0] == $n) | .[1]'
}

# start_cgroup_recording NAME CGROUP_REL [OPTIONS...]: StartRecording by cgroup.
start_cgroup_recording() {
    local name=$1 cg=$2
    busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StartRecording 'sa{sv}a{sv}' \
        "$name" 1 cgroup s "$cg" 0 >/dev/null
}

# Syscall names (x86_64 names, "@NR" for numbers without one) of an OCI profile,
# one a line, sorted.
profile_names() {
    jq -r '.syscalls[]?.names[]' "$@" 2>/dev/null | sort -u
}

# Live x86_64 names of a recording from GetProfile oci.
live_names() {
    busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager GetProfile ss "$1" oci \
        2>/dev/null | jq -r '.data[0]' | jq -r '.syscalls[]?.names[]' 2>/dev/null | sort -u
}

# names_of NR...: the names sysrecd gives these numbers.
names_of() {
    "$SYSCALL_BIN" --name "$@" | sort -u
}

# missing_from WANT_LIST HAVE_LIST: the words of WANT (newline lists) not in HAVE.
missing_from() {
    comm -23 <(sort -u <<<"$1") <(sort -u <<<"$2") | tr '\n' ' '
}

# ---------------------------------------------------------------------------------------
# D-Bus calls that report the error name
# ---------------------------------------------------------------------------------------

# gcall ARGS...: gdbus call on the system bus (our private one) to org.sysrec1; sets RC,
# OUT, ERRNAME ("" on success) and ERRMSG. CALL_AS may hold a command prefix (setpriv).
gcall() {
    local err
    RC=0
    OUT=$(${CALL_AS:-} timeout 30 gdbus call --system --dest org.sysrec1 "$@" 2>"$WORK/gcall.err") || RC=$?
    err=$(cat "$WORK/gcall.err")
    ERRNAME=
    ERRMSG=$err
    if ((RC != 0)); then
        # "Error: GDBus.Error:org.x.Y: message"
        ERRNAME=$(sed -n 's/^Error: GDBus\.Error:\([^:]*\): .*/\1/p; s/^Error: GDBus\.Error:\([^: ]*\)$/\1/p' \
            <<<"$err" | head -n1)
        ERRMSG=${err#*GDBus.Error:"$ERRNAME": }
        [[ -n "$ERRNAME" ]] || ERRNAME="(client: ${err:0:120})"
    fi
}

# dcall ARGS...: dbus-send --print-reply to org.sysrec1; sets RC, OUT, ERRNAME, ERRMSG.
dcall() {
    local err
    RC=0
    OUT=$(timeout 30 dbus-send --system --print-reply --dest=org.sysrec1 "$@" 2>"$WORK/dcall.err") || RC=$?
    err=$(cat "$WORK/dcall.err")
    ERRNAME=
    ERRMSG=$err
    if ((RC != 0)); then
        # "Error org.x.Y: message"
        ERRNAME=$(sed -n 's/^Error \([^: ]*\):.*/\1/p; s/^Error \([^: ]*\)$/\1/p' <<<"$err" | head -n1)
        ERRMSG=${err#Error "$ERRNAME": }
        [[ -n "$ERRNAME" ]] || ERRNAME="(client: ${err:0:120})"
    fi
}
