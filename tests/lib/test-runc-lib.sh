#!/bin/bash
#
# tests/lib/test-runc-lib.sh — self-test of tests/lib/runc.sh and the demo workload
# (demo/workload.sh, demo/nginx.conf, demo/client.sh). Run as root:
#   (a) commands run in a container placed in a chosen cgroup2 path under a test parent
#       cgroup, with their exit status, on a read-only rootfs with a writable /tmp;
#   (b) nginx in a detached container, driven by demo/client.sh, stopped and deleted;
#   (c) an OCI seccomp profile that makes uname(2) fail with EPERM is enforced;
#   (d) nothing is left behind: no runc state, no cgroup in any hierarchy.
# Prints `N passed, N failed` and exits 1 if any check failed (2 if it cannot run).
# Containers, cgroups and temporary files are removed on every exit path.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TOP=$(cd "$HERE/../.." && pwd -P)
# shellcheck source=tests/lib/runc.sh
source "$HERE/runc.sh"
# shellcheck source=demo/workload.sh
source "$TOP/demo/workload.sh"
# shellcheck source=tests/lib/check.sh
source "$HERE/check.sh"

if ((EUID != 0)); then
    echo "test-runc-lib.sh: must run as root" >&2
    exit 2
fi
for tool in "$RUNC" jq nginx curl; do
    command -v "$tool" >/dev/null || { echo "test-runc-lib.sh: $tool not found" >&2; exit 2; }
done

# Check that a command succeeds.
expect_ok() {
    local desc=$1
    shift
    if "$@"; then pass "$desc"; else fail "$desc" "command failed: $*"; fi
}

# Print a file's content indented, for failure details.
show() {
    if [[ -s "$1" ]]; then sed 's/^/        | /' "$1"; fi
}

TMP=$(mktemp -d /tmp/sysrec-runc-test.XXXXXX)
PARENT=/sysrec-test-$$
CG2=$(cgroup2_mount)
NAME=sysrec-selftest-$$

trap cleanup_run EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup_add rm -rf "$TMP"
mkdir "$CG2$PARENT"
cleanup_add cgroup_remove "$PARENT"

echo "cgroup2 mount: $CG2; test parent cgroup: $PARENT; runc state: $RUNC_ROOT"

# Run a command in a fresh foreground container in cgroup $PARENT/$1:
#   fg_run ID [SECCOMP_FILE] -- CMD...   sets RC; output in $TMP/ID.out and $TMP/ID.err.
fg_run() {
    local id=$1
    shift
    RC=0
    runc_bundle "$TMP/$id" "$PARENT/$id" "$@" || { RC=255; return 0; }
    cleanup_add runc_kill_delete "$NAME-$id"
    runc_run "$NAME-$id" "$TMP/$id" </dev/null >"$TMP/$id.out" 2>"$TMP/$id.err" || RC=$?
}

# --- (a) cgroup placement, exit status, filesystem -------------------------------------

echo "== (a) containers in a chosen cgroup2 path"
fg_run a-true -- /bin/true
expect_eq "/bin/true exits 0" "$RC" 0
[[ "$RC" == 0 ]] || show "$TMP/a-true.err"

fg_run a-cgroup -- cat /proc/self/cgroup
expect_eq "cat /proc/self/cgroup exits 0" "$RC" 0
expect_eq "container process is in cgroup2 $PARENT/a-cgroup" \
    "$(grep '^0::' "$TMP/a-cgroup.out" || true)" "0::$PARENT/a-cgroup"
if [[ -d "$CG2$PARENT/a-cgroup" ]]; then
    fail "runc removed the container's cgroup after it exited" "$CG2$PARENT/a-cgroup still exists"
else
    pass "runc removed the container's cgroup after it exited"
fi

fg_run a-exit -- sh -c 'exit 7'
expect_eq "exit status 7 is passed through" "$RC" 7

fg_run a-fs -- sh -c 'echo x >/tmp/f && echo y >/var/log/nginx/f && echo z >/run/f &&
    ! touch /usr/sysrec-f 2>/dev/null && ! touch /etc/sysrec-f 2>/dev/null &&
    test -x /bin/sh && test -d /lib64 && test -f /etc/nginx/mime.types'
expect_eq "rootfs read-only, /tmp /run /var/log/nginx writable, /bin /lib64 usable" "$RC" 0
[[ "$RC" == 0 ]] || show "$TMP/a-fs.err"

fg_run a-args -- sh -c 'printf "<%s>" "$@"' sh 'a b' -- '' "q'\"d"
expect_eq "command arguments reach the container unchanged" "$(cat "$TMP/a-args.out")" "<a b><--><><q'\"d>"

# --- (b) nginx, detached, driven by demo/client.sh --------------------------------------

