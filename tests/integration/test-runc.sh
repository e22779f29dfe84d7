#!/bin/bash
#
# tests/integration/test-runc.sh — recorded profiles, enforced. sysrecd (on a private bus)
# records a parent cgroup; runc creates each container's cgroup below it after the
# recording started, so the container is recorded as a descendant from its first
# syscall. The profile the daemon writes is then given to runc as linux.seccomp:
#   (a) the demo nginx (demo/nginx.conf), driven by demo/client.sh: recorded, then run
#       under its profile (nginx serves and client.sh passes), then under the profile
#       without bind(2) (nginx fails with EPERM, "Operation not permitted");
#   (b) a simple command (sh -c 'cat /etc/hostname; uname -a'): recorded, replayed under
#       its profile with the same output, and with uname(2) removed it fails with
#       "Operation not permitted".
# Prints one PASS/FAIL line per check and `N passed, N failed`; exits 1 if any check
# failed (2 if it cannot run). Containers, cgroups, the daemon and its bus are removed on
# every exit path. Set SYSREC_KEEP=1 to keep the work directory.

set -uo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
# shellcheck source=tests/integration/lib.sh
source "$SRC/tests/integration/lib.sh"
# shellcheck source=demo/workload.sh
source "$SRC/demo/workload.sh"

if ((EUID != 0)); then
    echo "test-runc.sh: must run as root" >&2
    exit 2
fi
for tool in "$RUNC" busctl dbus-daemon jq nginx curl; do
    command -v "$tool" >/dev/null || { echo "test-runc.sh: $tool not found" >&2; exit 2; }
done
if [[ ! -x "$SYSRECD_BIN" ]]; then
    echo "test-runc.sh: $SYSRECD_BIN not built" >&2
    exit 2
fi

MGR=(call org.sysrec1 /org/sysrec1 org.sysrec1.Manager)

# busctl on the manager; sets RC and ERRMSG.
mcall() {
    RC=0
    busctl "${MGR[@]}" "$@" >"$WORK/bus.out" 2>"$WORK/bus.err" || RC=$?
    ERRMSG=$(cat "$WORK/bus.err")
}

# Names (any ABI) the recording NAME holds so far, one a line.
syscalls_of() {
    busctl --json=short get-property org.sysrec1 "/org/sysrec1/recording/$1" org.sysrec1.Recording \
        Syscalls 2>/dev/null | jq -r '.data | to_entries[] | .value[]' | sort -u
}

# Names a profile file allows, space-separated.
profile_names() {
    jq -r '[.syscalls[].names[]] | unique | join(" ")' "$1"
}

# without_syscall IN OUT NAME: copy profile IN to OUT with NAME no longer allowed.
without_syscall() {
    jq --arg n "$3" '.syscalls |= map(.names -= [$n] | select(.names | length > 0))' "$1" >"$2"
}

# record_start NAME CGROUP: start recording NAME on CGROUP (descendants default to true),
# with the base profile runc: what runc's Go runtime may call between its filter install
# and the workload's execve depends on timing, so one recording need not contain it.
export SYSREC_BASE_PROFILE_PATH=$SRC/data/base-profiles
record_start() {
    mkcg "$2"
    mcall StartRecording 'sa{sv}a{sv}' "$1" 1 cgroup s "$2" 1 base-profile s runc
    expect_eq "StartRecording $1 on the parent cgroup $2" "$RC $ERRMSG" "0 "
}

# record_stop NAME OUT: stop recording NAME and copy the profile it wrote to OUT; checks
# that the file is GetProfile's oci text.
record_stop() {
    local name=$1 out=$2 file=$SYSRECD_STATE/profiles/$1.json
    mcall StopRecording s "$name"
    expect_eq "StopRecording $name" "$RC $ERRMSG" "0 "
    busctl --json=short "${MGR[@]}" GetProfile ss "$name" oci 2>/dev/null | jq -j '.data[0]' >"$out"
    if [[ -s "$file" ]] && cmp -s "$file" "$out" && jq -e '.defaultAction == "SCMP_ACT_ERRNO"' "$out" >/dev/null; then
        pass "$file is an OCI profile (default SCMP_ACT_ERRNO) equal to GetProfile($name, oci); $(jq '[.syscalls[].names[]] | length' "$out") syscalls"
    else
        fail "$file is an OCI profile equal to GetProfile($name, oci)" "$(head -c 400 "$out")"
    fi
}

