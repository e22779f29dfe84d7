#!/bin/bash
#
# tests/formats/test-trim-stress.sh — skip-runtime-setup under load: ROUNDS (default 30)
# fresh recordings per runtime (runc, and crun through shared/tools/crun-hybrid.sh) on one
# sysrecd, with a CPU hog on every core for the whole test. Each round records one
# fmt-workload container in a child of the recorded cgroup; odd rounds give the container
# a permissive seccomp filter (the gate is the runtime's filter install), even rounds none
# (the gate is the container's entry exec). Then:
#   - the profile (its Syscalls property: what was recorded, no base profile) allows none
#     of the calls only a runtime's set-up makes (SETUP_ONLY below);
#   - the container runs under the profile, with the shipped base profile of its runtime
#     (the base-profile option), and works.
# First, once per runtime, a recording without skip-runtime-setup must hold every call of
# SETUP_ONLY: the runtime does make them, so their absence later means something.
# Prints PASS/FAIL lines (one per runtime and check, naming the failed rounds) and
# `N passed, N failed`; exits 1 if a check failed.

set -uo pipefail
TEST=formats-trim-stress
# shellcheck source=tests/formats/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export SYSREC_BASE_PROFILE_PATH=$SRC/data/base-profiles
ROUNDS=${ROUNDS:-30}
RUNTIMES=${RUNTIMES:-runc crun}
read -ra MODES <<<"${MODES:-exec filter}"
formats_setup "$RUNC" crun nproc
[[ -f "$CRUN_HYBRID" ]] || { fail "shared/tools/crun-hybrid.sh is available"; check_summary; exit 1; }

IN_CTR=/run/fmt-workload
NAME=sysrec-trim-$$
# Calls of a runtime's set-up (namespaces, mounts, root, host name, keyring) that neither
# fmt-workload nor the runtime after its filter install makes.
SETUP_ONLY=(mount umount2 pivot_root sethostname unshare keyctl)

write_permissive_profile "$WORK/permissive.json"

# The CPU hogs: one per core, so that the runtime's tasks share their CPUs.
hogs_stop() {
    local p
    for p in ${HOGS:-}; do kill "$p" 2>/dev/null; done
    for p in ${HOGS:-}; do wait "$p" 2>/dev/null; done
    HOGS=
}
HOGS=
for ((c = 0; c < $(nproc); c++)); do
    yes >/dev/null &
    HOGS+=" $!"
done
cleanup_add hogs_stop
echo "CPU hogs:$HOGS"

crun_delete() {
    sh "$CRUN_HYBRID" "$PARENT/crun-gc" delete --force "$1" >/dev/null 2>&1 || true
}

# ctr RUNTIME ID SECCOMP_OR_EMPTY CGROUP: run fmt-workload in a container; RC, output in
# WORK/ID.out; the container and its bundle are gone afterwards.
ctr() {
    local rt=$1 id=$2 seccomp=$3 cg=$4
    RC=0
    runc_bundle "$WORK/$id" "$cg" ${seccomp:+"$seccomp"} --bind "$WORKLOAD:$IN_CTR" -- "$IN_CTR" net ||
        { RC=255; return 0; }
    if [[ $rt == runc ]]; then
        cleanup_add runc_kill_delete "$NAME-$id"
        runc_run "$NAME-$id" "$WORK/$id" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
        runc_kill_delete "$NAME-$id" >/dev/null 2>&1
    else
        cleanup_add crun_delete "$NAME-$id"
        sh "$CRUN_HYBRID" "$cg" run --bundle "$WORK/$id" "$NAME-$id" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
        crun_delete "$NAME-$id"
    fi
    rm -rf "${WORK:?}/$id"
}

# recorded NAME: the native names of recording NAME's Syscalls property, space-separated.
recorded() {
    busctl --json=short get-property org.sysrec1 "/org/sysrec1/recording/$1" org.sysrec1.Recording Syscalls |
        jq -r '.data.x86_64 // [] | join(" ")'
}

