#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Two nodes, one cluster: mergeStrategy: Containers. Each node has its own sysrecd
# (own bus), its own kubelet double (node-a: cgroupfs + containerd, node-b: systemd +
# CRI-O, different cgroup roots and kubelet dirs) and its own sidecar. Replicas of a pod
# run on both nodes; each node turns its replica into partial profiles; deleting the
# ProfileRecording merges them into one profile per container, which both nodes
# install. Both sidecars write the recording's status and finalizers at the same time,
# and the API server double injects 409 Conflicts on top. Each node reports its install
# as a condition and a finalizer of its own; deleting a profile waits for every node.
# The merged profiles carry each node's complete.sysrec.io condition of the partial ones.
#
# Root only. Prints PASS/FAIL per check and "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/k8s/lib.sh
source "$HERE/lib.sh"

k8s_test_begin
D=$K8S_TEST_DIR
node_start node-a cgroupfs /sysreck8sa containerd
node_start node-b systemd /sysreck8sb.slice crio
node_wait_synchronized node-a
node_wait_synchronized node-b
probe_build "$D/probe"
FLAGS=$D/probe/flags
mkdir -p "$FLAGS"

cat >"$D/merge.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: merge-rec
spec:
  kind: SeccompProfile
  recorder: Bpf
  mergeStrategy: Containers
  podSelector:
    matchLabels:
      app: replica
EOF
k8s_check "kubectl create -f merge.yaml" kubectl create -f "$D/merge.yaml"

# The same pod on both nodes; the worker container does a node-specific syscall.
probe_pod "$D/replica-a.yaml" replica- '{"app":"replica"}' Never \
    '[{"name":"worker","args":["wait","/probe/flags/go","sysinfo"]},{"name":"helper","args":["quick"]}]' node-a
probe_pod "$D/replica-b.yaml" replica- '{"app":"replica"}' Never \
    '[{"name":"worker","args":["wait","/probe/flags/go","itimer"]},{"name":"helper","args":["quick"]}]' node-b
PA=$(kubectl create -f "$D/replica-a.yaml" -o jsonpath='{.metadata.name}')
PB=$(kubectl create -f "$D/replica-b.yaml" -o jsonpath='{.metadata.name}')
SA=$(pod_suffix "$PA" replica-)
SB=$(pod_suffix "$PB" replica-)
UB=$(kubectl get pod "$PB" -o jsonpath='{.metadata.uid}')
UA=$(kubectl get pod "$PA" -o jsonpath='{.metadata.uid}')

k8s_check "both replicas run" wait_for 20 bash -c "
    test \"\$(kubectl get pod $PA $PB -o jsonpath='{.items[*].status.phase}')\" = 'Running Running'"