# has NAME LIST: NAME is one of the blank-separated words of LIST.
has() {
    [[ " $2 " == *" $1 "* ]]
}


WORK=$(mktemp -d /tmp/sysrec-it-runc.XXXXXX)
CG2=$(cgroup2_mount) || exit 2
PARENT=/sysrec-it-$$
NAME=sysrec-it-$$
trap 'cleanup_run; remove_work' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup_add cgroup_remove "$PARENT"
cleanup_add unpin_all
mkcg "$PARENT"
cleanup_add sysrecd_stop

echo "cgroup2 mount: $CG2; test cgroup: $PARENT; work directory: $WORK"
if ! sysrecd_start "$WORK/daemon"; then
    fail "sysrecd starts on a private bus"
    exit 1
fi
pass "sysrecd (pid $SYSRECD_PID) runs on a private bus"

# ---------------------------------------------------------------------------------------
# (a) nginx
# ---------------------------------------------------------------------------------------

# nginx_run ID SECCOMP_FILE_OR_EMPTY CGROUP: write a fresh demo directory WORK/ID (webroot,
# config on a free port, logs), a bundle WORK/ID/bundle, and start nginx detached in
# cgroup CGROUP as container NAME-ID. Sets PORT and DEMO. Fails if runc cannot start it.
nginx_run() {
    local id=$1 seccomp=$2 cg=$3
    local -a cmd
    DEMO=$WORK/$id
    PORT=$(demo_free_port) || return 1
    demo_prepare_webroot "$DEMO/www"
    demo_write_nginx_conf "$DEMO/nginx.conf" "$PORT" "$DEMO" || return 1
    read -ra cmd < <(demo_nginx_cmd "$DEMO/nginx.conf")
    runc_bundle "$DEMO/bundle" "$cg" ${seccomp:+"$seccomp"} --bind "$DEMO:$DEMO:rw" -- "${cmd[@]}" ||
        return 1
    cleanup_add runc_kill_delete "$NAME-$id"
    runc_run_detached "$NAME-$id" "$DEMO/bundle"
}

# client ID: run demo/client.sh against the nginx of ID; details on failure.
client_passes() {
    local id=$1 desc=$2
    if "$SRC/demo/client.sh" "$PORT" >"$DEMO/client.out" 2>"$DEMO/client.err"; then
        pass "$desc: demo/client.sh passed ($(grep -c '^ok:' "$DEMO/client.out") requests)"
    else
        fail "$desc: demo/client.sh passes" "$(cat "$DEMO/client.err")"
        show "$DEMO/logs/error.log"
        show "$DEMO/bundle/stderr.log"
    fi
}

echo "== (a) nginx: record"
REC_CG=$PARENT/nginx
record_start nginx "$REC_CG"
if [[ -d "$CG2$REC_CG/ctr" ]]; then
    fail "the container's cgroup $REC_CG/ctr does not exist before runc creates it"
else
    pass "the container's cgroup $REC_CG/ctr does not exist before runc creates it"
fi
if nginx_run rec "" "$REC_CG/ctr"; then
    pass "nginx container started in $REC_CG/ctr (created by runc below the recorded cgroup)"
    if demo_wait_port "$PORT" 10; then
        pass "recording run: nginx listens on 127.0.0.1:$PORT"
        client_passes rec "recording run"
    else
        fail "recording run: nginx listens on 127.0.0.1:$PORT"
        show "$DEMO/logs/error.log"
        show "$DEMO/bundle/stderr.log"
    fi
else
    fail "nginx container started in $REC_CG/ctr"
    show "$DEMO/bundle/stderr.log"
