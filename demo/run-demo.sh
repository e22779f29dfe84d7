#!/bin/bash
#
# demo/run-demo.sh — see sysrec's main job end to end, in one command:
#
#     ./demo/run-demo.sh [--keep]      (as root, or as a user with sudo)
#
# On a Debian 12 machine, as root, it
#   1. installs the Debian packages sysrec needs and builds it (meson + ninja);
#   2. starts sysrecd on a private, system-like D-Bus bus (nothing is installed);
#   3. records an nginx container: a parent cgroup is recorded over D-Bus, nginx runs in
#      a runc container in a child cgroup of it and is exercised by demo/client.sh;
#   4. proves the profile: nginx works under it; a syscall outside it is denied; nginx
#      with one syscall it needs taken out of the profile fails with EPERM;
#   5. prints a summary and exits 0 only if every proof holds.
# Everything it creates (containers, cgroups, daemon, bus, temporary files) is removed
# on exit, also on failure or Ctrl-C. With --keep, the profile is copied to
# ./demo-profile.json first.

set -euo pipefail

usage() {
    cat <<EOF
usage: $0 [--keep]

Record the syscalls of a demo nginx container with sysrecd, print the seccomp profile
and prove that it works (nginx runs under it) and that it protects (other syscalls are
denied).

  --keep    keep the recorded profile in ./demo-profile.json
EOF
}

KEEP=0
for arg in "$@"; do
    case "$arg" in
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
START_DIR=$PWD
DEMO_CGROUP=/sysrec-demo.slice
RECORDING=demo
SECONDS=0

# ---------------------------------------------------------------------------------------
# output helpers
# ---------------------------------------------------------------------------------------

if [[ -t 1 ]]; then
    B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
    B='' G='' R='' N=''
fi

section() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
# Show a command as the reader would type it.
show_cmd() { printf '    %s$ %s%s\n' "$B" "$*" "$N"; }
# Show a command, then run it with its output indented.
show_run() {
    show_cmd "$@"
    "$@" 2>&1 | indent
}
indent() { sed 's/^/    /'; }
die() {
    printf '%srun-demo: %s%s\n' "$R" "$*" "$N" >&2
    exit 1
}

if [[ "$(id -u)" -ne 0 ]]; then
    # A user with sudo types the same command as root does.
    command -v sudo >/dev/null && exec sudo "$0" "$@"
    die "needs root (it loads a BPF program and runs containers): run it as root"
fi

# One demo at a time: the cgroup and container names are fixed. (The lock is held on
# fd 9, which the daemons started below do not inherit.)
exec 9<"${BASH_SOURCE[0]}"
flock -n 9 || die "another run-demo.sh is running"

# ---------------------------------------------------------------------------------------
# cleanup, on any exit: containers, daemon and bus, cgroups (every hierarchy), temp dir
# ---------------------------------------------------------------------------------------

WORK=""
CONTAINERS=()
SYSRECD_STARTED=0
SUMMARY_DONE=0

