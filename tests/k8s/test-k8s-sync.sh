#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# sysrec-k8s-sync end to end on one node: the API server double (real kubectl drives
# it), the node double (kubelet naming, runc containers), real sysrecd with real BPF,
# and the real sidecar.
#
#   1. seed: kubectl create -f recording.yaml (podSelector app: nginx); an nginx pod;
#      demo/client.sh exercises it; the pod is deleted; the SeccompProfile
#      <recording>-nginx-<suffix> holds the syscalls nginx made and is installed as
#      <kubelet-dir>/seccomp/operator/<name>.json; status.activeWorkloads followed it
#   2. a container that exits after 10 ms is recorded completely; matchExpressions
#      select pods, the containers filter selects containers, other pods are left alone
#   3. publish: a recording started over D-Bus with publish=true becomes a SeccompProfile
#      with a True complete.sysrec.io/<node> condition; one whose kernel state sysrecd lost
#      (kill -9 of a sysrecd without pins) gets it False, naming the recording
#   4. restarts: the sidecar and sysrecd restarted while a pod records, the API server
#      double restarted mid-watch, a forced 410 Gone while the sidecar missed events:
#      every profile is there once
#
# Root only. Prints PASS/FAIL per check and "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/k8s/lib.sh
source "$HERE/lib.sh"
# shellcheck source=demo/workload.sh
source "$SYSREC_SRC/demo/workload.sh"

k8s_test_begin
NODE=node-a
node_start "$NODE" systemd /sysreck8s.slice containerd
KDIR=${NODE_KUBELET_DIR[$NODE]}
D=$K8S_TEST_DIR
node_wait_synchronized "$NODE"

probe_build "$D/probe"

# ---------------------------------------------------------------------------------------
# 1. the seed scenario: nginx
# ---------------------------------------------------------------------------------------

cat >"$D/recording.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: test-recording
spec:
  kind: SeccompProfile
  recorder: Bpf
  podSelector:
    matchLabels:
      app: nginx
EOF
k8s_check "kubectl create -f recording.yaml (an operator manifest, unchanged)" \
    kubectl create -f "$D/recording.yaml"
k8s_check "the ProfileRecording got the CRD's defaults (mergeStrategy None)" \
    test "$(kubectl get profilerecording test-recording -o jsonpath='{.spec.mergeStrategy}')" = None

PORT=$(demo_free_port)
WEB=$D/web
demo_prepare_webroot "$WEB/www"
demo_write_nginx_conf "$WEB/nginx.conf" "$PORT" "$WEB"
cat >"$D/nginx-pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  generateName: nginx-
  labels:
    app: nginx
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: nginx
    image: nginx:1.22
    command: ["/usr/sbin/nginx", "-c", "$WEB/nginx.conf"]
    resources:
      requests: {cpu: 100m, memory: 64Mi}
    volumeMounts:
    - {name: web, mountPath: $WEB}
  volumes:
  - name: web
    hostPath: {path: $WEB}
EOF
NGINX_POD=$(kubectl create -f "$D/nginx-pod.yaml" -o jsonpath='{.metadata.name}')
NGINX_PROFILE=test-recording-nginx-$(pod_suffix "$NGINX_POD" nginx-)
k8s_check "the nginx pod runs and serves" wait_for 20 demo_wait_port "$PORT" 1
k8s_check "activeWorkloads lists the pod while it is recorded" wait_for 10 bash -c \
    "kubectl get profilerecording test-recording -o jsonpath='{.status.activeWorkloads}' | grep -q '$NGINX_POD'"
k8s_check "demo/client.sh exercises nginx" "$SYSREC_SRC/demo/client.sh" "$PORT"
k8s_check "the pod cgroup uses the systemd driver's kubelet name" \
    test -d "$(cgroup2_mount)/sysreck8s.slice/sysreck8s-kubepods.slice/sysreck8s-kubepods-burstable.slice/sysreck8s-kubepods-burstable-pod$(kubectl get pod "$NGINX_POD" -o jsonpath='{.metadata.uid}' | tr - _).slice"