fi
runc_kill_delete "$NAME-rec"
live=$(syscalls_of nginx | tr '\n' ' ')
missing=""
for s in execve socket bind listen accept4 epoll_wait sendfile setsockopt; do
    has "$s" "$live" || missing+=" $s"
done
expect_eq "while recording, Syscalls holds nginx's execve and network calls (socket bind listen accept4 epoll_wait sendfile setsockopt)" \
    "${missing:-none missing}" "none missing"
record_stop nginx "$WORK/nginx.json"

echo "== (a) nginx: replay under the recorded profile"
if nginx_run replay "$WORK/nginx.json" "$PARENT/replay"; then
    expect_eq "the replay bundle's linux.seccomp is the recorded profile" \
        "$(jq -cS '.linux.seccomp' "$DEMO/bundle/config.json")" "$(jq -cS . "$WORK/nginx.json")"
    if demo_wait_port "$PORT" 10; then
        pass "under its recorded profile, nginx starts and listens on 127.0.0.1:$PORT"
        client_passes replay "under its recorded profile"
    else
        fail "under its recorded profile, nginx starts and listens on 127.0.0.1:$PORT"
        show "$DEMO/logs/error.log"
        show "$DEMO/bundle/stderr.log"
    fi
    if grep -q 'Operation not permitted' "$DEMO/logs/error.log" "$DEMO/bundle/stderr.log" 2>/dev/null; then
        fail "under its recorded profile, nothing was denied" \
            "$(grep -h 'Operation not permitted' "$DEMO/logs/error.log" "$DEMO/bundle/stderr.log" | head -5)"
    else
        pass "under its recorded profile, nothing was denied (no 'Operation not permitted' logged)"
    fi
else
    fail "nginx container starts under its recorded profile"
    show "$DEMO/bundle/stderr.log"
fi
runc_kill_delete "$NAME-replay"

echo "== (a) nginx: the profile without bind"
without_syscall "$WORK/nginx.json" "$WORK/nginx-nobind.json" bind
expect_eq "the reduced profile lacks bind and only bind" \
    "$(comm -3 <(profile_names "$WORK/nginx.json" | tr ' ' '\n') <(profile_names "$WORK/nginx-nobind.json" | tr ' ' '\n') | tr -d '\t')" bind
if nginx_run nobind "$WORK/nginx-nobind.json" "$PARENT/nobind"; then
    if demo_wait_port "$PORT" 3 2>/dev/null; then
        fail "without bind, nginx does not listen on 127.0.0.1:$PORT"
    else
        pass "without bind, nginx does not listen on 127.0.0.1:$PORT"
    fi
    msg=$(grep -h 'bind().*Operation not permitted' "$DEMO/logs/error.log" "$DEMO/bundle/stderr.log" 2>/dev/null | head -1)
    if [[ -n "$msg" ]]; then
        pass "without bind, nginx fails with EPERM: $msg"
    else
        fail "without bind, nginx logs bind() ... (1: Operation not permitted)"
        show "$DEMO/logs/error.log"
        show "$DEMO/bundle/stderr.log"
    fi
    status=$(_runc state "$NAME-nobind" 2>/dev/null | jq -r .status)
    expect_eq "without bind, the nginx container has exited" "$status" stopped
else
    # runc itself may be what fails; that still must be the EPERM of the missing call.
    if grep -q 'Operation not permitted' "$DEMO/bundle/stderr.log" 2>/dev/null; then
        pass "without bind, the container fails with 'Operation not permitted'"
    else
        fail "without bind, the container fails with 'Operation not permitted'"
        show "$DEMO/bundle/stderr.log"
    fi
fi
runc_kill_delete "$NAME-nobind"

# ---------------------------------------------------------------------------------------
# (b) a simple command
# ---------------------------------------------------------------------------------------

CMD=(/bin/sh -c 'cat /etc/hostname; uname -a')

