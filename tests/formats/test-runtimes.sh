#!/bin/bash
#
# tests/formats/test-runtimes.sh — oci profiles recorded by sysrecd (private bus) and
# enforced by the container runtimes that read them. The workload is fmt-workload (a
# static AF_INET server that also forks), bound into each container:
#   (a) runc, skip-runtime-setup: the container runs with a permissive seccomp profile
#       (default SCMP_ACT_ALLOW, one ERRNO rule) so the runtime installs a filter right
#       before exec, the exact boundary. Recorded with and without skip-runtime-setup:
#       the trimmed profile lacks pivot_root, sethostname and mount, which the full one
#       has; the container runs under the trimmed profile merged with the shipped runc
#       base profile (sysrecctl merge --base-profile=runc: what runc's Go runtime may call
#       after the filter install, at times no single recording predicts); without bind(2)
#       it fails with EPERM; the full profile works too (with the base: runc's Go
#       runtime is no more predictable in a full recording); then REPEAT times in a row a
#       fresh recording with the
#       `base-profile` option = runc runs the container under its profile;
#   (b) runc, argument rules: under the trimmed profile socket(AF_PACKET),
#       socket(AF_UNIX) and clone(CLONE_NEWUSER) are denied (the workload used AF_INET
#       and clone without namespace flags only); the same profile without argument
#       rules lets all three through (so the rules, not capabilities, deny them);
#   (c) crun (through shared/tools/crun-hybrid.sh on this hybrid-cgroup host): the same
#       as (a) (its trimmed profile works alone), and the full (not trimmed) profile works
#       too; REPEAT recordings with base-profile = crun;
#   (d) podman --runtime runc --security-opt seccomp=FILE, recorded with skip-runtime-
#       setup under podman's own default profile; skipped with a reason if podman is
#       not installed;
#   (e) the base-profile option refuses a path, a bad name, a missing profile and an
#       invalid file with named D-Bus errors.
# Base profiles come from data/base-profiles (SYSREC_BASE_PROFILE_PATH).
# Prints PASS/FAIL lines and `N passed, N failed`; exits 1 if a check failed.

set -uo pipefail
TEST=formats-runtimes
# shellcheck source=tests/formats/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The shipped base profiles, then test fixtures (allow-all.json: not an allow list).
export SYSREC_BASE_PROFILE_PATH=$SRC/data/base-profiles:$SRC/tests/unit/base-profiles
REPEAT=${REPEAT:-10}
formats_setup "$RUNC" crun gdbus
[[ -f "$CRUN_HYBRID" ]] || fail "shared/tools/crun-hybrid.sh is available"

IN_CTR=/run/fmt-workload
NAME=sysrec-fmt-$$
# Runtime-only calls a workload like this never makes.
RUNTIME_ONLY=(pivot_root sethostname mount)

write_permissive_profile "$WORK/permissive.json"

# bundle ID SECCOMP_OR_EMPTY CGROUP ARGS...: a bundle WORK/ID running fmt-workload ARGS.
bundle() {
    local id=$1 seccomp=$2 cg=$3
    shift 3
    runc_bundle "$WORK/$id" "$cg" ${seccomp:+"$seccomp"} --bind "$WORKLOAD:$IN_CTR" -- "$IN_CTR" "$@"
}

# runc_ctr ID SECCOMP CGROUP ARGS...: run it with runc; RC, output in WORK/ID.out.
runc_ctr() {
    local id=$1
    RC=0
    bundle "$@" || { RC=255; return 0; }
    cleanup_add runc_kill_delete "$NAME-$id"
    runc_run "$NAME-$id" "$WORK/$id" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
}

crun_delete() {
    sh "$CRUN_HYBRID" "$PARENT/crun-gc" delete --force "$1" >/dev/null 2>&1 || true
}