k8s_check "node-a: cgroupfs pod cgroup, containerd leaf named by container id" bash -c "
    id=\$(kubectl get pod $PA -o jsonpath='{.status.containerStatuses[0].containerID}')
    test -d '$(cgroup2_mount)/sysreck8sa/kubepods/besteffort/pod$UA/'\${id#containerd://}"
k8s_check "node-b: systemd pod slice, CRI-O scope named by container id" bash -c "
    id=\$(kubectl get pod $PB -o jsonpath='{.status.containerStatuses[0].containerID}')
    test -d '$(cgroup2_mount)/sysreck8sb.slice/sysreck8sb-kubepods.slice/sysreck8sb-kubepods-besteffort.slice/sysreck8sb-kubepods-besteffort-pod${UB//-/_}.slice/crio-'\${id#cri-o://}.scope"
k8s_check "activeWorkloads lists the replicas of both nodes" wait_for 15 bash -c "
    test \"\$(kubectl get profilerecording merge-rec -o jsonpath='{.status.activeWorkloads[*]}')\" = \"\$(printf '%s\n' $PA $PB | sort | tr '\n' ' ' | sed 's/ \$//')\""

# Two conflicts for the next writes of the recording's finalizers: both sidecars retry.
apiserver_hook inject '{"method": "PUT", "path": "/profilerecordings/merge-rec$", "code": 409, "count": 2}' >/dev/null
touch "$FLAGS/go"
k8s_check "both replicas succeed" wait_for 20 bash -c "
    test \"\$(kubectl get pod $PA $PB -o jsonpath='{.items[*].status.phase}')\" = 'Succeeded Succeeded'"
for p in "merge-rec-worker-$SA" "merge-rec-worker-$SB" "merge-rec-helper-$SA" "merge-rec-helper-$SB"; do
    k8s_check "partial profile $p" wait_for 20 bash -c \
        "kubectl get sp $p -o jsonpath='{.metadata.labels}' | grep -q '\"spo.x-k8s.io/partial\":\"true\"'"
done
k8s_check "partial profiles have status Partial" wait_for 10 bash -c "
    test \"\$(kubectl get sp -l spo.x-k8s.io/partial=true -o jsonpath='{.items[*].status.status}')\" = 'Partial Partial Partial Partial'"
k8s_check "partial profiles are not installed on the nodes" bash -c "
    ! ls '${NODE_KUBELET_DIR[node-a]}/seccomp/operator/' '${NODE_KUBELET_DIR[node-b]}/seccomp/operator/' | grep -q merge-rec"
k8s_check "the recording holds the finalizer spo.x-k8s.io/has-unmerged-profiles" bash -c "
    kubectl get profilerecording merge-rec -o jsonpath='{.metadata.finalizers}' | grep -q has-unmerged-profiles"
k8s_check "the injected 409 Conflicts were answered" \
    test "$(audit_count '.code == 409 and (.path | endswith("/profilerecordings/merge-rec"))')" -ge 2
k8s_check "... and the sidecars retried until the finalizer was written" bash -c "
    kubectl get profilerecording merge-rec -o jsonpath='{.metadata.finalizers}' | grep -q has-unmerged-profiles &&
    grep -q 'Conflict updating' '$D/node-a/sidecar.log' '$D/node-b/sidecar.log'"
k8s_check "activeWorkloads is empty once both replicas ended" wait_for 10 bash -c "
    test -z \"\$(kubectl get profilerecording merge-rec -o jsonpath='{.status.activeWorkloads}')\""

kubectl delete pod "$PA" "$PB" --wait=false >/dev/null
# Two conflicts for the next status writes of a merged profile: each node keeps its own.
apiserver_hook inject '{"method": "PUT", "path": "/seccompprofiles/merge-rec-worker/status$", "code": 409, "count": 2}' >/dev/null
k8s_check "kubectl delete profilerecording merge-rec: the finalizer is released" bash -c "
    kubectl delete profilerecording merge-rec --timeout=30s >/dev/null && ! kubectl get profilerecording merge-rec >/dev/null 2>&1"
k8s_check "one merged profile per container" wait_for 10 bash -c "
    test \"\$(kubectl get sp -l spo.x-k8s.io/recording-id=merge-rec -o name | sort | tr '\n' ' ')\" = \
         'seccompprofile.security-profiles-operator.x-k8s.io/merge-rec-helper seccompprofile.security-profiles-operator.x-k8s.io/merge-rec-worker '"
k8s_check "the merged worker profile holds both nodes' syscalls" sp_has merge-rec-worker sysinfo getitimer execve
k8s_check "the merged helper profile holds the helper's" sp_has merge-rec-helper getpriority times
k8s_check "... and not the worker's" sp_lacks merge-rec-helper sysinfo getitimer
k8s_check "merged profiles are not partial" bash -c "
    ! kubectl get sp merge-rec-worker -o jsonpath='{.metadata.labels}' | grep -q partial"
for n in node-a node-b; do
    k8s_check "merge-rec-worker is installed on $n" wait_for 10 test -s "${NODE_KUBELET_DIR[$n]}/seccomp/operator/merge-rec-worker.json"
    k8s_check "merge-rec-helper is installed on $n" wait_for 10 test -s "${NODE_KUBELET_DIR[$n]}/seccomp/operator/merge-rec-helper.json"
done
k8s_check "both nodes' files are the same profile" \
    cmp "${NODE_KUBELET_DIR[node-a]}/seccomp/operator/merge-rec-worker.json" \
    "${NODE_KUBELET_DIR[node-b]}/seccomp/operator/merge-rec-worker.json"
k8s_check "the merged profiles are Installed" wait_for 10 bash -c "
    test \"\$(kubectl get sp merge-rec-worker merge-rec-helper -o jsonpath='{.items[*].status.status}')\" = 'Installed Installed'"
k8s_check "each merged profile was created once" created_once merge-rec-worker merge-rec-helper

# Per-node status: a condition and a finalizer per node, none clobbering the other.
node_condition() {
    sp_condition "$1" "node.sysrec.io/$2"
}
for n in node-a node-b; do
    for p in merge-rec-worker merge-rec-helper; do
        k8s_check "$p: $n's condition says Installed at $n's path" wait_for 10 \
            test "$(node_condition $p $n)" = "True Installed ${NODE_KUBELET_DIR[$n]}/seccomp/operator/$p.json"
    done
done
for n in node-a node-b; do
    for p in merge-rec-worker merge-rec-helper; do
        k8s_check "$p carries $n's complete condition over from its partial profiles" wait_for 10 \
            sp_condition_matches "$p" "complete.sysrec.io/$n" '^True Complete $'
    done
done
k8s_check "the status conflicts were answered, and both nodes' conditions survived them" \
    test "$(audit_count '.code == 409 and (.path | endswith("/seccompprofiles/merge-rec-worker/status"))')" -ge 2
k8s_check "Ready is True, and status.path is left out: the nodes' paths differ" bash -c "
    kubectl get sp merge-rec-worker -o json |
        jq -e '([.status.conditions[] | select(.type == \"Ready\")][0].status == \"True\") and (.status.path == null)'"
k8s_check "each node holds its finalizer <node>-deleted" bash -c "
    test \"\$(kubectl get sp merge-rec-worker -o json | jq -r '.metadata.finalizers | sort | join(\" \")')\" = 'node-a-deleted node-b-deleted'"

# Deleting a profile while node-b's sidecar is away: it waits for node-b.
node_sidecar_stop node-b
kubectl delete sp merge-rec-helper --wait=false >/dev/null
k8s_check "delete with node-b away: node-a removes its file" \
    wait_for 10 test ! -e "${NODE_KUBELET_DIR[node-a]}/seccomp/operator/merge-rec-helper.json"
k8s_check "... and its finalizer; node-b's keeps the profile, Terminating" wait_for 10 bash -c "
    kubectl get sp merge-rec-helper -o json |
        jq -e '(.metadata.finalizers == [\"node-b-deleted\"]) and (.status.status == \"Terminating\")'"
k8s_check "... node-b's file is still there" test -s "${NODE_KUBELET_DIR[node-b]}/seccomp/operator/merge-rec-helper.json"
node_sidecar_start node-b
k8s_check "node-b back: its file is removed and the profile is gone" wait_for 20 bash -c "
    test ! -e '${NODE_KUBELET_DIR[node-b]}/seccomp/operator/merge-rec-helper.json' &&
    ! kubectl get sp merge-rec-helper >/dev/null 2>&1"
k8s_check "kubectl delete sp merge-rec-worker (both nodes up): both files go, then the profile" bash -c "
    kubectl delete sp merge-rec-worker --timeout=20s >/dev/null &&
    test ! -e '${NODE_KUBELET_DIR[node-a]}/seccomp/operator/merge-rec-worker.json' &&
    test ! -e '${NODE_KUBELET_DIR[node-b]}/seccomp/operator/merge-rec-worker.json'"
k8s_check "both sysrecd keep no pod recording" bash -c "
    for b in '${NODE_BUS[node-a]}' '${NODE_BUS[node-b]}'; do
        if DBUS_SYSTEM_BUS_ADDRESS=\$b busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings | grep -q k8s-; then
            exit 1
        fi
    done"
# A node that leaves the cluster for good does not hold deleted profiles forever.
kubectl create -f - >/dev/null <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: plain
spec:
  defaultAction: SCMP_ACT_ERRNO
  syscalls:
  - {action: SCMP_ACT_ALLOW, names: [read, write, exit_group]}
EOF
k8s_check "a profile created with kubectl is installed on both nodes" wait_for 10 bash -c "
    test -s '${NODE_KUBELET_DIR[node-a]}/seccomp/operator/plain.json' &&
    test -s '${NODE_KUBELET_DIR[node-b]}/seccomp/operator/plain.json' &&
    test \"\$(kubectl get sp plain -o jsonpath='{.status.status}')\" = Installed"
node_sidecar_stop node-b
kill_quiet "${NODE_KUBELET_PID[node-b]}"
wait "${NODE_KUBELET_PID[node-b]}" 2>/dev/null || true
NODE_KUBELET_PID[node-b]=
kubectl delete node node-b >/dev/null
k8s_check "node-b removed from the cluster: deleting a profile does not wait for it" bash -c "
    kubectl delete sp plain --timeout=20s >/dev/null && ! kubectl get sp plain >/dev/null 2>&1 &&
    test ! -e '${NODE_KUBELET_DIR[node-a]}/seccomp/operator/plain.json'"
k8s_check "... node-a's sidecar released node-b's finalizer" \
    grep -q "node node-b left the cluster; removed its finalizer node-b-deleted" "$D/node-a/sidecar.log"
k8s_check "no sidecar was refused by RBAC" \
    test "$(audit_count '.code == 403 and (.user | startswith("system:serviceaccount:"))')" -eq 0

check_summary