cleanup() {
    local rc=$? c
    trap '' INT TERM
    set +e
    for c in "${CONTAINERS[@]+"${CONTAINERS[@]}"}"; do runc_kill_delete "$c" 2 >/dev/null 2>&1; done
    if ((SYSRECD_STARTED)); then sysrecd_stop; fi
    if declare -F cgroup_remove >/dev/null; then cgroup_remove "$DEMO_CGROUP"; fi
    if [[ -n "$WORK" && -d "$WORK" ]]; then rm -rf "$WORK"; fi
    if ((rc != 0 && !SUMMARY_DONE)); then
        printf '%srun-demo: stopped (exit status %d); everything it started was cleaned up.%s\n' \
            "$R" "$rc" "$N" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo; exit 130' INT
trap 'exit 143' TERM
WORK=$(mktemp -d /tmp/sysrec-demo.XXXXXX)

# On failure after the daemon started, its log helps.
daemon_log_tail() {
    if [[ -n "${SYSRECD_LOG:-}" && -s "$SYSRECD_LOG" ]]; then
        say "sysrecd's log (last 20 lines):"
        tail -n 20 "$SYSRECD_LOG" | indent
    fi
}

# ---------------------------------------------------------------------------------------
section "1. Dependencies and build"
# ---------------------------------------------------------------------------------------

say "Installing the Debian packages sysrec needs (only missing ones; slow the first time)."
DEPS_LOG=$WORK/install-deps.log
if ! "$REPO/scripts/install-deps.sh" >"$DEPS_LOG" 2>&1; then
    tail -n 40 "$DEPS_LOG" | indent >&2
    die "scripts/install-deps.sh failed"
fi
grep '^install-deps:' "$DEPS_LOG" | indent || true

say "Building sysrec with meson and ninja in build/."
BUILD_LOG=$WORK/build.log
if [[ ! -f "$REPO/build/build.ninja" ]]; then
    if ! meson setup "$REPO/build" "$REPO" >"$BUILD_LOG" 2>&1; then
        tail -n 40 "$BUILD_LOG" | indent >&2
        die "meson setup build failed"
    fi
fi
if ! ninja -C "$REPO/build" >"$BUILD_LOG" 2>&1; then
    grep -v '^\[[0-9]*/[0-9]*\] ' "$BUILD_LOG" | tail -n 60 | indent >&2
    die "ninja -C build failed"
fi
say "    built $REPO/build/src/sysrecd/sysrecd"

# The helpers the test suite uses: a private bus + sysrecd, runc bundles, the workload.
export SYSREC_BUILD="$REPO/build"
# shellcheck source=tests/lib/sysrecd.sh
source "$REPO/tests/lib/sysrecd.sh"
# shellcheck source=tests/lib/runc.sh
source "$REPO/tests/lib/runc.sh"
# shellcheck source=demo/workload.sh
source "$REPO/demo/workload.sh"

# Leftovers of an earlier run that was killed with SIGKILL.
for c in sysrec-demo-record sysrec-demo-verify sysrec-demo-denied-ctl sysrec-demo-denied \
    sysrec-demo-missing; do
    runc_kill_delete "$c" 2 >/dev/null 2>&1 || true
done
cgroup_remove "$DEMO_CGROUP" || die "a stale cgroup $DEMO_CGROUP is still in use"

# ---------------------------------------------------------------------------------------
section "2. Start sysrecd"
# ---------------------------------------------------------------------------------------

say "sysrecd runs on a private system-like D-Bus bus, with its state in a temporary directory."
SYSRECD_STARTED=1
# The daemon runs from the build directory: its base profiles are the source tree's.
export SYSREC_BASE_PROFILE_PATH=$REPO/data/base-profiles
sysrecd_start "$WORK/sysrecd" 9<&- || die "sysrecd did not start"
say "    bus:    DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS"
say "    daemon: pid $SYSRECD_PID, state dir $SYSRECD_STATE"
show_run busctl get-property org.sysrec1 /org/sysrec1 org.sysrec1.Manager Version

# ---------------------------------------------------------------------------------------
section "3. Record nginx in a container"
# ---------------------------------------------------------------------------------------

CG2=$(cgroup2_mount)
say "Create the parent cgroup $DEMO_CGROUP (cgroup2 is mounted at $CG2)."
mkdir -p "$CG2$DEMO_CGROUP"

say "Record it over D-Bus: cgroups created under it later are recorded from their first syscall."
say "runc's Go runtime still runs for a moment after it installs the container's filter, and"
say "what it calls then depends on timing; the base profile 'runc' (data/base-profiles) adds it."
show_cmd busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StartRecording \
    "'sa{sv}a{sv}'" "$RECORDING" 1 cgroup s "$DEMO_CGROUP" 1 base-profile s runc
out=$(busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StartRecording \
    'sa{sv}a{sv}' "$RECORDING" 1 cgroup s "$DEMO_CGROUP" 1 base-profile s runc 2>&1) ||
    { say "$out" | indent; daemon_log_tail; die "StartRecording failed"; }
say "$out" | indent
# The reply is the recording's object: o "/org/sysrec1/recording/demo".
REC_PATH=$(awk '{gsub(/"/, "", $2); print $2}' <<<"$out")

# Everything nginx reads or writes lives in NGINX_DIR, bound read-write into the
# containers (whose root file system is the host's, read-only).
NGINX_DIR=$WORK/nginx
demo_prepare_webroot "$NGINX_DIR/www"
NGINX_LOG=$NGINX_DIR/logs/error.log

# nginx_bundle NAME PORT [SECCOMP_JSON]: write bundle $WORK/NAME running the demo nginx
# on PORT in cgroup $DEMO_CGROUP/NAME, optionally under the seccomp profile SECCOMP_JSON.
nginx_bundle() {
    local name=$1 port=$2 seccomp=${3:-} conf cmd
    conf=$NGINX_DIR/$name.conf
    demo_write_nginx_conf "$conf" "$port" "$NGINX_DIR"
    rm -f "$NGINX_LOG"
    read -ra cmd <<<"$(demo_nginx_cmd "$conf")"
    runc_bundle "$WORK/$name" "$DEMO_CGROUP/$name" ${seccomp:+"$seccomp"} \
        --bind "$NGINX_DIR:$NGINX_DIR:rw" -- "${cmd[@]}"
}

# start_nginx NAME PORT: run bundle $WORK/NAME detached and wait for nginx to listen.
start_nginx() {
    CONTAINERS+=("$1")
    runc_run_detached "$1" "$WORK/$1" || return 1
    demo_wait_port "$2" 10 || {
        [[ -s "$NGINX_LOG" ]] && indent <"$NGINX_LOG"
        return 1
    }
}

# container_status NAME: runc's status of container NAME (running, stopped, ...).
container_status() {
    runc --root "$RUNC_ROOT" state "$1" 2>/dev/null | jq -r .status 2>/dev/null || echo gone
}

PORT=$(demo_free_port)
say "Start nginx with runc (port $PORT) in the child cgroup $DEMO_CGROUP/sysrec-demo-record (linux.cgroupsPath)."
nginx_bundle sysrec-demo-record "$PORT"
start_nginx sysrec-demo-record "$PORT" || { daemon_log_tail; die "the nginx container did not start"; }
pid=$(runc_pid sysrec-demo-record)
say "    container sysrec-demo-record: host pid $pid, cgroup $(cgroup2_of_pid "$pid")"

say "Exercise nginx the way a test suite would (demo/client.sh):"
"$REPO/demo/client.sh" "$PORT" 2>&1 | indent || die "client.sh failed against the nginx being recorded"

say "Profiles are readable while recording; live progress:"
show_run busctl get-property org.sysrec1 "$REC_PATH" org.sysrec1.Recording State SyscallCount

say "Stop the container (its shutdown is recorded too), then the recording: sysrecd writes the profile."
runc_kill_delete sysrec-demo-record
show_run busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s "$RECORDING"

# ---------------------------------------------------------------------------------------
section "4. The recorded profile"
# ---------------------------------------------------------------------------------------

PROFILE=$SYSRECD_STATE/profiles/$RECORDING.json
[[ -s "$PROFILE" ]] || { daemon_log_tail; die "no profile at $PROFILE"; }
jq -e '.defaultAction == "SCMP_ACT_ERRNO" and (.syscalls | type == "array")' "$PROFILE" >/dev/null ||
    die "$PROFILE is not an OCI seccomp profile with a default action of SCMP_ACT_ERRNO"
say "The OCI profile, $PROFILE (names joined on lines to save space):"
# jq's layout, with consecutive array strings ("accept4", ...) joined into lines of <= 88.
jq . "$PROFILE" | awk '
    /^ *"[^"]*",?$/ {
        match($0, /^ */); ind = substr($0, 1, RLENGTH); w = substr($0, RLENGTH + 1)
        if (buf != "" && length(buf) + 1 + length(w) > 88) { print buf; buf = "" }
        buf = (buf == "" ? ind w : buf " " w); next
    }
    { if (buf != "") { print buf; buf = "" }; print }
    END { if (buf != "") print buf }' | indent
