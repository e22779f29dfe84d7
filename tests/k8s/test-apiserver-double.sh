#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The API server double is only worth its tests if it behaves like kube-apiserver where
# the sidecar relies on it. The real kubectl checks that here: discovery, CRDs, CRUD,
# validation and defaulting from the CRD schemas, label and field selectors, chunked
# lists, watches, the status subresource, optimistic concurrency, finalizers, graceful
# pod deletion, bearer tokens, TLS with the test CA and RBAC. curl checks the raw watch
# protocol (bookmarks, 410 Gone). The sidecar's own API client is checked against it
# with a kubeconfig: it verifies the server's certificate and authenticates.
#
# Prints PASS/FAIL per check and "N passed, N failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/k8s/lib.sh
source "$HERE/lib.sh"

if ! command -v kubectl >/dev/null; then
    echo "SKIP: kubectl is not installed"
    exit 77
fi
trap cleanup_run EXIT
k8s_env_setup
D=$K8S_TEST_DIR
API=/apis/security-profiles-operator.x-k8s.io/v1

# curl_api [CURL ARGS...] PATH: an admin request
curl_api() {
    local path=${*: -1}
    curl -sS --cacert "$K8S_PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "${@:1:$#-1}" "$APISERVER_URL$path"
}

sp_manifest() {
    local name=$1 extra=${2:-}
    cat <<EOF
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: $name
  labels:
    team: ${3:-blue}
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [read, write, exit_group]
$extra
EOF
}

# --- discovery and CRDs ------------------------------------------------------------------

k8s_check "kubectl version reaches the server" bash -c "kubectl version | grep -q 'Server Version: v1.32'"
k8s_check "kubectl api-resources: profilerecordings (namespaced), seccompprofiles (sp, cluster)" bash -c "
    kubectl api-resources --api-group=security-profiles-operator.x-k8s.io --no-headers |
        awk '{print \$1, \$2, \$(NF-1)}' | sort | tr '\n' ';' |
        grep -qx 'profilerecordings security-profiles-operator.x-k8s.io/v1 true;seccompprofiles sp false;'"
k8s_check "kubectl get crd lists both CRDs from deploy/crds" bash -c "
    test \"\$(kubectl get crd -o name | sort | tr '\n' ' ')\" = 'customresourcedefinition.apiextensions.k8s.io/profilerecordings.security-profiles-operator.x-k8s.io customresourcedefinition.apiextensions.k8s.io/seccompprofiles.security-profiles-operator.x-k8s.io '"
k8s_check "the short name works: kubectl get sp" bash -c "kubectl get sp >/dev/null 2>&1"

# --- create, defaults, validation -------------------------------------------------------

k8s_check "kubectl create -f a SeccompProfile" bash -c "$(declare -f sp_manifest); sp_manifest p1 | kubectl create -f - >/dev/null"
k8s_check "the schema's default is applied (spec.state: Enabled)" \
    test "$(kubectl get sp p1 -o jsonpath='{.spec.state}')" = Enabled
k8s_check "an enum violation is refused (422 Invalid)" bash -c "
    $(declare -f sp_manifest); sp_manifest bad | sed 's/SCMP_ACT_ERRNO/SCMP_ACT_BOGUS/' | kubectl create -f - 2>&1 | grep -q 'Unsupported value'"
k8s_check "an unknown field is refused (fieldValidation=Strict)" bash -c "
    $(declare -f sp_manifest); sp_manifest bad '  bogusField: 1' | kubectl create -f - 2>&1 | grep -q 'unknown field \"spec.bogusField\"'"
k8s_check "... and pruned with --validate=false" bash -c "
    $(declare -f sp_manifest); sp_manifest pruned '  bogusField: 1' | kubectl create --validate=false -f - >/dev/null &&
    test -z \"\$(kubectl get sp pruned -o jsonpath='{.spec.bogusField}')\""
k8s_check "a required field is enforced (spec.defaultAction)" bash -c "
    $(declare -f sp_manifest); sp_manifest bad | grep -v defaultAction | kubectl create -f - 2>&1 | grep -q 'Required value'"
k8s_check "a name that is no DNS subdomain is refused" bash -c "
    $(declare -f sp_manifest); sp_manifest Bad_Name | kubectl create -f - 2>&1 | grep -q 'RFC 1123'"
k8s_check "AlreadyExists" bash -c "$(declare -f sp_manifest); sp_manifest p1 | kubectl create -f - 2>&1 | grep -q AlreadyExists"
k8s_check "server-side dry run stores nothing" bash -c "
    $(declare -f sp_manifest); sp_manifest dry | kubectl create --dry-run=server -f - >/dev/null && ! kubectl get sp dry >/dev/null 2>&1"

# --- selectors, chunked lists -----------------------------------------------------------

sp_manifest p2 "" red | kubectl create -f - >/dev/null
sp_manifest p3 "" red | kubectl create -f - >/dev/null
k8s_check "label selector team=red" test "$(kubectl get sp -l team=red -o name | wc -l)" -eq 2
k8s_check "label selector 'team in (blue),team!=red'" \
    test "$(kubectl get sp -l 'team in (blue),team!=red' -o name | tr '\n' ' ')" = "seccompprofile.security-profiles-operator.x-k8s.io/p1 seccompprofile.security-profiles-operator.x-k8s.io/pruned "
k8s_check "field selector metadata.name=p2" test "$(kubectl get sp --field-selector metadata.name=p2 -o name)" = \
    seccompprofile.security-profiles-operator.x-k8s.io/p2
k8s_check "chunked list (--chunk-size=1) returns every object" test "$(kubectl get sp --chunk-size=1 -o name | wc -l)" -eq 4
k8s_check "... through limit/continue" test "$(audit_count '.query | contains("continue=")')" -ge 3

# --- watch --------------------------------------------------------------------------------

kubectl get sp -w -o name >"$D/watch.out" 2>&1 &
WATCH_PID=$!
cleanup_add kill_quiet "$WATCH_PID"
sleep 1
sp_manifest p4 | kubectl create -f - >/dev/null
k8s_check "kubectl get sp -w sees a new object" wait_for 10 grep -q p4 "$D/watch.out"
kubectl label sp p4 watched=yes >/dev/null
kubectl delete sp p4 >/dev/null
k8s_check "... and its deletion (a watch event per change)" wait_for 10 bash -c "test \$(grep -c p4 '$D/watch.out') -ge 3"
kill "$WATCH_PID" 2>/dev/null || true

RV=$(kubectl get sp p1 -o jsonpath='{.metadata.resourceVersion}')
curl_api -N -m 3 "$API/seccompprofiles?watch=1&allowWatchBookmarks=true&resourceVersion=$RV&timeoutSeconds=2" \
    >"$D/raw-watch.out" || true
k8s_check "raw watch from a resourceVersion replays what came after it" bash -c "
    jq -r 'select(.type == \"ADDED\") | .object.metadata.name' '$D/raw-watch.out' | grep -qx p2"
k8s_check "... sends bookmarks (allowWatchBookmarks)" bash -c "jq -r .type '$D/raw-watch.out' | grep -qx BOOKMARK"
k8s_check "... chunked (Transfer-Encoding: chunked)" bash -c "
    curl -sS -D - -o /dev/null -m 2 --cacert '$K8S_PKI/ca.crt' -H 'Authorization: Bearer $ADMIN_TOKEN' \
        '$APISERVER_URL$API/seccompprofiles?watch=1&timeoutSeconds=1' | grep -qi 'transfer-encoding: chunked'"
apiserver_hook compact >/dev/null
curl_api -N -m 3 "$API/seccompprofiles?watch=1&resourceVersion=$RV" >"$D/gone.out" || true
k8s_check "a watch from a compacted resourceVersion gets an ERROR event with 410 Gone" bash -c "
    jq -e 'select(.type == \"ERROR\") | .object.code == 410 and .object.reason == \"Expired\"' '$D/gone.out' >/dev/null"

# --- update, status, conflicts, generation ---------------------------------------------

GEN=$(kubectl get sp p1 -o jsonpath='{.metadata.generation}')
kubectl patch sp p1 --type=merge -p '{"spec":{"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["read"]}]}}' >/dev/null
k8s_check "a spec change increments metadata.generation" \
    test "$(kubectl get sp p1 -o jsonpath='{.metadata.generation}')" -eq $((GEN + 1))
kubectl patch sp p1 --type=merge -p '{"status":{"status":"Installed"}}' >/dev/null 2>&1 || true
k8s_check "the main resource ignores status changes (status subresource)" \
    test -z "$(kubectl get sp p1 -o jsonpath='{.status.status}')"
kubectl patch sp p1 --subresource=status --type=merge -p '{"status":{"status":"Installed","localhostProfile":"operator/p1.json"}}' >/dev/null
k8s_check "kubectl patch --subresource=status sets it" test "$(kubectl get sp p1 -o jsonpath='{.status.status}')" = Installed
k8s_check "... without changing the generation" test "$(kubectl get sp p1 -o jsonpath='{.metadata.generation}')" -eq $((GEN + 1))
kubectl get sp p1 -o json >"$D/p1.json"
kubectl label sp p1 changed=yes >/dev/null
k8s_check "kubectl replace with a stale resourceVersion: 409 Conflict" bash -c "
    kubectl replace -f '$D/p1.json' 2>&1 | grep -q 'the object has been modified'"
k8s_check "kubectl apply (client-side, merge patch) updates" bash -c "
    $(declare -f sp_manifest); sp_manifest p2 '' green | kubectl apply -f - >/dev/null 2>&1 &&
    test \"\$(kubectl get sp p2 -o jsonpath='{.metadata.labels.team}')\" = green"

# --- finalizers and graceful deletion ----------------------------------------------------

kubectl patch sp p3 --type=merge -p '{"metadata":{"finalizers":["example.com/hold"]}}' >/dev/null
kubectl delete sp p3 --wait=false >/dev/null
k8s_check "an object with a finalizer stays, with a deletionTimestamp" bash -c "
    test -n \"\$(kubectl get sp p3 -o jsonpath='{.metadata.deletionTimestamp}')\""
kubectl patch sp p3 --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]' >/dev/null
k8s_check "... and goes once the finalizer is removed" wait_for 5 bash -c "! kubectl get sp p3 >/dev/null 2>&1"
cat >"$D/pod.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: graceful
spec:
  nodeName: nowhere
  containers:
  - {name: c, image: x, resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}}