kubectl delete pod "$NGINX_POD" --wait=false >/dev/null
k8s_check "the pod is deleted (graceful: the kubelet stops it first)" wait_for 30 pod_gone "$NGINX_POD"
k8s_check "kubectl get seccompprofile $NGINX_PROFILE" wait_for 20 kubectl get seccompprofile "$NGINX_PROFILE"
kubectl get seccompprofile "$NGINX_PROFILE" -o yaml >"$D/nginx-profile.yaml" || true
k8s_check "the profile holds the syscalls nginx made serving the client" \
    sp_has "$NGINX_PROFILE" accept4 sendfile writev epoll_wait recvfrom openat setsockopt
k8s_check "... and what it made stopping (SIGTERM from the kubelet)" sp_has "$NGINX_PROFILE" rt_sigsuspend exit_group
k8s_check "... only its own: not what the probe makes" sp_lacks "$NGINX_PROFILE" getitimer times
k8s_check "the profile carries the operator's labels" bash -c "
    kubectl get sp -l spo.x-k8s.io/recording-id=test-recording,spo.x-k8s.io/recording-namespace=default,spo.x-k8s.io/container-id=nginx -o name | grep -qx seccompprofile.security-profiles-operator.x-k8s.io/$NGINX_PROFILE"
k8s_check "the profile is installed on the node" wait_for 10 test -s "$KDIR/seccomp/operator/$NGINX_PROFILE.json"
k8s_check "the node file is the profile's OCI seccomp JSON" bash -c "
    diff <(jq -S '{defaultAction, architectures, syscalls}' '$KDIR/seccomp/operator/$NGINX_PROFILE.json') \
         <(kubectl get sp '$NGINX_PROFILE' -o json | jq -S '.spec | {defaultAction, architectures, syscalls}')"
k8s_check "status: Installed, localhostProfile operator/$NGINX_PROFILE.json" wait_for 10 bash -c "
    test \"\$(kubectl get sp '$NGINX_PROFILE' -o jsonpath='{.status.status} {.status.localhostProfile}')\" = 'Installed operator/$NGINX_PROFILE.json'"
k8s_check "kubectl get sp shows the Status column" bash -c "kubectl get sp '$NGINX_PROFILE' | grep -q Installed"
k8s_check "activeWorkloads is empty again" wait_for 10 bash -c \
    "test -z \"\$(kubectl get profilerecording test-recording -o jsonpath='{.status.activeWorkloads}')\""
k8s_check "nginx runs under the recorded profile (runc, from the node file)" bash -c "
    source '$SYSREC_SRC/tests/lib/runc.sh'
    port=\$(bash -c 'source $SYSREC_SRC/demo/workload.sh; demo_free_port')
    source '$SYSREC_SRC/demo/workload.sh'
    demo_write_nginx_conf '$WEB/enforce.conf' \$port '$WEB'
    read -ra cmd <<<\"\$(demo_nginx_cmd '$WEB/enforce.conf')\"
    runc_bundle '$D/enforce' /sysreck8s-enforce '$KDIR/seccomp/operator/$NGINX_PROFILE.json' --bind '$WEB:$WEB:rw' -- \"\${cmd[@]}\" &&
    runc_run_detached k8s-enforce-nginx '$D/enforce' &&
    demo_wait_port \$port 10 && '$SYSREC_SRC/demo/client.sh' \$port >/dev/null; rc=\$?
    runc_kill_delete k8s-enforce-nginx; cgroup_remove /sysreck8s-enforce; exit \$rc"
k8s_check "the sidecar created the profile exactly once" created_once "$NGINX_PROFILE"

# ---------------------------------------------------------------------------------------
# 2. a container that lives 10 ms; selectors; the containers filter
# ---------------------------------------------------------------------------------------

