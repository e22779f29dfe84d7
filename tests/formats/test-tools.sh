#!/bin/bash
#
# tests/formats/test-tools.sh — the bpf and spo formats with their consumers, and
# merge/diff/verify on real recordings. sysrecd records on a private bus:
#   (a) fmt-workload (AF_INET server, uname) in a cgroup of its own: every format of
#       the recording is byte-stable (GetProfile twice, and the oci/spo profile read
#       back and written again gives the same bytes, bpf included);
#   (b) bpf: bubblewrap --seccomp runs the workload under the profile; without bind(2)
#       it fails with EPERM; argument rules hold (AF_UNIX unused: denied);
#       `sysrecctl profile --format=bpf -o` and `record --format=bpf` write raw bytes;
#   (c) spo: validated against the CRD's openAPIV3Schema (validate-spo.py); broken
#       copies (wrong type, bad enum, missing required field, duplicate in a set,
#       unknown field) are rejected by the validator and by sysrecctl's importer;
#   (d) an i386 program (fmt-compat32) and an x86-64 + i386 mix: merge, diff,
#       merge --check, verify, and bwrap enforcing the merged profile per ABI.
# Prints PASS/FAIL lines and `N passed, N failed`; exits 1 if a check failed.

set -uo pipefail
TEST=formats-tools
# shellcheck source=tests/formats/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
formats_setup bwrap base64 cmp

# run_in_cgroup CGROUP CMD...: run CMD in CGROUP (relative to the cgroup2 mount).
run_in_cgroup() {
    local cg=$1
    shift
    bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$CG2$cg" "$@"
}

# bwrap_run BPF CMD...: CMD under bubblewrap with the raw BPF program of file BPF.
bwrap_run() {
    local bpf=$1
    shift
    bwrap --ro-bind / / --dev /dev --proc /proc --seccomp 9 "$@" 9<"$bpf"
}

# ---------------------------------------------------------------------------------------
echo "== (a) record fmt-workload; byte-stable formats"
record_start net "$PARENT/net"
run_in_cgroup "$PARENT/net" "$WORKLOAD" net >"$WORK/net-rec.out" 2>&1
expect_eq "recording run of fmt-workload net" "$(cut -d' ' -f1,2 "$WORK/net-rec.out")" "net: listening"
record_stop net "$WORK/net.json"
expect_eq "StopRecording's file equals GetProfile(oci)" \
    "$(cmp "$SYSRECD_STATE/profiles/net.json" "$WORK/net.json" && echo same)" same
for f in oci spo systemd bpf; do
    get_profile net "$f" "$WORK/net.$f" && get_profile net "$f" "$WORK/again.$f"
    if cmp -s "$WORK/net.$f" "$WORK/again.$f"; then
        pass "$f: GetProfile twice gives the same $(stat -c %s "$WORK/net.$f") bytes"
    else
        fail "$f: GetProfile twice gives the same bytes"
    fi
done
# Read back and written again: the same bytes in every format.
for f in oci spo systemd bpf; do
    for in in net.oci net.spo; do
        "$SYSRECCTL" merge -q -n net --format="$f" -o "$WORK/re-$in.$f" "$WORK/$in"
        if cmp -s "$WORK/re-$in.$f" "$WORK/net.$f"; then
            pass "$f: $in read back and written again is byte-identical to GetProfile($f)"
        else
            fail "$f: $in read back and written again is byte-identical to GetProfile($f)" \
                "$(diff <(cat -v "$WORK/re-$in.$f") <(cat -v "$WORK/net.$f") | head -5)"
        fi
    done
done
names=$(profile_names "$WORK/net.json")
if has bind "$names" && has listen "$names" && has uname "$names" &&
    jq -e '[.syscalls[] | select(.names == ["socket"]) | .args[0]] == [{"index":0,"value":2,"valueTwo":0,"op":"SCMP_CMP_EQ"}]' \
        "$WORK/net.json" >/dev/null; then
    pass "the oci profile allows bind, listen, uname, and socket only for AF_INET (an EQ rule on arg0)"
else
    fail "the oci profile allows bind, listen, uname, socket(AF_INET) by an argument rule" "$(jq -c .syscalls "$WORK/net.json" | head -c 600)"
fi

# ---------------------------------------------------------------------------------------
echo "== (b) bpf: bubblewrap --seccomp"
"$SYSRECCTL" profile net --format=bpf -o "$WORK/net-cli.bpf"
expect_eq "sysrecctl profile --format=bpf -o writes the raw program (= base64-decoded GetProfile)" \
    "$(cmp "$WORK/net-cli.bpf" "$WORK/net.bpf" && echo same) $(($(stat -c %s "$WORK/net.bpf") % 8))" "same 0"
