#!/bin/bash
#
# tests/formats/measure-trimmed.sh RUNTIME ROUNDS [BASE] — how often a profile recorded
# with skip-runtime-setup lacks a call the runtime makes after its filter install.
# Not part of the suites (it measures a rate, it asserts nothing); the README's figures
# come from it. Each round:
#   1. records the fmt-workload container (runc or crun) with skip-runtime-setup under an
#      allow-all filter, and takes its oci profile (with base profile BASE if given);
#   2. runs the container under that profile: does it work?
#   3. runs it under the same profile with SCMP_ACT_LOG as the default action, and reads
#      the kernel's seccomp audit lines (type=1326) of the runtime and the workload: the
#      calls the profile would have denied. Only filtered tasks produce them.
# Prints one line per round with a problem, then totals. Run as root from a built tree.

set -uo pipefail
TEST=measure-trimmed
# shellcheck source=tests/formats/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RT=${1:-}
ROUNDS=${2:-}
BASE=${3:-}
if [[ ! "$RT" =~ ^(runc|crun)$ || ! "$ROUNDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 runc|crun ROUNDS [BASE-PROFILE-NAME]" >&2
    exit 2
fi
export SYSREC_BASE_PROFILE_PATH=${SYSREC_BASE_PROFILE_PATH:-$SRC/data/base-profiles}
formats_setup "$RUNC" dmesg
UNISTD=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
NAME=sysrec-measure-$$
cat >"$WORK/allow-all.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON

# ctr ID SECCOMP CGROUP: run the container; RC, output in WORK/ID.out.
ctr() {
    local id=$1 cg=$3
    RC=0
    runc_bundle "$WORK/$id" "$cg" "$2" --bind "$WORKLOAD:/run/fmt-workload" -- /run/fmt-workload net ||
        { RC=255; return; }
    if [[ $RT == runc ]]; then
        runc_run "$NAME-$id" "$WORK/$id" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
        runc_kill_delete "$NAME-$id" >/dev/null 2>&1
    else
        sh "$CRUN_HYBRID" "$cg" run --bundle "$WORK/$id" "$NAME-$id" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
        sh "$CRUN_HYBRID" "$PARENT/gc" delete --force "$NAME-$id" >/dev/null 2>&1
    fi
}

syscall_name() {
    awk -v n="$1" '$1 == "#define" && $3 == n { sub("__NR_", "", $2); print $2; exit }' "$UNISTD" 2>/dev/null
}

failed=0 missed=0
declare -A calls=()
for ((i = 1; i <= ROUNDS; i++)); do
    mkdir -p "$CG2$PARENT/r$i"
    if [[ -n "$BASE" ]]; then
        mcall StartRecording 'sa{sv}a{sv}' "r$i" 1 cgroup s "$PARENT/r$i" 2 skip-runtime-setup b true base-profile s "$BASE"
    else
        mcall StartRecording 'sa{sv}a{sv}' "r$i" 1 cgroup s "$PARENT/r$i" 1 skip-runtime-setup b true
    fi
    ((RC == 0)) || { echo "round $i: StartRecording: $ERRMSG"; exit 1; }
    ctr "rec$i" "$WORK/allow-all.json" "$PARENT/r$i/ctr"
    mcall StopRecording s "r$i"
    get_profile "r$i" oci "$WORK/p$i.json" || { echo "round $i: no profile"; exit 1; }
    mcall RemoveRecording s "r$i"
    ctr "e$i" "$WORK/p$i.json" "$PARENT/e$i"
    if ((RC != 0)); then
        failed=$((failed + 1))
        echo "round $i: the container failed under its profile (exit $RC): $(grep -v '^time=' "$WORK/e$i.out" | head -n 1)"
    fi
    jq '.defaultAction = "SCMP_ACT_LOG" | del(.defaultErrnoRet)' "$WORK/p$i.json" >"$WORK/l$i.json"
    mark="$NAME-round-$i"
    echo "$mark" >/dev/kmsg
    ctr "l$i" "$WORK/l$i.json" "$PARENT/l$i"
    sleep 0.2
    seen=$(dmesg | sed -n "/$mark/,\$p" | grep 'type=1326' | grep -E 'comm="(runc:\[2:INIT\]|crun|fmt-workload)"' |
        sed -E 's/.* syscall=([0-9]+).*/\1/' | sort -un | tr '\n' ' ')
    if [[ -n "$seen" ]]; then
        missed=$((missed + 1))
        names=""
        for n in $seen; do
            s=$(syscall_name "$n")
            names+=" ${s:-$n}"
            calls[${s:-$n}]=$((${calls[${s:-$n}]:-0} + 1))
        done
        echo "round $i: the profile lacks:$names"
    fi
done
echo "$RT, base profile ${BASE:-none}: $failed of $ROUNDS containers failed under their profile;" \
    "in $missed of $ROUNDS rounds the runtime or workload made a call the profile lacks"
for c in "${!calls[@]}"; do echo "  $c: in ${calls[$c]} rounds"; done