cat >"$D/short.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: short
spec:
  kind: SeccompProfile
  recorder: Bpf
  containers: [quick]
  podSelector:
    matchExpressions:
    - {key: app, operator: In, values: [probe, other]}
    - {key: tier, operator: NotIn, values: [skip]}
    - {key: track, operator: Exists}
    - {key: legacy, operator: DoesNotExist}
EOF
kubectl create -f "$D/short.yaml" >/dev/null
probe_pod "$D/short-pod.yaml" short- '{"app":"probe","track":"yes"}' Never \
    '[{"name":"quick","args":["quick"]},{"name":"side","args":["itimer"]}]'
probe_pod "$D/skip-pod.yaml" skipped- '{"app":"probe","track":"yes","tier":"skip"}' Never \
    '[{"name":"quick","args":["quick"]}]'
probe_pod "$D/legacy-pod.yaml" legacy- '{"app":"probe","track":"yes","legacy":"1"}' Never \
    '[{"name":"quick","args":["quick"]}]'
SHORT_POD=$(kubectl create -f "$D/short-pod.yaml" -o jsonpath='{.metadata.name}')
SKIP_POD=$(kubectl create -f "$D/skip-pod.yaml" -o jsonpath='{.metadata.name}')
LEGACY_POD=$(kubectl create -f "$D/legacy-pod.yaml" -o jsonpath='{.metadata.name}')
SHORT_PROFILE=short-quick-$(pod_suffix "$SHORT_POD" short-)
k8s_check "the 10 ms pod succeeds" wait_for 20 bash -c "test \"\$(kubectl get pod $SHORT_POD -o jsonpath='{.status.phase}')\" = Succeeded"
k8s_check "its profile appears once the pod has Succeeded (no deletion needed)" \
    wait_for 20 kubectl get sp "$SHORT_PROFILE"
k8s_check "the 10 ms container is recorded completely: execve to exit_group" \
    sp_has "$SHORT_PROFILE" execve getpriority times clock_nanosleep exit_group
k8s_check "the containers filter: no profile for container 'side'" bash -c \
    "! kubectl get sp short-side-$(pod_suffix "$SHORT_POD" short-) >/dev/null 2>&1"
k8s_check "per container: the quick container's profile lacks the side container's getitimer" \
    sp_lacks "$SHORT_PROFILE" getitimer
wait_for 20 bash -c "test \"\$(kubectl get pod $SKIP_POD -o jsonpath='{.status.phase}')\" = Succeeded" || true
wait_for 20 bash -c "test \"\$(kubectl get pod $LEGACY_POD -o jsonpath='{.status.phase}')\" = Succeeded" || true
sleep 1
k8s_check "NotIn and DoesNotExist leave the other pods unrecorded" bash -c \
    "test \"\$(kubectl get sp -l spo.x-k8s.io/recording-id=short -o name | wc -l)\" -eq 1"
kubectl delete pod "$SHORT_POD" "$SKIP_POD" "$LEGACY_POD" --wait=false >/dev/null

# disableProfileAfterRecording: the profile is created Disabled and not installed
cat >"$D/disabled.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: disabled
spec:
  kind: SeccompProfile
  recorder: Bpf
  disableProfileAfterRecording: true
  podSelector:
    matchLabels: {app: disabled}
EOF
kubectl create -f "$D/disabled.yaml" >/dev/null
probe_pod "$D/disabled-pod.yaml" dis- '{"app":"disabled"}' Never '[{"name":"c","args":["quick"]}]'
DIS_POD=$(kubectl create -f "$D/disabled-pod.yaml" -o jsonpath='{.metadata.name}')
DIS_PROFILE=disabled-c-$(pod_suffix "$DIS_POD" dis-)
k8s_check "disableProfileAfterRecording: the profile has spec.state Disabled" wait_for 20 bash -c \
    "test \"\$(kubectl get sp $DIS_PROFILE -o jsonpath='{.spec.state}')\" = Disabled"
k8s_check "... status Disabled, and no node file" wait_for 10 bash -c "
    test \"\$(kubectl get sp $DIS_PROFILE -o jsonpath='{.status.status}')\" = Disabled &&
    test ! -e '$KDIR/seccomp/operator/$DIS_PROFILE.json'"