RC=0
bwrap_run "$WORK/net.bpf" "$WORKLOAD" net >"$WORK/bw.out" 2>&1 || RC=$?
expect_eq "bwrap --seccomp: fmt-workload runs under its recorded bpf profile" \
    "$RC $(cut -d' ' -f1,2 "$WORK/bw.out")" "0 net: listening"
without_syscall "$WORK/net.json" "$WORK/nobind.json" bind
"$SYSRECCTL" merge -q --format=bpf -o "$WORK/nobind.bpf" "$WORK/nobind.json"
RC=0
bwrap_run "$WORK/nobind.bpf" "$WORKLOAD" net >"$WORK/bw-nobind.out" 2>&1 || RC=$?
expect_eq "bwrap --seccomp: without bind, fmt-workload fails with EPERM" \
    "$RC $(cat "$WORK/bw-nobind.out")" "1 bind: Operation not permitted"
RC=0
bwrap_run "$WORK/net.bpf" "$WORKLOAD" net --probe unix --probe packet >"$WORK/bw-probe.out" 2>&1 || RC=$?
expect_eq "bwrap --seccomp: socket(AF_UNIX) and socket(AF_PACKET), never recorded, are denied by the argument rules" \
    "$RC $(grep probe "$WORK/bw-probe.out" | tr '\n' ' ')" \
    "3 probe unix: Operation not permitted probe packet: Operation not permitted "
RC=0
bwrap --ro-bind / / --dev /dev --proc /proc "$WORKLOAD" net --probe unix --probe packet >"$WORK/bw-free.out" 2>&1 || RC=$?
expect_eq "control: without the filter both sockets open" "$RC" 0
RC=0
"$SYSRECCTL" record --daemon -q -n recbpf --format=bpf -o "$WORK/rec.bpf" -- "$WORKLOAD" net >/dev/null 2>&1 || RC=$?
if ((RC == 0)) && [[ "$(head -c 4 "$WORK/rec.bpf" | od -An -tx1 | tr -d ' ')" != "" ]] &&
    ! grep -qa '^[A-Za-z0-9+/=]*$' "$WORK/rec.bpf" && bwrap_run "$WORK/rec.bpf" "$WORKLOAD" net >/dev/null 2>&1; then
    pass "sysrecctl record --format=bpf writes a raw program bwrap enforces ($(stat -c %s "$WORK/rec.bpf") bytes)"
else
    fail "sysrecctl record --format=bpf writes a raw program bwrap enforces (rc $RC)"
fi

# ---------------------------------------------------------------------------------------
echo "== (c) spo: the CRD schema"
if find_spo_crd; then
    check "GetProfile(spo) is valid against $SPO_CRD" "$PYTHON" "$VALIDATE_SPO" "$SPO_CRD" "$WORK/net.spo"
    expect_eq "spo: metadata.name is the recording name, kind SeccompProfile, no defaultErrnoRet" \
        "$("$PYTHON" -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(d["metadata"]["name"], d["kind"], d["apiVersion"], "defaultErrnoRet" in d["spec"])' "$WORK/net.spo")" \
        "net SeccompProfile security-profiles-operator.x-k8s.io/v1 False"
    # break KIND EXPECTED-PATH PYTHON-STATEMENT: a broken copy must be refused, naming the path.
    break_spo() {
        local kind=$1 where=$2 stmt=$3 out
        "$PYTHON" -c "import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
s = d['spec']
$stmt
yaml.safe_dump(d, open(sys.argv[2], 'w'), sort_keys=False)" "$WORK/net.spo" "$WORK/broken-$kind.yaml"
        out=$("$PYTHON" "$VALIDATE_SPO" "$SPO_CRD" "$WORK/broken-$kind.yaml" 2>&1)
        if (($? == 1)) && grep -qF "$where" <<<"$out"; then
            pass "validator refuses a profile with $kind: $(grep -F "$where" <<<"$out" | head -1 | cut -d: -f2- | cut -c1-90)"
        else
            fail "validator refuses a profile with $kind at $where" "$out"
        fi
        out=$("$SYSRECCTL" diff "$WORK/broken-$kind.yaml" "$WORK/net.spo" 2>&1)
        if (($? == 2)) && grep -qF "$where" <<<"$out"; then
            pass "sysrecctl's importer refuses it too: $(head -1 <<<"$out" | cut -c1-110)"
        else
            fail "sysrecctl's importer refuses the profile with $kind, naming $where" "$out"
        fi
    }
    break_spo "a string index" "spec.syscalls[1].args[0].index" "s['syscalls'][1]['args'][0]['index'] = '0'"
    break_spo "an unknown action" "spec.syscalls[0].action" "s['syscalls'][0]['action'] = 'SCMP_ACT_PERMIT'"
    break_spo "no names" "spec.syscalls[0].names" "del s['syscalls'][0]['names']"
    break_spo "a duplicate architecture" "spec.architectures[1]" "s['architectures'].append('SCMP_ARCH_X86_64')"
    break_spo "an unknown field" "spec.defaultErrnoRet" "s['defaultErrnoRet'] = 1"
    break_spo "a negative value" "spec.syscalls[1].args[0].value" "s['syscalls'][1]['args'][0]['value'] = -1"
    break_spo "no defaultAction" "spec.defaultAction" "del s['defaultAction']"