show_run busctl get-property org.sysrec1 "$REC_PATH" org.sysrec1.Recording State SyscallCount
COUNT=$(busctl get-property org.sysrec1 "$REC_PATH" org.sysrec1.Recording SyscallCount | awk '{print $2}')
NAMES=$(jq -r '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | unique | length' "$PROFILE")
ENOSYS_NAMES=$(jq -r '[.syscalls[] | select(.action == "SCMP_ACT_ERRNO" and .errnoRet == 38) | .names[]]
    | unique | join(" ")' "$PROFILE")
say "Recorded $COUNT syscalls; with the base profile the profile allows $NAMES and denies everything"
say "else with EPERM (errno 1)."
if [[ -n "$ENOSYS_NAMES" ]]; then
    say "It answers $ENOSYS_NAMES with ENOSYS: callers fall back to clone(), whose flags a seccomp"
    say "filter can check (the flags of clone3() are in memory it cannot read)."
fi
say "They include runc's own set-up after the container entered its cgroup (mount, pivot_root, ...)."
if (( NAMES + $(wc -w <<<"$ENOSYS_NAMES") < COUNT )); then
    say "${R}note: the profile names fewer syscalls than were recorded ($COUNT).$N"
fi

# ---------------------------------------------------------------------------------------
section "5. Proof 1: nginx works under its profile"
# ---------------------------------------------------------------------------------------

PROOF1=FAIL
PORT=$(demo_free_port)
say "Run the same nginx with the profile as linux.seccomp, port $PORT, and the same client."
nginx_bundle sysrec-demo-verify "$PORT" "$PROFILE"
say "    config.json: linux.seccomp has $(jq '[.linux.seccomp.syscalls[].names[]] | length' \
    "$WORK/sysrec-demo-verify/config.json") allowed syscalls, defaultAction $(jq -r .linux.seccomp.defaultAction \
    "$WORK/sysrec-demo-verify/config.json")"
if start_nginx sysrec-demo-verify "$PORT"; then
    if "$REPO/demo/client.sh" "$PORT" 2>&1 | indent; then
        if grep -q 'Operation not permitted' "$NGINX_LOG" 2>/dev/null; then
            say "${R}nginx served every request, but logged a denied syscall:$N"
            grep 'Operation not permitted' "$NGINX_LOG" | indent
        else
            PROOF1=PASS
        fi
    fi
else
    say "${R}nginx did not start under the recorded profile:$N"
    indent <"$WORK/sysrec-demo-verify/stderr.log"
fi
say "Stop it: nginx must also shut down cleanly under the profile."
runc_kill_delete sysrec-demo-verify
if [[ "$PROOF1" == PASS ]]; then
    if grep -q '\[notice\] 1#1: exit$' "$NGINX_LOG" && ! grep -q 'Operation not permitted' "$NGINX_LOG"; then
        say "    $(tail -n 1 "$NGINX_LOG")"
        say "${G}nginx served every request, logged no EPERM and exited cleanly under the recorded profile.$N"
    else
        PROOF1=FAIL
        say "${R}nginx did not exit cleanly under the recorded profile; its error log:$N"
        indent <"$NGINX_LOG"
    fi
fi

# ---------------------------------------------------------------------------------------
section "6. Proof 2: a syscall nginx never made is denied"
# ---------------------------------------------------------------------------------------

# chroot(2) needs CAP_SYS_CHROOT, which these containers have, so only seccomp can stop it.
PROOF2=FAIL
DENIED=chroot
DENIED_CMD=(chroot / echo "chroot(\"/\") succeeded")
if jq -e --arg s "$DENIED" '[.syscalls[].names[]] | index($s)' "$PROFILE" >/dev/null; then
    say "${R}$DENIED is in the profile: this proof does not apply.$N"
else
    say "$DENIED is not in the profile. Run '${DENIED_CMD[*]}' in the same kind of container:"
    runc_bundle "$WORK/sysrec-demo-denied-ctl" "$DEMO_CGROUP/sysrec-demo-denied-ctl" -- "${DENIED_CMD[@]}"
    runc_bundle "$WORK/sysrec-demo-denied" "$DEMO_CGROUP/sysrec-demo-denied" "$PROFILE" -- "${DENIED_CMD[@]}"
    CONTAINERS+=(sysrec-demo-denied-ctl sysrec-demo-denied)
    rc_ctl=0 rc_den=0
    out_ctl=$(runc_run sysrec-demo-denied-ctl "$WORK/sysrec-demo-denied-ctl" 2>&1 </dev/null) || rc_ctl=$?
    out_den=$(runc_run sysrec-demo-denied "$WORK/sysrec-demo-denied" 2>&1 </dev/null) || rc_den=$?
    say "  without a seccomp profile (exit status $rc_ctl):"
    say "$out_ctl" | indent
    say "  under the recorded profile (exit status $rc_den):"
    say "$out_den" | indent
    if ((rc_ctl == 0)) && ((rc_den != 0)) && [[ "$out_den" == *"Operation not permitted"* ]]; then
        PROOF2=PASS
        say "${G}The kernel refused $DENIED with EPERM: the profile lets through only what nginx did.$N"
    fi
fi

# ---------------------------------------------------------------------------------------
section "7. Proof 3: nginx fails without one syscall it needs"
# ---------------------------------------------------------------------------------------

PROOF3=FAIL
NEEDED=bind
CUT_PROFILE=$WORK/profile-without-$NEEDED.json
if ! jq -e --arg s "$NEEDED" '[.syscalls[].names[]] | index($s)' "$PROFILE" >/dev/null; then
    say "${R}$NEEDED is not in the profile, yet nginx must call it to listen.$N"
else
    say "nginx must call $NEEDED() to listen on its port; take it out of the profile:"
    show_cmd jq "'.syscalls[].names -= [\"$NEEDED\"]'" "$PROFILE" ">" "$CUT_PROFILE"
    jq --arg s "$NEEDED" '.syscalls[].names -= [$s] | .syscalls |= map(select(.names | length > 0))' \
        "$PROFILE" >"$CUT_PROFILE"
    PORT=$(demo_free_port)
    say "Run nginx under it (port $PORT):"
    nginx_bundle sysrec-demo-missing "$PORT" "$CUT_PROFILE"
    CONTAINERS+=(sysrec-demo-missing)
    if runc_run_detached sysrec-demo-missing "$WORK/sysrec-demo-missing"; then
        # nginx gives up at once if it cannot bind; wait for it to exit.
        for ((i = 0; i < 100; i++)); do
            [[ "$(container_status sysrec-demo-missing)" == running ]] || break
            sleep 0.1
        done
        status=$(container_status sysrec-demo-missing)
        say "    container: $status; nginx's error log ($NGINX_LOG):"
        indent <"$NGINX_LOG" 2>/dev/null || true
        if [[ "$status" != running ]] &&
            grep -q "$NEEDED() to 127.0.0.1:$PORT failed (1: Operation not permitted)" "$NGINX_LOG" 2>/dev/null &&
            ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
            PROOF3=PASS
            say "${G}nginx could not listen and exited: $NEEDED() returned EPERM (errno 1).$N"
        fi
    else
        say "${R}runc could not start the container at all.$N"
    fi
    runc_kill_delete sysrec-demo-missing
fi

# ---------------------------------------------------------------------------------------
section "Summary"
# ---------------------------------------------------------------------------------------

if ((KEEP)); then
    cp "$PROFILE" "$START_DIR/demo-profile.json"
    # Under sudo, hand the copy to the user who asked for it.
    if [[ -n "${SUDO_UID:-}" && -n "${SUDO_GID:-}" ]]; then
        chown "$SUDO_UID:$SUDO_GID" "$START_DIR/demo-profile.json" || true
    fi
    WHERE="$START_DIR/demo-profile.json (kept by --keep)"
else
    WHERE="$PROFILE (removed on exit; --keep keeps a copy in ./demo-profile.json)"
fi
mark() { if [[ "$1" == PASS ]]; then printf '%sPASS%s' "$G" "$N"; else printf '%sFAIL%s' "$R" "$N"; fi; }
row() { printf '  %-42s %s\n' "$1" "$2"; }
row "syscalls recorded:" "$COUNT"
row "profile:" "$WHERE"
row "nginx works under its profile:" "$(mark $PROOF1)"
row "$DENIED (not in the profile) is denied:" "$(mark $PROOF2)"
row "nginx without $NEEDED() fails with EPERM:" "$(mark $PROOF3)"
SUMMARY_DONE=1
say "  took ${SECONDS}s; cleaning up containers, cgroups, sysrecd, the bus and $WORK."
[[ "$PROOF1 $PROOF2 $PROOF3" == "PASS PASS PASS" ]] || exit 1
exit 0