EOF
kubectl create -f "$D/pod.yaml" >/dev/null
k8s_check "pods get status.qosClass from their resources (Guaranteed)" \
    test "$(kubectl get pod graceful -o jsonpath='{.status.qosClass}')" = Guaranteed
k8s_check "field selector spec.nodeName on pods" test "$(kubectl get pods --field-selector spec.nodeName=nowhere -o name)" = pod/graceful
kubectl delete pod graceful --wait=false >/dev/null
k8s_check "a bound pod is deleted gracefully: it stays with a deletionTimestamp" bash -c "
    test -n \"\$(kubectl get pod graceful -o jsonpath='{.metadata.deletionTimestamp}')\""
kubectl delete pod graceful --grace-period=0 --force >/dev/null 2>&1
k8s_check "... until deleted with gracePeriodSeconds=0 (the kubelet's part)" bash -c "! kubectl get pod graceful >/dev/null 2>&1"

# --- authentication, TLS, RBAC -----------------------------------------------------------

kubeconfig_write "$D/wrong-token.kubeconfig" not-a-token
k8s_check "an unknown bearer token is Unauthorized" bash -c "
    kubectl --kubeconfig '$D/wrong-token.kubeconfig' get sp 2>&1 | grep -qi Unauthorized"
k8s_check "no token at all is Unauthorized (401)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$K8S_PKI/ca.crt" "$APISERVER_URL$API/seccompprofiles")" = 401
sed "s|certificate-authority-data: .*|certificate-authority-data: $(base64 -w0 <"$K8S_PKI/other-ca.crt")|" \
    "$KUBECONFIG" >"$D/other-ca.kubeconfig"