# crun_ctr ID SECCOMP CGROUP ARGS...: the same with crun; CGROUP is the cgroup2 path.
crun_ctr() {
    local id=$1 cg=$3
    RC=0
    bundle "$@" || { RC=255; return 0; }
    cleanup_add crun_delete "$NAME-$id"
    sh "$CRUN_HYBRID" "$cg" run --bundle "$WORK/$id" "$NAME-$id" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
    crun_delete "$NAME-$id"
}

# expect_run DESC WANT-RC WANT-LINES ID: the run of ID exited WANT-RC and its output
# (runc's log lines aside) starts with lines that start with WANT-LINES' lines.
expect_run() {
    local desc=$1 want_rc=$2 want=$3 id=$4 ok=1 i
    local -a got_l want_l
    mapfile -t want_l <<<"$want"
    mapfile -t got_l < <(grep -v '^time=' "$WORK/$id.out")
    [[ "$RC" == "$want_rc" ]] || ok=0
    for i in "${!want_l[@]}"; do
        [[ "${got_l[i]:-}" == "${want_l[i]}"* ]] || ok=0
    done
    if ((ok)); then
        pass "$desc"
    else
        fail "$desc" "rc $RC (want $want_rc)" "$(tail -n 5 "$WORK/$id.out")"
    fi
}

# trimmed_checks RUNTIME FULL TRIMMED: the trimmed profile lacks the runtime-only calls.
trimmed_checks() {
    local rt=$1 full=$2 trimmed=$3 s missing_full="" in_trimmed=""
    for s in "${RUNTIME_ONLY[@]}"; do
        has "$s" "$(profile_names "$full")" || missing_full+=" $s"
        has "$s" "$(profile_names "$trimmed")" && in_trimmed+=" $s"
    done
    expect_eq "$rt: the full recording holds the runtime's ${RUNTIME_ONLY[*]}" "${missing_full:-all there}" "all there"
    expect_eq "$rt: the skip-runtime-setup profile omits ${RUNTIME_ONLY[*]} ($(jq '[.syscalls[].names[]] | length' "$trimmed") vs $(jq '[.syscalls[].names[]] | length' "$full") names)" \
        "${in_trimmed:-none}" "none"
    # What a Go runtime calls after the filter install (rt_sigreturn of a preemption
    # signal, futex) depends on timing, in either recording: compare with the base.
    check "$rt: the full profile with $rt's base covers the trimmed one (merge --check)" \
        "$SYSRECCTL" merge --check --base-profile="$rt" "$full" "$trimmed"
}

# repeat_with_base RUNTIME CTR-FN: REPEAT times, a fresh recording with skip-runtime-setup
# and base-profile RUNTIME, then a run of the container under its profile. Every run must
# work, and no profile may allow the runtime-only calls.
repeat_with_base() {
    local rt=$1 ctr=$2 i ok=0 leaked="" fails="" prof s
    for ((i = 1; i <= REPEAT; i++)); do
        mkdir -p "$CG2$PARENT/$rt-b$i"
        mcall StartRecording 'sa{sv}a{sv}' "${rt}base$i" 1 cgroup s "$PARENT/$rt-b$i" 2 \
            skip-runtime-setup b true base-profile s "$rt"
        [[ $RC == 0 ]] || { fails+=" $i(start: $ERRMSG)"; continue; }
        if ((i == 1)); then
            expect_eq "$rt: the recording's BaseProfile property" \
                "$(busctl get-property org.sysrec1 "/org/sysrec1/recording/${rt}base1" org.sysrec1.Recording BaseProfile)" \
                "s \"$rt\""
        fi
        "$ctr" "$rt-b$i" "$WORK/permissive.json" "$PARENT/$rt-b$i/ctr" net
        mcall StopRecording s "${rt}base$i"
        prof=$WORK/$rt-b$i.json
        if ! get_profile "${rt}base$i" oci "$prof"; then
            fails+=" $i(no profile)"
            continue
        fi
        mcall RemoveRecording s "${rt}base$i"
        for s in "${RUNTIME_ONLY[@]}"; do has "$s" "$(profile_names "$prof")" && leaked+=" $i:$s"; done
        "$ctr" "$rt-r$i" "$prof" "$PARENT/$rt-r$i" net
        if [[ $RC == 0 ]] && grep -q '^net: listening' "$WORK/$rt-r$i.out"; then
            ok=$((ok + 1))
        else
            fails+=" $i(rc $RC: $(grep -v '^time=' "$WORK/$rt-r$i.out" | head -n 1))"
        fi
    done
    expect_eq "$rt: $REPEAT recordings with base-profile=$rt, each container runs under its profile" \
        "$ok${fails:+ failed:$fails}" "$REPEAT"
    expect_eq "$rt: none of those profiles allows ${RUNTIME_ONLY[*]}" "${leaked:-none}" none
}