echo "== (b) nginx in a detached container"
DEMO=$TMP/demo
PORT=$(demo_free_port)
demo_prepare_webroot "$DEMO/www"
demo_write_nginx_conf "$DEMO/nginx.conf" "$PORT" "$DEMO"
read -ra NGINX_CMD < <(demo_nginx_cmd "$DEMO/nginx.conf")
NG=$NAME-nginx
runc_bundle "$TMP/nginx" "$PARENT/nginx" --bind "$DEMO:$DEMO:rw" -- "${NGINX_CMD[@]}"
cleanup_add runc_kill_delete "$NG"
if runc_run_detached "$NG" "$TMP/nginx"; then
    pass "nginx container started detached (${NGINX_CMD[*]})"
    if demo_wait_port "$PORT" 10; then
        pass "nginx listens on 127.0.0.1:$PORT (host network)"
        if "$TOP/demo/client.sh" "$PORT" >"$TMP/client.out" 2>"$TMP/client.err"; then
            pass "demo/client.sh: $(grep -c '^ok:' "$TMP/client.out") requests passed"
        else
            fail "demo/client.sh against the container" "$(cat "$TMP/client.err")"
            show "$DEMO/logs/error.log"
        fi
    else
        fail "nginx listens on 127.0.0.1:$PORT (host network)"
        show "$TMP/nginx/stderr.log"
        show "$DEMO/logs/error.log"
    fi
    pid=$(runc_pid "$NG" || echo 0)
    expect_eq "container pid $pid is in cgroup2 $PARENT/nginx (from /proc/$pid/cgroup)" \
        "$(cgroup2_of_pid "$pid" 2>/dev/null || true)" "$PARENT/nginx"
    expect_eq "nginx master and worker are in $CG2$PARENT/nginx/cgroup.procs" \
        "$(wc -l <"$CG2$PARENT/nginx/cgroup.procs" 2>/dev/null || echo 0)" 2
    expect_eq "container pid file matches runc state" "$(cat "$TMP/nginx/container.pid" 2>/dev/null || true)" "$pid"
else
    fail "nginx container started detached"
fi
runc_kill_delete "$NG"
if runc_exists "$NG"; then fail "runc_kill_delete removed the container"; else pass "runc_kill_delete removed the container"; fi
if [[ -d "$CG2$PARENT/nginx" ]]; then fail "nginx container's cgroup removed"; else pass "nginx container's cgroup removed"; fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    fail "port $PORT closed after the container was deleted"
else
    pass "port $PORT closed after the container was deleted"
fi
if runc_kill_delete "$NG"; then
    pass "runc_kill_delete of a deleted container is a no-op"
else
    fail "runc_kill_delete of a deleted container is a no-op"
fi

# --- (c) seccomp ------------------------------------------------------------------------

echo "== (c) seccomp profile as linux.seccomp"
case "$(uname -m)" in
x86_64) ARCHES='["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' ;;
aarch64) ARCHES='["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"]' ;;
*) ARCHES='[]' ;;
esac
jq -n --argjson arches "$ARCHES" '{
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: $arches,
    syscalls: [{names: ["uname"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]
} | if (.architectures | length) == 0 then del(.architectures) else . end' >"$TMP/deny-uname.json"

fg_run c-plain -- uname -s
expect_eq "without a profile: uname -s exits 0" "$RC" 0
expect_eq "without a profile: uname -s prints Linux" "$(cat "$TMP/c-plain.out")" Linux

fg_run c-deny "$TMP/deny-uname.json" -- uname -s
expect_eq "linux.seccomp is the profile" \
    "$(jq -cS '.linux.seccomp' "$TMP/c-deny/config.json")" "$(jq -cS . "$TMP/deny-uname.json")"
if [[ "$RC" != 0 ]] && grep -q 'Operation not permitted' "$TMP/c-deny.err"; then
    pass "with uname denied: uname -s fails with 'Operation not permitted' (exit $RC)"
else
    fail "with uname denied: uname -s fails with 'Operation not permitted'" "exit $RC" \
        "stdout: $(cat "$TMP/c-deny.out")" "stderr: $(cat "$TMP/c-deny.err")"
fi

fg_run c-other "$TMP/deny-uname.json" -- cat /proc/sys/kernel/ostype
expect_eq "with uname denied: other syscalls still work (cat exits 0)" "$RC" 0
expect_eq "with uname denied: cat prints Linux" "$(cat "$TMP/c-other.out")" Linux

# --- (d) nothing left behind ------------------------------------------------------------

echo "== (d) cleanup"
cleanup_run
left=$(for m in $(cgroup_mounts); do [[ -e "$m$PARENT" ]] && echo "$m$PARENT"; done || true)
expect_eq "no cgroup $PARENT left in any hierarchy" "$left" ""
expect_eq "no runc state left for $NAME-*" \
    "$(_runc list -q 2>/dev/null | grep -c "^$NAME-" || true)" 0
if [[ -e "$TMP" ]]; then fail "temporary directory removed" "$TMP still exists"; else pass "temporary directory removed"; fi

check_summary
