#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# spec.baseProfileName end to end on one node: the API server double (real kubectl),
# the node double, real sysrecd and the real sidecar, and runc enforcing the file the
# sidecar installs.
#
#   1. a pod running the probe is recorded; "app" is that profile without sysinfo and
#      getitimer, with baseProfileName "app-base" (which adds sysinfo and has a base,
#      "app-base2", of its own)
#   2. while a base is missing, "app" is not installed (status Pending, reason
#      BaseProfileMissing on this node); once the chain exists, the node file holds
#      the union and the probe's sysinfo runs under it with runc, its getitimer is
#      denied
#   3. a changed base (app-base2 gains getitimer) re-installs "app": getitimer runs
#   4. a cycle and an oci:// base: status Error with the reason, no file
#   5. the base deleted: "app" keeps its last complete file and says the base is missing;
#      deleting "app" removes the file and this node's finalizer
#
# Root only. Prints PASS/FAIL per check and "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/k8s/lib.sh
source "$HERE/lib.sh"

k8s_test_begin
NODE=node-a
node_start "$NODE" cgroupfs /sysreck8sbase containerd
KDIR=${NODE_KUBELET_DIR[$NODE]}/seccomp/operator
D=$K8S_TEST_DIR
node_wait_synchronized "$NODE"
probe_build "$D/probe"

# node_condition NAME: "<reason> <message>" of this node's condition
node_condition() {
    kubectl get sp "$1" -o json | jq -r --arg t "node.sysrec.io/$NODE" \
        '.status.conditions[]? | select(.type == $t) | "\(.reason) \(.message)"'
}

# status_is NAME STATUS REASON: status.status and this node's condition reason
status_is() {
    test "$(kubectl get sp "$1" -o jsonpath='{.status.status}')" = "$2" &&
        node_condition "$1" | grep -q "^$3 "
}

# run_probe PROFILE_FILE ARGS...: the probe in a runc container under the profile
CONTAINERS=0
run_probe() {
    local file=$1 rc=0
    shift
    CONTAINERS=$((CONTAINERS + 1))
    runc_bundle "$D/enforce-$CONTAINERS" /sysreck8sbase-enforce "$file" \
        --bind "$D/probe:/probe" -- /probe/probe "$@" >/dev/null || return 1
    runc_run "k8s-base-$CONTAINERS" "$D/enforce-$CONTAINERS" >"$D/enforce-$CONTAINERS.log" 2>&1 || rc=$?
    cgroup_remove /sysreck8sbase-enforce || true
    if ((rc != 0)); then
        echo "  the probe ($*) under $file: exit status $rc: $(cat "$D/enforce-$CONTAINERS.log")" >&2
    fi
    return "$rc"
}
cleanup_add cgroup_remove /sysreck8sbase-enforce

# denied FILE ARGS...: the probe ran and reported a denied syscall (exit status 3)
denied() {
    local rc=0
    run_probe "$@" || rc=$?
    ((rc == 3))
}

# condition_says NAME TEXT: this node's condition message mentions TEXT
condition_says() {
    node_condition "$1" | grep -qF -- "$2"
}

# file_allows FILE SYSCALL...: the node file allows every SYSCALL
file_allows() {
    local f=$1 s
    shift
    for s in "$@"; do
        jq -e --arg s "$s" '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index($s)' \
            "$f" >/dev/null || return 1
    done
}

# ---------------------------------------------------------------------------------------
# 1. a recorded profile to build on
# ---------------------------------------------------------------------------------------

cat >"$D/rec.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: base-rec
spec:
  kind: SeccompProfile
  recorder: Bpf
  podSelector:
    matchLabels: {app: base}