kubectl patch sp "$DIS_PROFILE" --type=merge -p '{"spec":{"state":"Enabled"}}' >/dev/null
k8s_check "... until an admin enables it: then it is installed" wait_for 10 test -s "$KDIR/seccomp/operator/$DIS_PROFILE.json"
kubectl delete pod "$DIS_POD" --wait=false >/dev/null

# ---------------------------------------------------------------------------------------
# 3. publish: a recording started on the node over D-Bus
# ---------------------------------------------------------------------------------------

mkdir -p "$(cgroup2_mount)/sysreck8s-publish"
cleanup_add cgroup_remove /sysreck8s-publish
node_busctl "$NODE" call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StartRecording 'sa{sv}a{sv}' \
    hand-made 1 cgroup s /sysreck8s-publish 2 publish b true metadata 'a{ss}' 1 name from-dbus >/dev/null
bash -c "echo \$BASHPID > $(cgroup2_mount)/sysreck8s-publish/cgroup.procs; exec $D/probe/probe sysinfo"
node_busctl "$NODE" call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s hand-made >/dev/null
k8s_check "a recording started with publish=true appears as a SeccompProfile" wait_for 10 kubectl get sp from-dbus
k8s_check "... with what it recorded" sp_has from-dbus sysinfo execve
k8s_check "... and a condition that it is complete" \
    wait_for 10 sp_condition_matches from-dbus "complete.sysrec.io/$NODE" '^True Complete $'
k8s_check "... labelled with the node" bash -c \
    "kubectl get sp -l sysrec.io/node=$NODE,sysrec.io/recording=hand-made -o name | grep -q from-dbus"
k8s_check "... and installed like every profile" wait_for 10 test -s "$KDIR/seccomp/operator/from-dbus.json"
node_sidecar_stop "$NODE"
PUBLISH_AUDIT=$(wc -l <"$D/api/audit.log")
node_sidecar_start "$NODE"
wait_for 15 bash -c "test \$(grep -c Synchronized '$D/$NODE/sidecar.log') -ge 2" || true
sleep 1
k8s_check "a restarted sidecar does not publish it again" bash -c "
    test \$(tail -n +$((PUBLISH_AUDIT + 1)) '$D/api/audit.log' |
             jq -c 'select(.method == \"PUT\" and (.path | endswith(\"/seccompprofiles/from-dbus\")))' | wc -l) -eq 0"
k8s_check "... it was created once" created_once from-dbus
kubectl delete sp from-dbus >/dev/null
k8s_check "a deleted profile's node file is removed" wait_for 10 bash -c "test ! -e '$KDIR/seccomp/operator/from-dbus.json'"

# 3b. sysrecd (without pins) killed while the recording runs: the profile says it may lack syscalls
mkdir -p "$(cgroup2_mount)/sysreck8s-lossy"
cleanup_add cgroup_remove /sysreck8s-lossy
node_busctl "$NODE" call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StartRecording 'sa{sv}a{sv}' \
    lossy 1 cgroup s /sysreck8s-lossy 2 publish b true metadata 'a{ss}' 1 name from-dbus-lossy >/dev/null
bash -c "echo \$BASHPID > $(cgroup2_mount)/sysreck8s-lossy/cgroup.procs; exec $D/probe/probe itimer"
node_sysrecd_kill "$NODE"
node_sysrecd_start "$NODE"
k8s_check "after kill -9 and a restart, sysrecd says the recording is incomplete" bash -c "
    DBUS_SYSTEM_BUS_ADDRESS='${NODE_BUS[$NODE]}' busctl get-property org.sysrec1 /org/sysrec1/recording/lossy \
        org.sysrec1.Recording Complete | grep -qx 'b false'"
