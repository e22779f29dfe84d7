#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sysrecd's workloads against the pods bound to the node, through restarts: the API
# server double (real kubectl), the node double, real sysrecd and the real sidecar.
#
#   1. every pod bound to the node is a workload (ListWorkloads), once
#   2. the sidecar is away while a pod goes and another comes, and sysrecd holds a
#      stale workload of the sidecar's kind and one somebody else registered: the
#      restarted sidecar unregisters the stale ones, registers the new pod, leaves the
#      foreign workload alone
#   3. sysrecd restarts while a pod goes and another comes: the same
#   4. a pod recorded through both restarts gets one profile with what it did before
#      and after them
#
# Root only. Prints PASS/FAIL per check and "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/k8s/lib.sh
source "$HERE/lib.sh"

k8s_test_begin
NODE=node-a
ROOT=/sysreck8swl
node_start "$NODE" cgroupfs "$ROOT" containerd
D=$K8S_TEST_DIR
node_wait_synchronized "$NODE"
probe_build "$D/probe"
FLAGS=$D/probe/flags
mkdir -p "$FLAGS"
cleanup_add touch "$FLAGS/all"

# workloads [all]: sorted ids of sysrecd's workloads registered for pods (labels carry
# the pod uid), or of all of them
workloads() {
    node_busctl "$NODE" --json=short call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListWorkloads |
        jq -r --arg all "${1:-}" '.data[0][] | select($all != "" or .[2]["io.kubernetes.pod.uid"] == .[0]) | .[0]' |
        sort
}

# pods_bound: sorted uids of the pods bound to the node that have not ended
pods_bound() {
    kubectl get pods -o json | jq -r --arg n "$NODE" '.items[] | select(.spec.nodeName == $n)
        | select(.status.phase != "Succeeded" and .status.phase != "Failed") | .metadata.uid' | sort
}

# workloads_match: sysrecd's pod workloads are exactly the pods bound to the node, none twice
workloads_match() {
    local w p
    w=$(workloads)
    p=$(pods_bound)
    [[ -n "$p" && "$w" == "$p" ]] && [[ -z "$(workloads all | uniq -d)" ]]
}

has_workload() {
    workloads all | grep -qx "$1"
}

lacks_workload() {
    ! has_workload "$1"
}

uid_of() {
    kubectl get pod "$1" -o jsonpath='{.metadata.uid}'
}

new_pod() {
    local name=$1 labels=$2 args=$3
    probe_pod "$D/$name.yaml" "$name-" "$labels" Never "[{\"name\":\"w\",\"args\":$args}]"
    kubectl create -f "$D/$name.yaml" -o jsonpath='{.metadata.name}'
}

cat >"$D/rec.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: wl-rec
spec:
  kind: SeccompProfile
  recorder: Bpf
  podSelector:
    matchLabels: {app: wl-rec}
EOF
kubectl create -f "$D/rec.yaml" >/dev/null

# ---------------------------------------------------------------------------------------
# 1. pods are workloads
# ---------------------------------------------------------------------------------------

P1=$(new_pod p1 '{"app":"plain"}' '["wait","/probe/flags/all"]')
P2=$(new_pod p2 '{"app":"plain"}' '["wait","/probe/flags/all"]')
P3=$(new_pod p3 '{"app":"wl-rec"}' '["sysinfo","wait","/probe/flags/p3","itimer","wait","/probe/flags/p3b","quick"]')
k8s_check "three pods run" wait_for 30 bash -c "
    test \"\$(kubectl get pod $P1 $P2 $P3 -o jsonpath='{.items[*].status.phase}')\" = 'Running Running Running'"
