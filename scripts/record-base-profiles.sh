#!/bin/bash
#
# scripts/record-base-profiles.sh — record data/base-profiles/{runc,crun}.json with sysrec.
#
# A base profile holds what a container runtime itself calls after it has installed the
# container's seccomp filter and until it executes the workload. skip-runtime-setup
# starts a profile at that filter install, and with runc those calls depend on timing
# (its Go runtime wakes threads with futex, returns from preemption signals with
# rt_sigreturn, yields, grows its heap), so one recording may miss some of them.
#
# How: sysrecd runs on a private bus (tests/lib/sysrecd.sh); one recording with
# skip-runtime-setup covers RUNS containers of each runtime, each in a cgroup of its own
# (so each has its own gate), run under an allow-all filter so that the runtime installs
# one right before exec. The workload is a probe that makes exactly one syscall,
# exit_group, which is left out of the base. Half of the runs compete with busy loops for
# the CPUs and runc's runs alternate GOMAXPROCS=1 and the default, to drive the Go
# runtime through its slow paths (a P taken away during a blocking call, a locked thread
# parked and woken).
#
# Usage (as root, from a built tree): scripts/record-base-profiles.sh [--runs N] [--out DIR]
#   --runs N   containers per runtime (default 60)
#   --out DIR  where runc.json and crun.json go (default: data/base-profiles)
# Environment: SYSREC_BUILD (default build), RUNC, CRUN_HYBRID (crun on a hybrid cgroup
# host; default ../shared/tools/crun-hybrid.sh, else plain crun is used).
# A runtime that is not installed is skipped with a message.

set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
RUNS=60
OUT=$SRC/data/base-profiles
while (($#)); do
    case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--out DIR]" >&2; exit 2 ;;
    esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs needs a positive number" >&2; exit 2; }
((EUID == 0)) || { echo "$0: must run as root" >&2; exit 2; }
export SYSREC_BUILD=${SYSREC_BUILD:-$SRC/build}
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
for t in "$SYSRECD_BIN" "$SYSRECCTL_BIN"; do
    [[ -x "$t" ]] || { echo "$0: $t not built" >&2; exit 2; }
done
CRUN_HYBRID=${CRUN_HYBRID:-$SRC/../shared/tools/crun-hybrid.sh}

WORK=$(mktemp -d /tmp/sysrec-base-profiles.XXXXXX)
chmod 755 "$WORK"
CG2=$(cgroup2_mount)
PARENT=/sysrec-base-profiles-$$
BUSY=()
stop_busy() {
    local p
    for p in "${BUSY[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${BUSY[@]}"; do wait "$p" 2>/dev/null || true; done
    BUSY=()
}
trap 'stop_busy; cleanup_run; rm -rf "$WORK"' EXIT
mkdir "$CG2$PARENT"
cleanup_add cgroup_remove "$PARENT"
cleanup_add sysrecd_stop
sysrecd_start "$WORK/daemon" >/dev/null

# The probe: exit_group(0) and nothing else, not even the C library's start-up.
cat >"$WORK/probe.c" <<'C'
void _start(void)
{
#if defined(__x86_64__)
        __asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall");
#elif defined(__aarch64__)
        __asm__ volatile("mov x8, #94\n\tmov x0, #0\n\tsvc #0");
#else
#error "add exit_group for this architecture"
#endif
}
C
gcc -static -nostdlib -O1 -o "$WORK/probe" "$WORK/probe.c"
cat >"$WORK/allow-all.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON

# busy_start: one busy loop per CPU, for at most 10 minutes.
busy_start() {
    local i
    for i in $(seq "$(nproc)"); do
        timeout 600 sh -c 'while :; do :; done' &
        BUSY+=($!)
    done
}

# run_one RUNTIME I: container I of RUNTIME in PARENT/RUNTIME/cI.
run_one() {
    local rt=$1 i=$2 cg=$PARENT/$1/c$2 dir=$WORK/$1-$2 rc=0
    runc_bundle "$dir" "$cg" "$WORK/allow-all.json" --bind "$WORK/probe:/run/probe" -- /run/probe
    if [[ $rt == runc ]]; then
        if ((i % 2)); then
            GOMAXPROCS=1 runc_run "base-$$-$i" "$dir" </dev/null >"$dir.out" 2>&1 || rc=$?
        else
            runc_run "base-$$-$i" "$dir" </dev/null >"$dir.out" 2>&1 || rc=$?
        fi
        runc_kill_delete "base-$$-$i" >/dev/null 2>&1 || true
    else
        crun_cmd "$cg" run --bundle "$dir" "base-$$-$i" </dev/null >"$dir.out" 2>&1 || rc=$?
        crun_cmd "$PARENT/gc" delete --force "base-$$-$i" >/dev/null 2>&1 || true
    fi
    if ((rc != 0)); then
        echo "$rt: container $i failed (exit $rc):" >&2
        cat "$dir.out" >&2
        return 1
    fi
}

# record RUNTIME: RUNS containers into one recording; its profile without exit_group.
record() {
    local rt=$1 i
    mkdir -p "$CG2$PARENT/$rt"
    busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StartRecording 'sa{sv}a{sv}' \
        "base-$rt" 1 cgroup s "$PARENT/$rt" 1 skip-runtime-setup b true >/dev/null
    for i in $(seq "$RUNS"); do
        ((i == RUNS / 2 + 1)) && busy_start
        run_one "$rt" "$i"
    done
    stop_busy
    busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s "base-$rt"
    busctl --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager GetProfile ss "base-$rt" oci |
        jq '.data[0] | fromjson' >"$WORK/$rt.full.json"
    # The probe's own call is the workload's, not the runtime's.
    jq '.syscalls |= map(.names -= ["exit_group"] | select(.names | length > 0))' \
        "$WORK/$rt.full.json" >"$WORK/$rt.json"
    "$SYSRECCTL_BIN" merge -q -o "$OUT/$rt.json" "$WORK/$rt.json"
    echo "$rt: $(jq '[.syscalls[].names[]] | unique | length' "$OUT/$rt.json") syscalls after the filter" \
        "install over $RUNS containers -> $OUT/$rt.json"
}

mkdir -p "$OUT"
if command -v "$RUNC" >/dev/null; then record runc; else echo "runc is not installed: skipped"; fi
# crun_cmd CGROUP ARGS...: crun-hybrid.sh takes the cgroup2 path first; plain crun reads
# it from the bundle.
crun_cmd() {
    if [[ -f "$CRUN_HYBRID" ]]; then
        sh "$CRUN_HYBRID" "$@"
    else
        shift
        crun "$@"
    fi
}
if [[ -f "$CRUN_HYBRID" ]] || command -v crun >/dev/null; then record crun; else echo "crun is not installed: skipped"; fi