bash -c "echo \$BASHPID > $(cgroup2_mount)/sysreck8s-lossy/cgroup.procs; exec $D/probe/probe sysinfo"
node_busctl "$NODE" call org.sysrec1 /org/sysrec1 org.sysrec1.Manager StopRecording s lossy >/dev/null
k8s_check "the incomplete recording is published" wait_for 10 kubectl get sp from-dbus-lossy
k8s_check "... with what it recorded after the restart" sp_has from-dbus-lossy sysinfo
k8s_check "... and a False complete condition naming the recording" wait_for 10 sp_condition_matches \
    from-dbus-lossy "complete.sysrec.io/$NODE" '^False KernelStateLost .*may lack syscalls: lossy$'
k8s_check "the sidecar logged it" grep -q "SeccompProfile from-dbus-lossy may lack syscalls: recording lossy" \
    "$D/$NODE/sidecar.log"
kubectl delete sp from-dbus-lossy >/dev/null

# ---------------------------------------------------------------------------------------
# 4. restarts: sidecar, sysrecd, API server (mid-watch), 410 Gone
# ---------------------------------------------------------------------------------------

cat >"$D/restarts.yaml" <<'EOF'
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: restarts
spec:
  kind: SeccompProfile
  recorder: Bpf
  podSelector:
    matchLabels: {app: restarts}
EOF
kubectl create -f "$D/restarts.yaml" >/dev/null
FLAGS=$D/probe/flags
mkdir -p "$FLAGS"

# 4a. the sidecar is down while a recorded pod ends
probe_pod "$D/r1.yaml" r1- '{"app":"restarts"}' Never \
    "[{\"name\":\"w\",\"args\":[\"sysinfo\",\"wait\",\"/probe/flags/r1\",\"itimer\"]}]"
R1=$(kubectl create -f "$D/r1.yaml" -o jsonpath='{.metadata.name}')
wait_for 20 bash -c "test \"\$(kubectl get pod $R1 -o jsonpath='{.status.phase}')\" = Running" || true
wait_for 10 bash -c "grep -q 'Recording pod default/$R1' '$D/$NODE/sidecar.log'" || true
node_sidecar_stop "$NODE"
touch "$FLAGS/r1"
wait_for 20 bash -c "test \"\$(kubectl get pod $R1 -o jsonpath='{.status.phase}')\" = Succeeded" || true
kubectl delete pod "$R1" --wait=false >/dev/null
wait_for 20 pod_gone "$R1" || true
node_sidecar_start "$NODE"
R1_PROFILE=restarts-w-$(pod_suffix "$R1" r1-)
k8s_check "sidecar restart: the pod that ended meanwhile gets its profile" wait_for 20 kubectl get sp "$R1_PROFILE"
k8s_check "... complete (before and after the sidecar went away)" sp_has "$R1_PROFILE" sysinfo getitimer exit_group

# 4b. sysrecd restarts while a pod records
probe_pod "$D/r2.yaml" r2- '{"app":"restarts"}' Never \
    "[{\"name\":\"w\",\"args\":[\"sysinfo\",\"wait\",\"/probe/flags/r2\",\"itimer\"]}]"
R2=$(kubectl create -f "$D/r2.yaml" -o jsonpath='{.metadata.name}')
# Restart sysrecd once the container is past its sysinfo and waits: what a sysrecd
# without --pin-dir misses while it is down is the restart's own window.
wait_for 20 pod_phase_is "$R2" Running || true
sleep 0.5
node_sysrecd_stop "$NODE"
node_sysrecd_start "$NODE"
k8s_check "sysrecd restart: the sidecar records the pod again" wait_for 10 bash -c \
    "DBUS_SYSTEM_BUS_ADDRESS='${NODE_BUS[$NODE]}' busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings | grep -q '\"recording\"'"
touch "$FLAGS/r2"
wait_for 20 bash -c "test \"\$(kubectl get pod $R2 -o jsonpath='{.status.phase}')\" = Succeeded" || true
R2_PROFILE=restarts-w-$(pod_suffix "$R2" r2-)
k8s_check "... and its profile is the union of before and after the restart" \
    wait_for 20 sp_has "$R2_PROFILE" sysinfo getitimer
