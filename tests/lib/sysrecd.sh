# shellcheck shell=bash
#
# tests/lib/sysrecd.sh — run sysrecd on a private, system-like D-Bus bus.
#
# Source it from a bash script running as root. After `sysrecd_start`:
#   DBUS_SYSTEM_BUS_ADDRESS points at the private bus (busctl, sysrecctl use it),
#   SYSRECD_STATE is the daemon's state directory, SYSRECD_LOG its log file,
#   SYSRECD_PID its PID.
# `sysrecd_stop` stops the daemon and the bus (register it with trap/cleanup).
#
# Environment: SYSREC_BUILD (build directory; default: <repo>/build),
# SYSRECD_ARGS (extra daemon arguments), SYSRECD_WRAPPER (e.g. "valgrind -q"),
# SYSRECD_DEFAULT_PIN (set: leave sysrecd's default pinning alone, see sysrecd_pin_arg).

if [[ -n "${_SYSREC_SYSRECD_SH:-}" ]]; then
    return 0
fi
_SYSREC_SYSRECD_SH=1

SYSREC_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${SYSREC_BUILD:=$SYSREC_SRC/build}"
SYSRECD_BIN=$SYSREC_BUILD/src/sysrecd/sysrecd
SYSRECCTL_BIN=$SYSREC_BUILD/src/sysrecctl/sysrecctl

# Start dbus-daemon with a permissive system-type configuration in DIR.
private_bus_start() {
    local dir=$1
    mkdir -p "$dir"
    cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
    dbus-daemon --config-file="$dir/bus.conf" --fork --print-pid > "$dir/bus.pid" 2> "$dir/bus.err"
    PRIVATE_BUS_DIR=$dir
    export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$dir/bus"
}

private_bus_stop() {
    if [[ -n "${PRIVATE_BUS_DIR:-}" && -s "$PRIVATE_BUS_DIR/bus.pid" ]]; then
        kill "$(cat "$PRIVATE_BUS_DIR/bus.pid")" 2>/dev/null || true
        rm -f "$PRIVATE_BUS_DIR/bus.pid"
    fi
}

# sysrecd_pin_arg [ARGS...]: "--no-pin" unless the daemon arguments (ARGS, SYSRECD_ARGS)
# choose with --pin-dir= or --no-pin, or SYSRECD_DEFAULT_PIN is set. sysrecd pins below
# /sys/fs/bpf by default, a place every daemon on the host would share and leave pins in:
# a test pins in a bpffs of its own, or only in a mount namespace of its own by default.
sysrecd_pin_arg() {
    local a
    [[ -z "${SYSRECD_DEFAULT_PIN:-}" ]] || return 0
    # shellcheck disable=SC2086
    for a in ${SYSRECD_ARGS:-} "$@"; do
        case $a in
        --pin-dir | --pin-dir=* | --no-pin) return 0 ;;
        esac
    done
    echo --no-pin
}

# sysrecd_start DIR [ARGS...]: bus + daemon with state in DIR/state; waits for the name.
sysrecd_start() {
    local dir=$1; shift
    private_bus_start "$dir"
    SYSRECD_STATE=$dir/state
    SYSRECD_LOG=$dir/sysrecd.log
    # sysrecd_pin_arg prints no word or one, unquoted on purpose.
    # shellcheck disable=SC2086,SC2046
    ${SYSRECD_WRAPPER:-} "$SYSRECD_BIN" --state-dir="$SYSRECD_STATE" $(sysrecd_pin_arg "$@") \
        ${SYSRECD_ARGS:-} "$@" > "$SYSRECD_LOG" 2>&1 &
    SYSRECD_PID=$!
    local i
    for i in $(seq 1200); do
        if busctl status org.sysrec1 >/dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$SYSRECD_PID" 2>/dev/null; then
            echo "sysrecd exited during start-up:" >&2
            cat "$SYSRECD_LOG" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "sysrecd did not take org.sysrec1 within 60 s" >&2
    return 1
}

# sanitizer_log_reports LOG...: copy the sanitizer reports of the daemons' logs to
# stderr, where tests/lib/sanitizers.sh finds them (UBSan writes only to stderr).
sanitizer_log_reports() {
    grep -hE 'runtime error: |ERROR: (Address|Leak|Undefined)Sanitizer' "$@" >&2 2>/dev/null || true
}

# pid_stop PID [TENTHS]: SIGTERM, then SIGKILL if PID still runs after TENTHS tenths of a
# second (default 100); reap it. An empty PID or a process already gone is fine.
pid_stop() {
    local pid=$1 tenths=${2:-100} i
    [[ -n "$pid" ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < tenths; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Stop the daemon (SIGTERM, then SIGKILL after 10 s) and the bus.
sysrecd_stop() {
    pid_stop "${SYSRECD_PID:-}"
    [[ -z "${SYSRECD_LOG:-}" ]] || sanitizer_log_reports "$SYSRECD_LOG"
    SYSRECD_PID=
    private_bus_stop
}

# busctl shorthand for the manager object.
sysrec_call() {
    busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager "$@"
}