# ---------------------------------------------------------------------------------------
echo "== (a) runc: skip-runtime-setup"
record_start runc-full "$PARENT/rf"
runc_ctr rf-rec "$WORK/permissive.json" "$PARENT/rf/ctr" net
expect_run "runc: recording run (permissive filter, full recording)" 0 "net: listening" rf-rec
record_stop runc-full "$WORK/runc-full.json"
record_start runc-skip "$PARENT/rs" skip
runc_ctr rs-rec "$WORK/permissive.json" "$PARENT/rs/ctr" net
expect_run "runc: recording run (permissive filter, skip-runtime-setup)" 0 "net: listening" rs-rec
record_stop runc-skip "$WORK/runc-trimmed.json"
"$SYSRECCTL" merge -q --base-profile=runc -o "$WORK/runc.json" "$WORK/runc-trimmed.json"
trimmed_checks runc "$WORK/runc-full.json" "$WORK/runc-trimmed.json"
check "runc: merge --base-profile=runc adds the shipped base" \
    "$SYSRECCTL" merge --check "$WORK/runc.json" "$SRC/data/base-profiles/runc.json" "$WORK/runc-trimmed.json"
n=""
for s in "${RUNTIME_ONLY[@]}"; do has "$s" "$(profile_names "$WORK/runc.json")" && n+=" $s"; done
expect_eq "runc: merged with the base, still without ${RUNTIME_ONLY[*]}" "${n:-none}" none
runc_ctr rs-replay "$WORK/runc.json" "$PARENT/replay" net
expect_run "runc: the container runs under its trimmed profile merged with runc's base" 0 "net: listening" rs-replay
without_syscall "$WORK/runc.json" "$WORK/runc-nobind.json" bind
runc_ctr rs-nobind "$WORK/runc-nobind.json" "$PARENT/nobind" net
expect_run "runc: without bind, the workload fails with EPERM" 1 "bind: Operation not permitted" rs-nobind
# A full recording is no better at runc's timing-dependent calls after the filter
# install (a futex, an rt_sigreturn that did not happen while it recorded): it needs
# the base profile too.
"$SYSRECCTL" merge -q --base-profile=runc -o "$WORK/runc-full-base.json" "$WORK/runc-full.json"
runc_ctr rf-replay "$WORK/runc-full-base.json" "$PARENT/replay-full" net
expect_run "runc: the container runs under the full profile (+ runc's base) too" 0 "net: listening" rf-replay
repeat_with_base runc runc_ctr

# ---------------------------------------------------------------------------------------
echo "== (b) runc: argument rules"
rules=$(jq -c '[.syscalls[] | select(.args) | {n: .names[0], v: .args[0].value, op: .args[0].op}]' "$WORK/runc.json")
expect_eq "the trimmed profile restricts clone (no CLONE_NEW* flag allowed) and socket (AF_INET only)" \
    "$(jq -c '[.[] | select(.n == "clone" or .n == "socket")]' <<<"$rules")" \
    '[{"n":"clone","v":2114060416,"op":"SCMP_CMP_MASKED_EQ"},{"n":"socket","v":2,"op":"SCMP_CMP_EQ"}]'