kubectl delete pod "$R2" --wait=false >/dev/null

# 4c. the API server double restarts mid-watch
probe_pod "$D/r3.yaml" r3- '{"app":"restarts"}' Never \
    "[{\"name\":\"w\",\"args\":[\"wait\",\"/probe/flags/r3\",\"itimer\"]}]"
R3=$(kubectl create -f "$D/r3.yaml" -o jsonpath='{.metadata.name}')
wait_for 20 bash -c "grep -q 'Recording pod default/$R3' '$D/$NODE/sidecar.log'" || true
apiserver_stop
AUDIT_LINES=$(wc -l <"$D/api/audit.log")
sleep 2
apiserver_restart
k8s_check "API server restart: the sidecar's three watches came back" wait_for 20 bash -c \
    "test \$(tail -n +$((AUDIT_LINES + 1)) '$D/api/audit.log' | jq -r 'select(.agent | startswith(\"sysrec-k8s-sync\")) | select(.watch) | .path' | sort -u | wc -l) -ge 3"
touch "$FLAGS/r3"
R3_PROFILE=restarts-w-$(pod_suffix "$R3" r3-)
k8s_check "... and the pod that ended afterwards gets its profile" wait_for 20 sp_has "$R3_PROFILE" getitimer

# 4d. 410 Gone while the sidecar missed events
probe_pod "$D/r4.yaml" r4- '{"app":"restarts"}' Never \
    "[{\"name\":\"w\",\"args\":[\"wait\",\"/probe/flags/r4\",\"sysinfo\"]}]"
R4=$(kubectl create -f "$D/r4.yaml" -o jsonpath='{.metadata.name}')
wait_for 20 bash -c "grep -q 'Recording pod default/$R4' '$D/$NODE/sidecar.log'" || true
kill -STOP "${NODE_SIDECAR_PID[$NODE]}"
touch "$FLAGS/r4"
wait_for 20 bash -c "test \"\$(kubectl get pod $R4 -o jsonpath='{.status.phase}')\" = Succeeded" || true
kubectl delete pod "$R4" --wait=false >/dev/null
wait_for 20 pod_gone "$R4" || true
apiserver_hook compact >/dev/null
apiserver_hook close-watches >/dev/null
kill -CONT "${NODE_SIDECAR_PID[$NODE]}"
R4_PROFILE=restarts-w-$(pod_suffix "$R4" r4-)
k8s_check "410 Gone: the sidecar lists again" wait_for 20 grep -q "is gone" "$D/$NODE/sidecar.log"
k8s_check "... and the pod it only learns about from the new list gets its profile" \
    wait_for 20 sp_has "$R4_PROFILE" sysinfo exit_group

k8s_check "no profile lost: every pod of 'restarts' has its profile" bash -c "
    test \"\$(kubectl get sp -l spo.x-k8s.io/recording-id=restarts -o name | sort | tr '\n' ' ')\" = \
         \"\$(printf 'seccompprofile.security-profiles-operator.x-k8s.io/%s\n' $R1_PROFILE $R2_PROFILE $R3_PROFILE $R4_PROFILE | sort | tr '\n' ' ')\""
k8s_check "none duplicated: each created exactly once" \
    created_once "$R1_PROFILE" "$R2_PROFILE" "$R3_PROFILE" "$R4_PROFILE" "$SHORT_PROFILE" "$NGINX_PROFILE"
k8s_check "sysrecd keeps no pod recording once everything is collected" wait_for 10 bash -c "
    ! DBUS_SYSTEM_BUS_ADDRESS='${NODE_BUS[$NODE]}' busctl call org.sysrec1 /org/sysrec1 org.sysrec1.Manager ListRecordings | grep -q k8s-"
k8s_check "the sidecar's RBAC was enough: it was never refused" \
    test "$(audit_count '.code == 403 and (.user | startswith("system:serviceaccount:"))')" -eq 0

check_summary