# cmd_run ID SECCOMP_FILE_OR_EMPTY CGROUP: run CMD in a foreground container; sets RC,
# output in WORK/ID.out and WORK/ID.err.
cmd_run() {
    local id=$1 seccomp=$2 cg=$3
    RC=0
    runc_bundle "$WORK/$id" "$cg" ${seccomp:+"$seccomp"} -- "${CMD[@]}" || { RC=255; return 0; }
    cleanup_add runc_kill_delete "$NAME-$id"
    runc_run "$NAME-$id" "$WORK/$id" </dev/null >"$WORK/$id.out" 2>"$WORK/$id.err" || RC=$?
}

echo "== (b) ${CMD[*]}: record"
record_start cmd "$PARENT/cmd"
cmd_run cmd-rec "" "$PARENT/cmd/ctr"
expect_eq "recording run exits 0" "$RC" 0
expect_eq "recording run prints /etc/hostname, then uname -a with the container's hostname" \
    "$(head -1 "$WORK/cmd-rec.out")|$(sed -n 2p "$WORK/cmd-rec.out" | awk '{print $1, $2}')" \
    "$(cat /etc/hostname)|Linux sysrec-ctr"
live=$(syscalls_of cmd | tr '\n' ' ')
if has uname "$live" && has execve "$live"; then
    pass "while recording, Syscalls holds uname and execve from the container's cgroup"
else
    fail "while recording, Syscalls holds uname and execve" "got: $live"
fi
record_stop cmd "$WORK/cmd.json"
if has listen "$(profile_names "$WORK/cmd.json")"; then
    fail "the command's profile does not hold nginx's listen (recordings are separate)"
else
    pass "the command's profile does not hold nginx's listen (recordings are separate)"
fi

echo "== (b) ${CMD[*]}: replay"
cmd_run cmd-replay "$WORK/cmd.json" "$PARENT/cmd-replay"
expect_eq "under its recorded profile the command exits 0" "$RC" 0
[[ "$RC" == 0 ]] || show "$WORK/cmd-replay.err"
expect_eq "under its recorded profile the output is the same" \
    "$(cat "$WORK/cmd-replay.out")" "$(cat "$WORK/cmd-rec.out")"

without_syscall "$WORK/cmd.json" "$WORK/cmd-nouname.json" uname
cmd_run cmd-nouname "$WORK/cmd-nouname.json" "$PARENT/cmd-nouname"
if [[ "$RC" != 0 ]] && grep -q 'uname.*Operation not permitted' "$WORK/cmd-nouname.err"; then
    pass "without uname the command fails (exit $RC): $(grep -m1 'Operation not permitted' "$WORK/cmd-nouname.err")"
else
    fail "without uname the command fails with 'Operation not permitted'" "exit $RC" \
        "stdout: $(cat "$WORK/cmd-nouname.out")" "stderr: $(cat "$WORK/cmd-nouname.err")"
fi
expect_eq "without uname, cat /etc/hostname still works" \
    "$(head -1 "$WORK/cmd-nouname.out")" "$(cat /etc/hostname)"

# ---------------------------------------------------------------------------------------
echo "== clean-up"

expect_eq "ProgramsAttached is false once nothing records" \
    "$(busctl --json=short get-property org.sysrec1 /org/sysrec1 org.sysrec1.Manager ProgramsAttached | jq -c .data)" false
if ((FAILED > 0)); then
    echo "--- $SYSRECD_LOG (last 30 lines)"
    tail -n 30 "$SYSRECD_LOG"
fi
DAEMON_PID=$SYSRECD_PID
cleanup_run
left=$(for m in $(cgroup_mounts); do [[ -e "$m$PARENT" ]] && echo "$m$PARENT"; done || true)
expect_eq "no cgroup $PARENT left in any hierarchy" "$left" ""
expect_eq "no container $NAME-* left" "$(_runc list -q 2>/dev/null | grep -c "^$NAME-" || true)" 0
if kill -0 "$DAEMON_PID" 2>/dev/null; then fail "sysrecd stopped"; else pass "sysrecd stopped"; fi

check_summary