k8s_check "ListWorkloads: the three pods, once each" wait_for 10 workloads_match
k8s_check "... with the pod's labels and identity" bash -c "
    DBUS_SYSTEM_BUS_ADDRESS='${NODE_BUS[$NODE]}' busctl --json=short call org.sysrec1 /org/sysrec1 \
        org.sysrec1.Manager ListWorkloads |
    jq -e --arg u '$(uid_of "$P3")' --arg n '$P3' '.data[0][] | select(.[0] == \$u) |
        .[2] | (.app == \"wl-rec\" and .[\"io.kubernetes.pod.name\"] == \$n and .[\"io.kubernetes.pod.namespace\"] == \"default\")'"
k8s_check "the recorded pod is recorded" wait_for 10 bash -c "
    grep -q 'Recording pod default/$P3' '$D/$NODE/sidecar.log'"

# ---------------------------------------------------------------------------------------
# 2. the sidecar away while pods come and go
# ---------------------------------------------------------------------------------------

STALE=00000000-0000-4000-8000-00000000dead
node_sidecar_stop "$NODE"
node_busctl "$NODE" call org.sysrec1 /org/sysrec1 org.sysrec1.Manager RegisterWorkload 'ssa{ss}' \
    "$STALE" "$ROOT/kubepods/besteffort/pod$STALE" 2 io.kubernetes.pod.uid "$STALE" app plain >/dev/null
node_busctl "$NODE" call org.sysrec1 /org/sysrec1 org.sysrec1.Manager RegisterWorkload 'ssa{ss}' \
    foreign-1 /sysreck8swl-foreign 1 team other >/dev/null
U1=$(uid_of "$P1")
kubectl delete pod "$P1" --wait=false >/dev/null
k8s_check "sidecar away: a pod is deleted" wait_for 30 pod_gone "$P1"
P4=$(new_pod p4 '{"app":"plain"}' '["wait","/probe/flags/all"]')
wait_for 30 pod_phase_is "$P4" Running || true
k8s_check "... sysrecd still has the deleted pod's workload" has_workload "$U1"
SYNCED=$(grep -c Synchronized "$D/$NODE/sidecar.log")
node_sidecar_start "$NODE"
wait_for 15 bash -c "test \$(grep -c Synchronized '$D/$NODE/sidecar.log') -gt $SYNCED" || true
k8s_check "sidecar restarted: ListWorkloads is the pods bound now (gone one out, new one in), once each" \
    wait_for 10 workloads_match
k8s_check "... the stale workload of a pod that does not exist is unregistered" lacks_workload "$STALE"
k8s_check "... the workload somebody else registered is left alone" has_workload foreign-1
k8s_check "... and the sidecar said what it did" \
    grep -q "Unregistered workload $U1" "$D/$NODE/sidecar.log"
touch "$FLAGS/p3"
# the probe polls every 20 ms: let it make its getitimer while sysrecd is up (without
# --pin-dir, what a workload does while sysrecd is down is not recorded)
sleep 0.5

# ---------------------------------------------------------------------------------------
# 3. sysrecd restarts while pods come and go
# ---------------------------------------------------------------------------------------

node_sysrecd_stop "$NODE"
U2=$(uid_of "$P2")
kubectl delete pod "$P2" --wait=false >/dev/null
k8s_check "sysrecd away: a pod is deleted" wait_for 30 pod_gone "$P2"
P5=$(new_pod p5 '{"app":"plain"}' '["wait","/probe/flags/all"]')
wait_for 30 pod_phase_is "$P5" Running || true
node_sysrecd_start "$NODE"
k8s_check "sysrecd restarted: ListWorkloads is the pods bound now, once each" wait_for 15 workloads_match
k8s_check "... not the pod deleted meanwhile" lacks_workload "$U2"
k8s_check "... the recorded pod is recorded again" wait_for 10 bash -c "
    DBUS_SYSTEM_BUS_ADDRESS='${NODE_BUS[$NODE]}' busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager \
        ListRecordings | grep -q '\"recording\"'"

# ---------------------------------------------------------------------------------------
# 4. the recorded pod's profile: complete, once
# ---------------------------------------------------------------------------------------

touch "$FLAGS/p3b"
PROFILE=wl-rec-w-$(pod_suffix "$P3" p3-)
k8s_check "the pod recorded through both restarts gets its profile" wait_for 30 kubectl get sp "$PROFILE"
k8s_check "... with what it did before and after the restarts" \
    wait_for 10 sp_has "$PROFILE" sysinfo getitimer getpriority times
k8s_check "... created once" created_once "$PROFILE"
k8s_check "the ended pod's workload is unregistered too" wait_for 10 workloads_match
touch "$FLAGS/all"
k8s_check "the sidecar's RBAC was enough: it was never refused" \
    test "$(audit_count '.code == 403 and (.user | startswith("system:serviceaccount:"))')" -eq 0

check_summary