EOF
kubectl create -f "$D/rec.yaml" >/dev/null
probe_pod "$D/pod.yaml" base- '{"app":"base"}' Never '[{"name":"w","args":["quick","sysinfo","itimer"]}]'
POD=$(kubectl create -f "$D/pod.yaml" -o jsonpath='{.metadata.name}')
REC=base-rec-w-$(pod_suffix "$POD" base-)
k8s_check "the probe's pod is recorded" wait_for 30 sp_has "$REC" sysinfo getitimer execve
k8s_check "... and installed on the node" wait_for 10 test -s "$KDIR/$REC.json"
kubectl delete pod "$POD" --wait=false >/dev/null

# "app": the recording without sysinfo and getitimer, on top of app-base. runc's init is
# a Go program that loads the filter before it executes the probe; when the Go runtime
# preempts it in between (more likely on a busy machine), it signals itself and returns
# from the handler: calls that the recording may not have seen, and without which the
# container dies of SIGSEGV. They are added, so that only the probe's calls decide.
kubectl get sp "$REC" -o json | jq '
    {apiVersion, kind, metadata: {name: "app"},
     spec: (.spec | .baseProfileName = "app-base"
                  | .syscalls = [.syscalls[] | .names -= ["sysinfo", "getitimer"]
                                 | select(.names | length > 0)]
                  | .syscalls += [{action: "SCMP_ACT_ALLOW",
                                   names: ["futex", "getpid", "gettid", "madvise", "nanosleep",
                                           "rt_sigprocmask", "rt_sigreturn", "sched_yield",
                                           "sigaltstack", "tgkill"]}])}' >"$D/app.json"
jq '.spec | {defaultAction, architectures, syscalls}' "$D/app.json" >"$D/app-alone.json"
k8s_check "without its bases the profile denies the probe's sysinfo (runc)" denied "$D/app-alone.json" sysinfo

# ---------------------------------------------------------------------------------------
# 2. missing bases, then the chain
# ---------------------------------------------------------------------------------------

kubectl create -f "$D/app.json" >/dev/null
k8s_check "base missing: status Pending, reason BaseProfileMissing" wait_for 10 status_is app Pending BaseProfileMissing
k8s_check "... the message names app-base" condition_says app '"app-base"'
k8s_check "... and no node file" test ! -e "$KDIR/app.json"

cat >"$D/app-base.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: app-base
spec:
  defaultAction: SCMP_ACT_ERRNO
  baseProfileName: app-base2
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [sysinfo]
EOF
kubectl create -f "$D/app-base.yaml" >/dev/null
k8s_check "the base's own base missing: still Pending, the message names app-base2" \
    wait_for 10 condition_says app '"app-base2"'
k8s_check "... status Pending" status_is app Pending BaseProfileMissing
k8s_check "... no node file" test ! -e "$KDIR/app.json"

cat >"$D/app-base2.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: app-base2
spec:
  defaultAction: SCMP_ACT_ERRNO
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [uname]
EOF
kubectl create -f "$D/app-base2.yaml" >/dev/null
k8s_check "the chain exists: app is installed" wait_for 10 test -s "$KDIR/app.json"
k8s_check "... status Installed, localhostProfile operator/app.json" wait_for 10 bash -c "
    test \"\$(kubectl get sp app -o jsonpath='{.status.status} {.status.localhostProfile}')\" = 'Installed operator/app.json'"
k8s_check "... this node's condition: Installed at the file's path" \
    test "$(node_condition app)" = "Installed $KDIR/app.json"
k8s_check "the file holds the union of the chain: sysinfo (app-base), uname (app-base2)" \
    file_allows "$KDIR/app.json" sysinfo uname execve
k8s_check "... the profile's own defaultAction and architectures" bash -c "
    diff <(jq -S '{defaultAction, architectures}' '$KDIR/app.json') <(jq -S '.spec | {defaultAction, architectures}' '$D/app.json')"
k8s_check "... but not getitimer, which no profile of the chain allows" \
    test "$(jq '[.syscalls[].names[]] | index("getitimer")' "$KDIR/app.json")" = null