else
    fail "the SPO CRD (shared/reference/spo-crds/seccompprofile.yaml) is available"
fi

# ---------------------------------------------------------------------------------------
echo "== (d) merge, diff, verify; i386 + x86-64"
rec() { # rec NAME OUT CMD...: sysrecctl record through sysrecd
    local name=$1 out=$2
    shift 2
    "$SYSRECCTL" record --daemon -q -n "$name" -o "$out" -- "$@" >"$out.log" 2>&1
}
rec net2 "$WORK/net2.json" "$WORKLOAD" net
rec netunix "$WORK/netunix.json" "$WORKLOAD" net --probe unix
RC=0
"$SYSRECCTL" diff "$WORK/net.json" "$WORK/net.spo" >"$WORK/diff2.out" 2>&1 || RC=$?
expect_eq "diff of the oci and spo profiles of one recording: exit 0" "$RC $(tail -1 "$WORK/diff2.out")" \
    "0 The profiles allow the same syscalls."
RC=0
"$SYSRECCTL" diff "$WORK/net2.json" "$WORK/netunix.json" >"$WORK/diff3.out" 2>&1 || RC=$?
if ((RC == 1)) && grep -q '~ socket: +AF_UNIX$' "$WORK/diff3.out" && ! grep -q '^  [+-]' "$WORK/diff3.out"; then
    pass "diff shows an argument difference: $(grep '~ socket' "$WORK/diff3.out" | sed 's/^ *//')"
else
    fail "diff of two runs differing in one socket family shows only ~ socket: +AF_UNIX" "rc $RC" "$(cat "$WORK/diff3.out")"
fi
for pair in "net2.json netunix.json 1" "netunix.json net2.json 0"; do
    read -r a b want <<<"$pair"
    RC=0
    "$SYSRECCTL" merge --check "$WORK/$a" "$WORK/$b" >"$WORK/check.out" 2>&1 || RC=$?
    expect_eq "merge --check $a $b: exit $want" "$RC" "$want"
done
"$SYSRECCTL" merge --check "$WORK/net2.json" "$WORK/netunix.json" >"$WORK/check.out" 2>&1
expect_eq "merge --check net2 netunix names the missing argument (and nothing else)" "$(grep '^missing' "$WORK/check.out")" \
    "missing: x86_64  socket(AF_UNIX)"
RC=0
"$SYSRECCTL" verify --profile="$WORK/nobind.json" -- "$WORKLOAD" net --probe packet >"$WORK/vnb.out" 2>&1 || RC=$?
if ((RC == 1)) && grep -q '^  x86_64 *bind$' "$WORK/vnb.out" && grep -q '^  x86_64 *socket(AF_PACKET)$' "$WORK/vnb.out" &&
    grep -q '^probe packet: ok$' "$WORK/vnb.out" && grep -q '^net: listening' "$WORK/vnb.out"; then
    pass "verify: bind and socket(AF_PACKET) reported, and both calls went through"
else
    fail "verify reports bind and socket(AF_PACKET) and lets them run" "rc $RC" "$(cat "$WORK/vnb.out")"