PROBES=(--probe packet --probe unix --probe newuser)
runc_ctr args "$WORK/runc.json" "$PARENT/args" net "${PROBES[@]}"
expect_run "runc: AF_PACKET, AF_UNIX and clone(CLONE_NEWUSER) are denied under the recorded profile" 3 \
    "net: listening
probe packet: Operation not permitted
probe unix: Operation not permitted
probe newuser: Operation not permitted" args
"$SYSRECCTL" merge -q --no-arguments -o "$WORK/runc-noargs.json" "$WORK/runc.json"
runc_ctr noargs "$WORK/runc-noargs.json" "$PARENT/noargs" net "${PROBES[@]}"
expect_run "control: the same profile without argument rules lets all three through" 0 \
    "net: listening
probe packet: ok
probe unix: ok
probe newuser: ok" noargs

# ---------------------------------------------------------------------------------------
echo "== (c) crun"
record_start crun-full "$PARENT/cf"
crun_ctr cf-rec "$WORK/permissive.json" "$PARENT/cf/ctr" net
expect_run "crun: recording run (permissive filter, full recording)" 0 "net: listening" cf-rec
record_stop crun-full "$WORK/crun-full.json"
record_start crun-skip "$PARENT/cs" skip
crun_ctr cs-rec "$WORK/permissive.json" "$PARENT/cs/ctr" net
expect_run "crun: recording run (permissive filter, skip-runtime-setup)" 0 "net: listening" cs-rec
record_stop crun-skip "$WORK/crun.json"
trimmed_checks crun "$WORK/crun-full.json" "$WORK/crun.json"
crun_ctr cs-replay "$WORK/crun.json" "$PARENT/creplay" net
expect_run "crun: the container runs under its trimmed profile" 0 "net: listening" cs-replay
without_syscall "$WORK/crun.json" "$WORK/crun-nobind.json" bind
crun_ctr cs-nobind "$WORK/crun-nobind.json" "$PARENT/cnobind" net
expect_run "crun: without bind, the workload fails with EPERM" 1 "bind: Operation not permitted" cs-nobind
crun_ctr cf-replay "$WORK/crun-full.json" "$PARENT/creplay-full" net
expect_run "crun: the container runs under the full profile too" 0 "net: listening" cf-replay
repeat_with_base crun crun_ctr
# (crun itself opens an AF_UNIX socket after installing the filter: that family is in.)
crun_ctr cargs "$WORK/crun.json" "$PARENT/cargs" net --probe packet --probe newuser
expect_run "crun: the argument rules deny AF_PACKET and clone(CLONE_NEWUSER) too" 3 \
    "net: listening
probe packet: Operation not permitted
probe newuser: Operation not permitted" cargs

# ---------------------------------------------------------------------------------------
echo "== (d) podman --runtime runc"
if ! command -v podman >/dev/null; then
    echo "SKIP: podman is not installed (Debian package podman)"