k8s_check "the spec stored in the API server is unchanged (the union is the node's)" \
    test "$(kubectl get sp app -o json | jq '[.spec.syscalls[].names[]] | index("sysinfo")')" = null
k8s_check "runc: the probe's sysinfo runs under the installed file" run_probe "$KDIR/app.json" quick sysinfo
k8s_check "runc: its getitimer is denied" denied "$KDIR/app.json" itimer

# ---------------------------------------------------------------------------------------
# 3. a changed base
# ---------------------------------------------------------------------------------------

kubectl patch sp app-base2 --type=merge \
    -p '{"spec":{"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["uname","getitimer"]}]}}' >/dev/null
k8s_check "a base two steps down changes: app is installed again with getitimer" \
    wait_for 10 file_allows "$KDIR/app.json" getitimer sysinfo uname
k8s_check "runc: now the probe's getitimer runs too" run_probe "$KDIR/app.json" quick sysinfo itimer
k8s_check "app-base itself is installed with its own base's syscalls" \
    file_allows "$KDIR/app-base.json" sysinfo getitimer

# ---------------------------------------------------------------------------------------
# 4. a cycle, an oci:// base
# ---------------------------------------------------------------------------------------

for pair in cyc-a:cyc-b cyc-b:cyc-c cyc-c:cyc-a; do
    kubectl create -f - >/dev/null <<EOF
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: ${pair%%:*}
spec:
  defaultAction: SCMP_ACT_ERRNO
  baseProfileName: ${pair#*:}
  syscalls:
  - {action: SCMP_ACT_ALLOW, names: [read]}
EOF
done
for p in cyc-a cyc-b cyc-c; do
    k8s_check "a cycle of three: $p has status Error, reason BaseProfileCycle" \
        wait_for 10 status_is $p Error BaseProfileCycle
done
k8s_check "... the message shows the cycle" condition_says cyc-a 'cyc-a -> cyc-b -> cyc-c -> cyc-a'
k8s_check "... and nothing is installed" bash -c "! ls '$KDIR' | grep -q cyc-"
kubectl create -f - >/dev/null <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: remote
spec:
  defaultAction: SCMP_ACT_ERRNO
  baseProfileName: oci://ghcr.io/security-profiles/runc:v1.1.5
EOF
k8s_check "an oci:// base: status Error, reason BaseProfileNotSupported" \
    wait_for 10 status_is remote Error BaseProfileNotSupported
k8s_check "... the message says why" condition_says remote registries
k8s_check "... and no file" test ! -e "$KDIR/remote.json"
kubectl patch sp cyc-c --type=json -p '[{"op":"remove","path":"/spec/baseProfileName"}]' >/dev/null
k8s_check "breaking the cycle installs the profiles" wait_for 10 test -s "$KDIR/cyc-a.json" -a -s "$KDIR/cyc-c.json"

# ---------------------------------------------------------------------------------------
# 5. the base goes, then the profile
# ---------------------------------------------------------------------------------------

kubectl delete sp app-base2 >/dev/null
k8s_check "base deleted: app says so (Pending, BaseProfileMissing)" \
    wait_for 10 status_is app Pending BaseProfileMissing
k8s_check "... and keeps its last complete file" file_allows "$KDIR/app.json" getitimer sysinfo
k8s_check "this node holds its finalizer on app" bash -c "
    kubectl get sp app -o jsonpath='{.metadata.finalizers}' | grep -q '\"$NODE-deleted\"'"
k8s_check "kubectl delete sp app: the file is removed and the profile goes" bash -c "
    kubectl delete sp app --timeout=20s >/dev/null && ! kubectl get sp app >/dev/null 2>&1 && test ! -e '$KDIR/app.json'"
k8s_check "the deleted base's file is gone too" test ! -e "$KDIR/app-base2.json"
k8s_check "the sidecar's RBAC was enough: it was never refused" \
    test "$(audit_count '.code == 403 and (.user | startswith("system:serviceaccount:"))')" -eq 0

check_summary