fi
if kernel_runs_i386 "$WORKLOAD32"; then
    rec c32 "$WORK/c32.json" "$WORKLOAD32"
    expect_eq "i386 program recorded: architectures, and getppid/uname allowed" \
        "$(jq -c .architectures "$WORK/c32.json") $(grep -c ok "$WORK/c32.json.log")" \
        '["SCMP_ARCH_X86_64","SCMP_ARCH_X86"] 1'
    rec mix "$WORK/mix.json" sh -c "$WORKLOAD net && $WORKLOAD32"
    "$SYSRECCTL" merge -q -o "$WORK/union.json" "$WORK/net.json" "$WORK/c32.json"
    expect_eq "merge net.json c32.json: both ABIs, bind and i386-only names" \
        "$(jq -c .architectures "$WORK/union.json") $(has bind "$(profile_names "$WORK/union.json")" && echo bind)" \
        '["SCMP_ARCH_X86_64","SCMP_ARCH_X86"] bind'
    RC=0
    "$SYSRECCTL" diff "$WORK/net.json" "$WORK/union.json" >"$WORK/diff.out" 2>&1 || RC=$?
    if ((RC == 1)) && grep -q '^x86:$' "$WORK/diff.out" && grep -q '^  + getppid$' "$WORK/diff.out" &&
        grep -q '^  + uname$' "$WORK/diff.out"; then
        pass "diff net union: exit 1, the i386 calls listed under x86 ($(grep -c '^  [+-]' "$WORK/diff.out") lines)"
    else
        fail "diff net union: exit 1 with x86: + getppid, + uname" "rc $RC" "$(cat "$WORK/diff.out")"
    fi
    for pair in "union.json net.json 0" "union.json c32.json 0" "mix.json c32.json 0" "c32.json mix.json 1"; do
        read -r a b want <<<"$pair"
        RC=0
        "$SYSRECCTL" merge --check "$WORK/$a" "$WORK/$b" >"$WORK/check.out" 2>&1 || RC=$?
        expect_eq "merge --check $a $b: exit $want" "$RC" "$want"
    done
    "$SYSRECCTL" merge --check "$WORK/net.json" "$WORK/c32.json" >"$WORK/check.out" 2>&1
    if grep -q '^missing: x86 *getppid$' "$WORK/check.out" && grep -q '^missing: x86 *uname$' "$WORK/check.out"; then
        pass "merge --check net c32 lists the i386 calls net lacks"
    else
        fail "merge --check net c32 lists missing: x86 getppid, uname" "$(cat "$WORK/check.out")"
    fi
    "$SYSRECCTL" merge -q -o "$WORK/union2.json" "$WORK/union.json" "$WORK/net.json" "$WORK/c32.json"
    expect_eq "merge is idempotent: union ∪ its inputs = union" "$(cmp "$WORK/union.json" "$WORK/union2.json" && echo same)" same

    RC=0
    "$SYSRECCTL" verify --profile="$WORK/net.json" -- "$WORKLOAD32" >"$WORK/v32.out" 2>&1 || RC=$?
    if ((RC == 1)) && grep -q '^  x86 *getppid$' "$WORK/v32.out" && grep -q '^  x86 *uname$' "$WORK/v32.out" &&
        grep -q '^compat32: ok$' "$WORK/v32.out"; then
        pass "verify: i386 calls under an x86-64 profile reported per ABI; the program ran unharmed"
    else
        fail "verify --profile net.json -- fmt-compat32 reports x86 getppid, uname" "rc $RC" "$(cat "$WORK/v32.out")"
    fi
    RC=0
    "$SYSRECCTL" verify --profile="$WORK/union.json" -- "$WORKLOAD32" >"$WORK/v32u.out" 2>&1 || RC=$?
    expect_eq "verify: under the merged profile nothing of the i386 program is denied (exit 0)" \
        "$RC $(tail -1 "$WORK/v32u.out")" "0 Under '$WORK/union.json' nothing would have been denied."
    RC=0
    "$SYSRECCTL" verify --profile="$WORK/mix.json" -- sh -c "$WORKLOAD net && $WORKLOAD32" >"$WORK/vmix.out" 2>&1 || RC=$?
    expect_eq "verify: the mixed run under its own recording: nothing denied" "$RC $(tail -1 "$WORK/vmix.out")" \
        "0 Under '$WORK/mix.json' nothing would have been denied."
    "$SYSRECCTL" merge -q --format=bpf -o "$WORK/union.bpf" "$WORK/union.json"
    "$SYSRECCTL" merge -q --format=bpf -o "$WORK/netonly.bpf" "$WORK/net.json"
    RC=0
    bwrap_run "$WORK/union.bpf" "$WORKLOAD32" >"$WORK/bw32.out" 2>&1 || RC=$?
    expect_eq "bwrap enforces the merged profile: the i386 program runs" "$RC $(cat "$WORK/bw32.out")" "0 compat32: ok"
    RC=0
    bwrap_run "$WORK/netonly.bpf" "$WORKLOAD32" >"$WORK/bw32n.out" 2>&1 || RC=$?
    expect_eq "bwrap: under the x86-64-only profile the i386 program is killed (SIGSYS, 128+31)" "$RC" 159

else
    for d in "i386 program recorded" "merge with an i386 recording" "diff against it" \
        "merge --check of i386 recordings (5)" "verify of the i386 program (3)" "bwrap runs it under the merged profile" \
        "bwrap kills it under an x86-64-only profile"; do
        skip_kernel "$d" "$I386_UNAVAILABLE"
    done
fi

check_summary