# record RUNTIME TAG SKIP SECCOMP: recording TAG (letters and digits) of one container in PARENT/TAG/ctr;
# NAMES is what it recorded, PROF its oci profile (with the base if SKIP). ERR says why
# there is none.
record() {
    local rt=$1 tag=$2 skip=$3 seccomp=$4
    NAMES="" PROF=$WORK/$tag.json ERR=""
    mkdir -p "$CG2$PARENT/$tag"
    if [[ $skip == skip ]]; then
        mcall StartRecording 'sa{sv}a{sv}' "$tag" 1 cgroup s "$PARENT/$tag" 2 \
            skip-runtime-setup b true base-profile s "$rt"
    else
        mcall StartRecording 'sa{sv}a{sv}' "$tag" 1 cgroup s "$PARENT/$tag" 0
    fi
    [[ $RC == 0 ]] || { ERR="StartRecording: $ERRMSG"; return 1; }
    ctr "$rt" "$tag-rec" "$seccomp" "$PARENT/$tag/ctr"
    [[ $RC == 0 ]] || ERR="recording run: rc $RC: $(grep -v '^time=' "$WORK/$tag-rec.out" | head -n 1)"
    mcall StopRecording s "$tag"
    NAMES=$(recorded "$tag")
    # The workload's own calls: a recording that lacks them recorded nothing.
    has bind "$NAMES" && has listen "$NAMES" || ERR+="${ERR:+; }bind, listen not recorded: '$NAMES'"
    get_profile "$tag" oci "$PROF" || ERR+="${ERR:+; }no profile"
    mcall RemoveRecording s "$tag"
    cgroup_remove "$PARENT/$tag"
    [[ -z $ERR ]]
}

stress() {
    local rt=$1 i tag s seccomp mode kept leaks="" broken="" n_leak=0 n_broken=0 missing=""

    if record "$rt" "${rt}full" full "$WORK/permissive.json"; then
        for s in "${SETUP_ONLY[@]}"; do has "$s" "$NAMES" || missing+=" $s"; done
        expect_eq "$rt: a full recording holds the set-up calls ${SETUP_ONLY[*]}" "${missing:-all}" all
    else
        fail "$rt: a full recording holds the set-up calls ${SETUP_ONLY[*]}" "$ERR"
    fi

    for ((i = 1; i <= ROUNDS; i++)); do
        tag=${rt}r$i
        mode=${MODES[i % ${#MODES[@]}]}
        if [[ $mode == filter ]]; then seccomp=$WORK/permissive.json; else seccomp=; fi
        if ! record "$rt" "$tag" skip "$seccomp"; then
            n_broken=$((n_broken + 1)) broken+=" $i($mode, $ERR)"
            continue
        fi
        kept=
        for s in "${SETUP_ONLY[@]}"; do has "$s" "$NAMES" && kept+=",$s"; done
        if [[ -n $kept ]]; then
            n_leak=$((n_leak + 1)) leaks+=" $i($mode:${kept#,})"
        fi
        ctr "$rt" "$tag-run" "$PROF" "$PARENT/$tag-run"
        if [[ $RC != 0 ]] || ! grep -q '^net: listening' "$WORK/$tag-run.out"; then
            n_broken=$((n_broken + 1))
            broken+=" $i($mode, rc $RC: $(grep -v '^time=' "$WORK/$tag-run.out" | head -n 1))"
        fi
        cgroup_remove "$PARENT/$tag-run"
    done
    echo "$rt: $ROUNDS recordings: $n_leak kept a set-up call, $n_broken did not run under their profile"
    expect_eq "$rt: no profile of $ROUNDS skip-runtime-setup recordings under load allows ${SETUP_ONLY[*]}" \
        "${leaks:-none}" none
    expect_eq "$rt: each of the $ROUNDS containers runs under its profile (with the base profile $rt)" \
        "${broken:-all}" all
}

for rt in $RUNTIMES; do
    echo "== $rt: $ROUNDS recordings, $(nproc) CPU hogs"
    stress "$rt"
done
check_summary