k8s_check "a client trusting another CA refuses the server (kubectl)" bash -c "
    kubectl --kubeconfig '$D/other-ca.kubeconfig' get sp 2>&1 | grep -q 'certificate'"
kubeconfig_write "$D/sa.kubeconfig" "$SIDECAR_TOKEN" sysrec
k8s_check "the sidecar's service account may list seccompprofiles (deploy/rbac.yaml)" bash -c \
    "kubectl --kubeconfig '$D/sa.kubeconfig' get sp >/dev/null"
k8s_check "... may not delete profilerecordings" bash -c "
    kubectl --kubeconfig '$D/sa.kubeconfig' delete profilerecording x -n default 2>&1 | grep -q Forbidden"
k8s_check "... may not read configmaps" bash -c "
    kubectl --kubeconfig '$D/sa.kubeconfig' get configmaps -A 2>&1 | grep -q Forbidden"
k8s_check "... may not patch pods" bash -c "
    kubectl --kubeconfig '$D/sa.kubeconfig' annotate pod x a=b -n default 2>&1 | grep -q -E 'Forbidden|NotFound|forbidden'"

# --- the sidecar's own client: kubeconfig, TLS verification, token --------------------

mkdir -p "$D/sidecar-kc"
run_sidecar() {
    local kc=$1 log=$2
    env -u KUBECONFIG DBUS_SYSTEM_BUS_ADDRESS=unix:path=$D/no-bus "$SIDECAR_BIN" --kubeconfig="$kc" \
        --node-name=node-x --kubelet-dir="$D/sidecar-kc/kubelet" --state-dir="$D/sidecar-kc/state" \
        --log-level=debug --max-backoff=0.5 >"$log" 2>&1 &
    echo $!
}
PID=$(run_sidecar "$D/sa.kubeconfig" "$D/sidecar-ok.log")
cleanup_add kill_quiet "$PID"
k8s_check "the sidecar lists and watches with a kubeconfig (token, CA data)" \
    wait_for 10 grep -q "Informer seccompprofiles: watching" "$D/sidecar-ok.log"