else
    ROOTFS=$WORK/podman-rootfs
    mkdir -p "$ROOTFS"
    cp "$WORKLOAD" "$ROOTFS/fmt-workload"
    # Lower limits than the host's: podman's defaults need CAP_SYS_RESOURCE to set.
    PODMAN=(podman --runtime "$(command -v "$RUNC")" --cgroup-manager cgroupfs)
    podman_ctr() { # podman_ctr ID CGROUP-PARENT SECCOMP-OPT ARGS...
        local id=$1 cgp=$2 sec=$3
        shift 3
        RC=0
        cleanup_add "${PODMAN[@]}" rm -f "$NAME-$id"
        "${PODMAN[@]}" run --rm --name "$NAME-$id" --network host --cgroup-parent "$cgp" \
            --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 ${sec:+--security-opt "$sec"} \
            --rootfs "$ROOTFS" /fmt-workload "$@" </dev/null >"$WORK/$id.out" 2>&1 || RC=$?
    }
    # A first podman run sets up its storage and may be slow: not the one recorded.
    podman_ctr pm-warm "$PARENT/pmw" "" net
    expect_run "podman: a container runs (warm-up, not recorded)" 0 "net: listening" pm-warm
    record_start podman "$PARENT/pm" skip
    podman_ctr pm-rec "$PARENT/pm" "" net
    expect_run "podman: recording run (podman's default profile, skip-runtime-setup)" 0 "net: listening" pm-rec
    record_stop podman "$WORK/podman-trimmed.json"
    "$SYSRECCTL" merge -q --base-profile=runc -o "$WORK/podman.json" "$WORK/podman-trimmed.json"
    pm_names=$(profile_names "$WORK/podman-trimmed.json")
    expect_eq "podman: the recording holds the workload's bind and none of the runtime's ${RUNTIME_ONLY[*]}" \
        "$(has bind "$pm_names" && echo bind)$(for s in "${RUNTIME_ONLY[@]}"; do has "$s" "$pm_names" && echo " $s"; done)" bind
    podman_ctr pm-replay "$PARENT/pmr" "seccomp=$WORK/podman.json" net
    expect_run "podman: the container runs under its recorded profile (+ runc's base)" 0 "net: listening" pm-replay
    without_syscall "$WORK/podman.json" "$WORK/podman-nobind.json" bind
    podman_ctr pm-nobind "$PARENT/pmn" "seccomp=$WORK/podman-nobind.json" net
    expect_run "podman: without bind, the workload fails with EPERM" 1 "bind: Operation not permitted" pm-nobind
    podman_ctr pm-args "$PARENT/pma" "seccomp=$WORK/podman.json" net --probe packet --probe newuser
    expect_run "podman: the argument rules deny AF_PACKET and clone(CLONE_NEWUSER)" 3 \
        "net: listening
probe packet: Operation not permitted
probe newuser: Operation not permitted" pm-args
fi

# ---------------------------------------------------------------------------------------
echo "== (e) base-profile: named errors"
mkdir -p "$CG2$PARENT/bad"
# bad_base VALUE WANT-ERROR WANT-IN-MESSAGE: StartRecording with base-profile VALUE fails
# with D-Bus error WANT-ERROR (gdbus prints the error's name) and a message naming it.
bad_base() {
    local out rc=0
    out=$(gdbus call --system --dest org.sysrec1 --object-path /org/sysrec1 \
        --method org.sysrec1.Manager.StartRecording badbase "{'cgroup': <'$PARENT/bad'>}" \
        "{'base-profile': <'$1'>}" 2>&1) || rc=$?
    if [[ $rc != 0 && "$out" == *"GDBus.Error:$2:"* && "$out" == *"$3"* ]]; then
        pass "base-profile '$1': ${2##*.}: ${out#*"$2": }"
    else
        fail "base-profile '$1': $2 naming '$3'" "rc $rc: $out"
        busctl "${MGR[@]}" StopRecording s badbase >/dev/null 2>&1
        busctl "${MGR[@]}" RemoveRecording s badbase >/dev/null 2>&1
    fi
}
bad_base ../x org.sysrec1.Error.InvalidArgument "'../x'"
bad_base /etc/passwd org.sysrec1.Error.InvalidArgument "not a path"
bad_base 'run c' org.sysrec1.Error.InvalidArgument "'run c'"
bad_base '' org.sysrec1.Error.InvalidArgument "Invalid base profile name"
bad_base no-such-runtime org.sysrec1.Error.NoSuchBaseProfile "no-such-runtime.json"
bad_base allow-all org.sysrec1.Error.InvalidArgument "allow-all.json: defaultAction"
mcall ListRecordings
expect_eq "no recording was started by a refused base-profile" "$(grep -c badbase "$WORK/bus.out")" 0

check_summary
