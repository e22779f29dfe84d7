# shellcheck shell=bash
#
# tests/formats/lib.sh — shared by the format tests: PASS/FAIL bookkeeping
# (tests/lib/check.sh), the built programs, a work directory and cleanup on every exit
# path, and recording through sysrecd on a private bus.
#
# The sourcing script sets TEST (its name) and then calls formats_setup; it must run as
# root. Everything registered with cleanup_add (tests/lib/runc.sh) runs on exit.

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
# shellcheck source=tests/lib/check.sh
source "$SRC/tests/lib/check.sh"

SYSRECCTL=$SYSRECCTL_BIN
FMT_BUILD=$SYSREC_BUILD/tests/formats
WORKLOAD=$FMT_BUILD/fmt-workload
WORKLOAD32=$FMT_BUILD/fmt-compat32
VALIDATE_SPO=$SRC/tests/formats/validate-spo.py
SPO_CRD=${SPO_CRD:-}
PYTHON=/usr/bin/python3
# crun runs on this hybrid-cgroup host only through shared/tools/crun-hybrid.sh
# (CRUN_HYBRID names another copy).
CRUN_HYBRID=${CRUN_HYBRID:-}
for c in "$CRUN_HYBRID" "$SRC/../shared/tools/crun-hybrid.sh" /work/shared/tools/crun-hybrid.sh; do
    if [[ -n "$c" && -f "$c" ]]; then CRUN_HYBRID=$c; break; fi
done

# check DESC CMD...: pass if CMD succeeds.
check() {
    local desc=$1
    shift
    if "$@" >"$WORK/check.out" 2>&1; then pass "$desc"; else fail "$desc" "$(tail -n 8 "$WORK/check.out")"; fi
}

# Print a file indented, for failure details.
show() {
    if [[ -s "$1" ]]; then
        echo "        --- $1"
        tail -n 15 "$1" | sed 's/^/        | /'
    fi
}

# has WORD LIST: WORD is one of the blank-separated words of LIST.
has() {
    [[ " $2 " == *" $1 "* ]]
}

# write_permissive_profile FILE: an OCI profile that allows everything but kexec_load,
# so that the runtime installs a filter (the exact skip-runtime-setup boundary).
write_permissive_profile() {
    cat >"$1" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
 "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
JSON
}

# Names an OCI profile allows (any rule with action SCMP_ACT_ALLOW), space-separated.
profile_names() {
    jq -r '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | unique | join(" ")' "$1"
}

# without_syscall IN OUT NAME: copy OCI profile IN to OUT with NAME no longer allowed.
without_syscall() {
    jq --arg n "$3" '.syscalls |= map(.names -= [$n] | select(.names | length > 0))' "$1" >"$2"
}

# Find the SPO CRD: $SPO_CRD, else shared/reference next to the checkout or at /work/shared.
find_spo_crd() {
    local c
    for c in "$SPO_CRD" "$SRC/../shared/reference/spo-crds/seccompprofile.yaml" \
        /work/shared/reference/spo-crds/seccompprofile.yaml; do
        if [[ -n "$c" && -f "$c" ]]; then
            SPO_CRD=$c
            return 0
        fi
    done
    return 1
}

remove_work() {
    if ((FAILED == 0)) && [[ -z "${SYSREC_KEEP:-}" ]]; then
        rm -rf "$WORK"
    else
        echo "$TEST: work directory kept: $WORK" >&2
    fi
}

# formats_setup TOOL...: check root and tools, make WORK, start sysrecd on a private bus.
formats_setup() {
    local tool
    if ((EUID != 0)); then
        echo "$TEST: must run as root" >&2
        exit 2
    fi
    for tool in "$@" jq busctl dbus-daemon; do
        command -v "$tool" >/dev/null || { echo "$TEST: $tool not found" >&2; exit 2; }
    done
    for tool in "$SYSRECD_BIN" "$SYSRECCTL" "$WORKLOAD"; do
        [[ -x "$tool" ]] || { echo "$TEST: $tool not built" >&2; exit 2; }
    done
    WORK=$(mktemp -d "/tmp/sysrec-$TEST.XXXXXX")
    chmod 755 "$WORK"
    CG2=$(cgroup2_mount) || exit 2
    PARENT=/sysrec-$TEST-$$
    trap 'cleanup_run; remove_work' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    mkdir "$CG2$PARENT"
    cleanup_add cgroup_remove "$PARENT"
    cleanup_add sysrecd_stop
    echo "cgroup2 mount: $CG2; test cgroup: $PARENT; work directory: $WORK"
    if ! sysrecd_start "$WORK/daemon"; then
        fail "sysrecd starts on a private bus"
        exit 1
    fi
    pass "sysrecd (pid $SYSRECD_PID) runs on a private bus"
}

MGR=(call org.sysrec1 /org/sysrec1 org.sysrec1.Manager)

# mcall ARGS...: busctl on the manager; sets RC and ERRMSG, output in WORK/bus.out.
mcall() {
    RC=0
    busctl "${MGR[@]}" "$@" >"$WORK/bus.out" 2>"$WORK/bus.err" || RC=$?
    ERRMSG=$(cat "$WORK/bus.err")
}

# record_start NAME CGROUP [skip [BASE]]: record CGROUP (created if needed) and its
# descendants; with "skip", skip-runtime-setup; with BASE, base profile BASE.
record_start() {
    mkdir -p "$CG2$2"
    if [[ -n "${4:-}" ]]; then
        mcall StartRecording 'sa{sv}a{sv}' "$1" 1 cgroup s "$2" 2 skip-runtime-setup b true base-profile s "$4"
    elif [[ "${3:-}" == skip ]]; then
        mcall StartRecording 'sa{sv}a{sv}' "$1" 1 cgroup s "$2" 1 skip-runtime-setup b true
    else
        mcall StartRecording 'sa{sv}a{sv}' "$1" 1 cgroup s "$2" 0
    fi
    expect_eq "StartRecording $1 on $2${3:+ ($3${4:+, base profile $4})}" "$RC $ERRMSG" "0 "
}

# get_profile NAME FORMAT OUT: GetProfile's text into OUT (bpf: decoded to raw bytes).
get_profile() {
    busctl --json=short "${MGR[@]}" GetProfile ss "$1" "$2" 2>"$WORK/bus.err" | jq -j '.data[0]' >"$3.tmp"
    if [[ "$2" == bpf ]]; then
        base64 -d <"$3.tmp" >"$3"
        rm -f "$3.tmp"
    else
        mv "$3.tmp" "$3"
    fi
    [[ -s "$3" ]]
}

# record_stop NAME OUT: stop NAME, its oci profile into OUT.
record_stop() {
    mcall StopRecording s "$1"
    expect_eq "StopRecording $1" "$RC $ERRMSG" "0 "
    if get_profile "$1" oci "$2" && jq -e '.defaultAction == "SCMP_ACT_ERRNO"' "$2" >/dev/null; then
        pass "$1: OCI profile with $(jq '[.syscalls[].names[]] | length' "$2") names"
    else
        fail "$1: GetProfile oci gives an OCI profile" "$(head -c 300 "$2" 2>/dev/null)"
    fi
}