k8s_check "... as its service account" wait_for 10 bash -c "
    test \$(jq -c 'select(.user == \"system:serviceaccount:sysrec:sysrec-k8s-sync\" and .watch)' '$D/api/audit.log' | wc -l) -ge 3"
# The other sidecar's last requests must be in the log before it is counted.
pid_stop "$PID"
audit_settle || echo "note: the audit log was still growing after 10 s"
sed "s|certificate-authority-data: .*|certificate-authority-data: $(base64 -w0 <"$K8S_PKI/other-ca.crt")|" \
    "$D/sa.kubeconfig" >"$D/sa-other-ca.kubeconfig"
BEFORE=$(audit_count 'true')
PID=$(run_sidecar "$D/sa-other-ca.kubeconfig" "$D/sidecar-badca.log")
cleanup_add kill_quiet "$PID"
k8s_check "the sidecar refuses a server its CA did not sign" \
    wait_for 10 grep -qi "certificate" "$D/sidecar-badca.log"
k8s_check "... and sends it nothing (no request reached the server)" test "$(audit_count 'true')" -eq "$BEFORE"
k8s_check "... and keeps retrying, backing off" wait_for 10 bash -c "test \$(grep -c 'Failed to list' '$D/sidecar-badca.log') -ge 3"
kill "$PID" 2>/dev/null || true

# --- deploy/ ------------------------------------------------------------------------------

k8s_check "kubectl apply -k deploy/ (namespace, CRDs, RBAC, DaemonSet)" bash -c "
    kubectl apply -k '$SYSREC_SRC/deploy/' >/dev/null &&
    kubectl get daemonset sysrec-k8s-sync -n sysrec -o jsonpath='{.spec.template.spec.serviceAccountName}' | grep -qx sysrec-k8s-sync"

# --- restart ------------------------------------------------------------------------------

RV=$(kubectl get sp p1 -o jsonpath='{.metadata.resourceVersion}')
apiserver_restart
k8s_check "the double keeps its objects across a restart" test "$(kubectl get sp p1 -o jsonpath='{.metadata.resourceVersion}')" = "$RV"
curl_api -N -m 3 "$API/seccompprofiles?watch=1&resourceVersion=$((RV - 1))" >"$D/gone2.out" || true
k8s_check "... but not its watch history: older versions are Gone" bash -c "
    jq -e 'select(.type == \"ERROR\") | .object.code == 410' '$D/gone2.out' >/dev/null"

check_summary
