# shellcheck shell=bash
#
# tests/k8s/lib.sh — a Kubernetes control plane double for sysrec-k8s-sync's tests.
#
# Source it from a bash script running as root; it sources tests/lib/sysrecd.sh and
# tests/lib/runc.sh. Functions:
#   k8s_pki DIR                   test CA, a server certificate for 127.0.0.1/localhost,
#                                 and tokens.csv (admin in system:masters; the sidecar's
#                                 service account; a node user per node)
#   apiserver_start DIR [ARGS]    start tests/k8s/apiserver.py on a free port with its
#                                 state in DIR; sets APISERVER_URL, APISERVER_PID, KUBECONFIG
#                                 (admin) and exports it for kubectl
#   apiserver_stop                SIGTERM (then SIGKILL) the double
#   apiserver_restart [ARGS]      stop and start again on the same port and state file
#   apiserver_hook NAME [JSON]    POST /_test/NAME (compact, close-watches, inject)
#   kubeconfig_write FILE TOKEN [NAMESPACE]   a kubeconfig for another user
#   sa_dir_write DIR TOKEN NS     a service-account directory (token, ca.crt, namespace)
#   wait_for TIMEOUT CMD...       retry CMD every 0.1 s until it succeeds
#   k8s_check NAME CMD...         run CMD; print PASS/FAIL NAME and count the result
#   k8s_test_begin                the preconditions, cleanup and cluster of every test
#   node_wait_synchronized NAME   end the test unless NAME's sidecar synchronizes
#   check_summary                 print "N passed, N failed" and return non-zero on failure
#                                 (tests/lib/check.sh, with pass and fail)
#
# Every process it starts is registered with cleanup_add (tests/lib/runc.sh).

if [[ -n "${_SYSREC_K8S_LIB_SH:-}" ]]; then
    return 0
fi
_SYSREC_K8S_LIB_SH=1

K8S_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/lib/sysrecd.sh
source "$K8S_LIB_DIR/../lib/sysrecd.sh"
# shellcheck source=tests/lib/runc.sh
source "$K8S_LIB_DIR/../lib/runc.sh"
# shellcheck source=tests/lib/check.sh
source "$K8S_LIB_DIR/../lib/check.sh"
ADMIN_TOKEN=admin-token-0123456789abcdef
SIDECAR_TOKEN=sidecar-token-0123456789abcdef
SIDECAR_SA=system:serviceaccount:sysrec:sysrec-k8s-sync

k8s_pki() {
    local dir=$1
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
            -subj "/CN=sysrec-test-ca" >/dev/null 2>&1 || exit 1
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
            -subj "/CN=kube-apiserver" >/dev/null 2>&1 || exit 1
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' > san.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
            -out server.crt -days 2 -extfile san.ext >/dev/null 2>&1 || exit 1
        # a second CA the server does not use: a client trusting it must refuse the server
        openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt \
            -days 2 -subj "/CN=not-the-cluster-ca" >/dev/null 2>&1 || exit 1
        {
            echo "$ADMIN_TOKEN,kubernetes-admin,1,system:masters"
            echo "$SIDECAR_TOKEN,$SIDECAR_SA,2,"
            echo "kubelet-token-node-a,system:node:node-a,3,system:nodes"
            echo "kubelet-token-node-b,system:node:node-b,4,system:nodes"
        } > tokens.csv
    ) || { echo "k8s_pki: openssl failed" >&2; return 1; }
    K8S_PKI=$dir
}

_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_apiserver_launch() {
    rm -f "$APISERVER_DIR/ready"
    python3 "$K8S_LIB_DIR/apiserver.py" --port "$APISERVER_PORT" \
        --tls-cert-file "$K8S_PKI/server.crt" --tls-private-key-file "$K8S_PKI/server.key" \
        --token-auth-file "$K8S_PKI/tokens.csv" --state-file "$APISERVER_DIR/state.json" \
        --audit-log "$APISERVER_DIR/audit.log" --ready-file "$APISERVER_DIR/ready" \
        "${APISERVER_ARGS[@]}" >>"$APISERVER_DIR/apiserver.log" 2>&1 &
    APISERVER_PID=$!
    local i
    for i in $(seq 100); do
        if [[ -s "$APISERVER_DIR/ready" ]] &&
            curl -sf --cacert "$K8S_PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
                "$APISERVER_URL/healthz" >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$APISERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "apiserver double did not start:" >&2
    cat "$APISERVER_DIR/apiserver.log" >&2
    return 1
}

apiserver_start() {
    APISERVER_DIR=$1
    shift
    APISERVER_ARGS=("$@")
    mkdir -p "$APISERVER_DIR"
    APISERVER_PORT=$(_free_port)
    APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
    cleanup_add apiserver_stop
    _apiserver_launch || return 1
    KUBECONFIG=$APISERVER_DIR/admin.kubeconfig
    kubeconfig_write "$KUBECONFIG" "$ADMIN_TOKEN"
    export KUBECONFIG
}

apiserver_stop() {
    pid_stop "${APISERVER_PID:-}" 50
    APISERVER_PID=
}

apiserver_restart() {
    apiserver_stop
    if (($#)); then APISERVER_ARGS=("$@"); fi
    _apiserver_launch
}

apiserver_hook() {
    curl -sf --cacert "$K8S_PKI/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
        -H 'Content-Type: application/json' -X POST -d "${2:-{\}}" \
        "$APISERVER_URL/_test/$1"
}

kubeconfig_write() {
    local file=$1 token=$2 ns=${3:-default}
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: double
  cluster:
    server: $APISERVER_URL
    certificate-authority-data: $(base64 -w0 <"$K8S_PKI/ca.crt")
users:
- name: user
  user:
    token: $token
contexts:
- name: double
  context:
    cluster: double
    user: user
    namespace: $ns
current-context: double
EOF
}

sa_dir_write() {
    local dir=$1 token=$2 ns=$3
    mkdir -p "$dir"
    printf '%s' "$token" >"$dir/token"
    cp "$K8S_PKI/ca.crt" "$dir/ca.crt"
    printf '%s' "$ns" >"$dir/namespace"
}

wait_for() {
    local timeout=$1 i
    shift
    for ((i = 0; i < timeout * 10; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

k8s_check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# ---------------------------------------------------------------------------------------
# nodes: sysrecd on a bus of its own, the kubelet double, the sidecar
# ---------------------------------------------------------------------------------------
#   node_start NAME DRIVER CGROUP_ROOT RUNTIME   start the three for node NAME; its files
#                                     are in $K8S_TEST_DIR/NAME, its kubelet dir
#                                     NODE_KUBELET_DIR[NAME], its bus NODE_BUS[NAME]
#   node_sysrecd_start/stop NAME      (re)start or stop that node's sysrecd (same bus;
#                                     --no-pin: recordings end with it); _kill: kill -9
#   node_sidecar_start/stop NAME      (re)start or stop that node's sidecar
#   node_stop NAME                    stop everything of the node and remove its cgroups

declare -gA NODE_BUS NODE_BUSDIR NODE_SYSRECD_PID NODE_KUBELET_PID NODE_SIDECAR_PID NODE_KUBELET_DIR \
    NODE_DRIVER NODE_ROOT NODE_RUNTIME
SIDECAR_BIN=${SIDECAR_BIN:-$SYSREC_BUILD/src/k8s-sync/sysrec-k8s-sync}
: "${K8S_SIDECAR_ARGS:=--max-backoff=1 --watch-timeout=30}"

node_sysrecd_start() {
    local name=$1 dir=$K8S_TEST_DIR/$1 i
    # sysrecd_pin_arg prints no word or one, unquoted on purpose.
    # shellcheck disable=SC2046
    DBUS_SYSTEM_BUS_ADDRESS=${NODE_BUS[$name]} "$SYSRECD_BIN" --state-dir="$dir/sysrecd-state" \
        $(sysrecd_pin_arg) --log-level=debug >>"$dir/sysrecd.log" 2>&1 &
    NODE_SYSRECD_PID[$name]=$!
    for i in $(seq 200); do
        if DBUS_SYSTEM_BUS_ADDRESS=${NODE_BUS[$name]} busctl status org.sysrec1 >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "${NODE_SYSRECD_PID[$name]}" 2>/dev/null || break
        sleep 0.05
    done
    echo "sysrecd of $name did not start:" >&2
    tail -20 "$dir/sysrecd.log" >&2
    return 1
}

# Prefix each line with the time, so that logs of several processes can be compared.
_timestamp() {
    local l
    while IFS= read -r l; do
        printf '%s %s\n' "$EPOCHREALTIME" "$l"
    done
}

# kill_quiet PID...: for cleanup_add; a process that is already gone is fine
kill_quiet() {
    kill "$@" 2>/dev/null || true
}

node_sysrecd_stop() {
    pid_stop "${NODE_SYSRECD_PID[$1]:-}"
    NODE_SYSRECD_PID[$1]=
    sanitizer_log_reports "$K8S_TEST_DIR/$1/sysrecd.log"
}

# node_sysrecd_kill NAME: kill -9 that node's sysrecd (a crash) and wait until it is gone.
node_sysrecd_kill() {
    kill -KILL "${NODE_SYSRECD_PID[$1]:-}" 2>/dev/null || true
    wait "${NODE_SYSRECD_PID[$1]:-}" 2>/dev/null || true
    NODE_SYSRECD_PID[$1]=
}

node_sidecar_start() {
    local name=$1 dir=$K8S_TEST_DIR/$1
    # shellcheck disable=SC2086
    # in-cluster configuration, as in the DaemonSet: no kubeconfig
    env -u KUBECONFIG DBUS_SYSTEM_BUS_ADDRESS=${NODE_BUS[$name]} KUBERNETES_SERVICE_HOST=127.0.0.1 \
        KUBERNETES_SERVICE_PORT=$APISERVER_PORT NODE_NAME=$name \
        ${SIDECAR_WRAPPER:-} "$SIDECAR_BIN" --service-account-dir="$K8S_TEST_DIR/sa" \
        --kubelet-dir="${NODE_KUBELET_DIR[$name]}" --cgroup-driver="${NODE_DRIVER[$name]}" \
        --cgroup-root="${NODE_ROOT[$name]}" --state-dir="$dir/sidecar-state" \
        --log-level=debug $K8S_SIDECAR_ARGS > >(_timestamp >>"$dir/sidecar.log") 2>&1 &
    NODE_SIDECAR_PID[$name]=$!
}

node_sidecar_stop() {
    pid_stop "${NODE_SIDECAR_PID[$1]:-}"
    NODE_SIDECAR_PID[$1]=
    sanitizer_log_reports "$K8S_TEST_DIR/$1/sidecar.log"
}

node_kubelet_start() {
    local name=$1 dir=$K8S_TEST_DIR/$1 i
    printf '%s' "kubelet-token-$name" >"$dir/kubelet-token"
    rm -f "$dir/kubelet.ready"
    python3 "$K8S_LIB_DIR/kubelet.py" --node-name "$name" --server "$APISERVER_URL" \
        --token-file "$dir/kubelet-token" --ca "$K8S_PKI/ca.crt" \
        --cgroup-driver "${NODE_DRIVER[$name]}" --cgroup-root "${NODE_ROOT[$name]}" \
        --runtime "${NODE_RUNTIME[$name]}" --work-dir "$dir/bundles" \
        --ready-file "$dir/kubelet.ready" ${KUBELET_ARGS:-} >>"$dir/kubelet.log" 2>&1 &
    NODE_KUBELET_PID[$name]=$!
    for i in $(seq 100); do
        [[ -s "$dir/kubelet.ready" ]] && return 0
        sleep 0.1
    done
    echo "kubelet double of $name did not start" >&2
    return 1
}

node_start() {
    local name=$1 dir=$K8S_TEST_DIR/$1
    mkdir -p "$dir"
    NODE_DRIVER[$name]=$2
    NODE_ROOT[$name]=$3
    NODE_RUNTIME[$name]=$4
    NODE_KUBELET_DIR[$name]=$dir/kubelet
    mkdir -p "$dir/kubelet"
    cleanup_add node_stop "$name"
    local saved=${DBUS_SYSTEM_BUS_ADDRESS:-}
    private_bus_start "$dir/bus"
    NODE_BUS[$name]=$DBUS_SYSTEM_BUS_ADDRESS
    NODE_BUSDIR[$name]=$PRIVATE_BUS_DIR
    DBUS_SYSTEM_BUS_ADDRESS=$saved
    node_sysrecd_start "$name" || return 1
    node_kubelet_start "$name" || return 1
    node_sidecar_start "$name"
}

# The cgroup2-relative top directory of a node's cgroup root (what to remove).
_node_cgroup_top() {
    local root=${NODE_ROOT[$1]}
    root=${root#/}
    printf '/%s\n' "${root%%/*}"
}

node_stop() {
    local name=$1 c
    node_sidecar_stop "$name"
    pid_stop "${NODE_KUBELET_PID[$name]:-}"
    NODE_KUBELET_PID[$name]=
    # containers the kubelet double could not stop
    for c in $(runc list -q 2>/dev/null | grep "^k8s-$name-" || true); do
        runc kill "$c" KILL >/dev/null 2>&1 || true
        runc delete --force "$c" >/dev/null 2>&1 || true
    done
    node_sysrecd_stop "$name"
    if [[ -n "${NODE_BUSDIR[$name]:-}" && -s "${NODE_BUSDIR[$name]}/bus.pid" ]]; then
        kill "$(cat "${NODE_BUSDIR[$name]}/bus.pid")" 2>/dev/null || true
        rm -f "${NODE_BUSDIR[$name]}/bus.pid"
    fi
    if [[ -n "${NODE_ROOT[$name]:-}" && "${NODE_ROOT[$name]}" != / ]]; then
        cgroup_remove "$(_node_cgroup_top "$name")" || true
    fi
}

# node_busctl NAME ARGS...: busctl on that node's bus
node_busctl() {
    local name=$1
    shift
    DBUS_SYSTEM_BUS_ADDRESS=${NODE_BUS[$name]} busctl "$@"
}

# k8s_env_setup: temp dir, PKI, the API server double, CRDs, RBAC and the sidecar's
# service account; everything is removed by cleanup_run.
k8s_env_setup() {
    K8S_TEST_DIR=$(mktemp -d /tmp/sysrec-k8s.XXXXXX)
    if [[ -n "${K8S_KEEP:-}" ]]; then
        echo "keeping $K8S_TEST_DIR"
    else
        cleanup_add rm -rf "$K8S_TEST_DIR"
    fi
    k8s_pki "$K8S_TEST_DIR/pki" || return 1
    apiserver_start "$K8S_TEST_DIR/api" --scheduler --bookmark-interval 1 || return 1
    kubectl apply -f "$SYSREC_SRC/deploy/namespace.yaml" -f "$SYSREC_SRC/deploy/crds/" \
        -f "$SYSREC_SRC/deploy/rbac.yaml" >"$K8S_TEST_DIR/apply.log" 2>&1 || {
        cat "$K8S_TEST_DIR/apply.log" >&2
        return 1
    }
    sa_dir_write "$K8S_TEST_DIR/sa" "$SIDECAR_TOKEN" sysrec
}

# k8s_test_begin: what every end-to-end test starts with: root, kubectl and the built
# sidecar (skip or fail otherwise), cleanup on exit, the cluster double (k8s_env_setup)
k8s_test_begin() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: needs root"
        exit 77
    fi
    if ! command -v kubectl >/dev/null; then
        echo "SKIP: kubectl is not installed"
        exit 77
    fi
    if [[ ! -x "$SIDECAR_BIN" ]]; then
        echo "FAIL: $SIDECAR_BIN is not built"
        exit 1
    fi
    trap cleanup_run EXIT
    k8s_env_setup
}

# node_wait_synchronized NAME: end the test if the node's sidecar does not synchronize
node_wait_synchronized() {
    wait_for 15 grep -q Synchronized "$K8S_TEST_DIR/$1/sidecar.log" || {
        echo "FAIL: the sidecar of $1 did not synchronize"
        tail -30 "$K8S_TEST_DIR/$1/sidecar.log"
        exit 1
    }
}

# ---------------------------------------------------------------------------------------
# checks on resources
# ---------------------------------------------------------------------------------------

# sp_json NAME: the SeccompProfile as JSON (fails if absent)
sp_json() {
    kubectl get seccompprofile "$1" -o json 2>/dev/null
}

# sp_condition NAME TYPE: "STATUS REASON MESSAGE" of the condition TYPE of SeccompProfile NAME
sp_condition() {
    sp_json "$1" | jq -r --arg t "$2" \
        '.status.conditions[]? | select(.type == $t) | "\(.status) \(.reason) \(.message)"'
}

# sp_condition_matches NAME TYPE ERE: that condition matches ERE
sp_condition_matches() {
    local c
    c=$(sp_condition "$1" "$2")
    grep -Eq -- "$3" <<<"$c" || { echo "  $1: condition $2 is '$c'" >&2; return 1; }
}

# sp_has NAME SYSCALL...: the profile allows every SYSCALL
sp_has() {
    local name=$1 s json
    shift
    json=$(sp_json "$name") || return 1
    for s in "$@"; do
        jq -e --arg s "$s" '[.spec.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] | index($s)' \
            <<<"$json" >/dev/null || {
            echo "  $name lacks $s" >&2
            return 1
        }
    done
}

# sp_lacks NAME SYSCALL...: the profile names none of them
sp_lacks() {
    local name=$1 s json
    shift
    json=$(sp_json "$name") || return 1
    for s in "$@"; do
        if jq -e --arg s "$s" '[.spec.syscalls[].names[]] | index($s)' <<<"$json" >/dev/null; then
            echo "  $name has $s" >&2
            return 1
        fi
    done
}

pod_phase_is() {
    test "$(kubectl get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null)" = "$2"
}

pod_gone() {
    ! kubectl get pod "$1" >/dev/null 2>&1
}

# pod_suffix NAME GENERATE_NAME: what the API server appended
pod_suffix() {
    printf '%s\n' "${1#"$2"}"
}

# creations NAME: how many times a sidecar created the SeccompProfile NAME
creations() {
    jq -r --arg n "$1" 'select(.method == "POST" and .code == 201 and .name == $n and
                               (.user | startswith("system:serviceaccount:sysrec:"))) | .ts' \
        "$APISERVER_DIR/audit.log" | wc -l
}

# created_once NAME...: each was created exactly once
created_once() {
    local n c
    for n in "$@"; do
        c=$(creations "$n")
        if [[ "$c" != 1 ]]; then
            echo "  $n created $c times" >&2
            return 1
        fi
    done
}

# probe_build DIR: compile tests/k8s/probe.c into DIR/probe
probe_build() {
    mkdir -p "$1"
    gcc -O1 -o "$1/probe" "$K8S_LIB_DIR/probe.c"
    PROBE_DIR=$1
}

# probe_pod FILE GENERATE_NAME LABELS_JSON RESTART CONTAINERS_JSON [NODE]: a pod manifest
# whose containers run the probe (hostPath $PROBE_DIR at /probe); CONTAINERS_JSON is
# [{"name": ..., "args": [...]}, ...].
probe_pod() {
    local file=$1 gen=$2 labels=$3 restart=$4 containers=$5 node=${6:-}
    jq -n --arg gen "$gen" --argjson labels "$labels" --arg restart "$restart" \
        --argjson ctrs "$containers" --arg probe "$PROBE_DIR" --arg node "$node" '
        {apiVersion: "v1", kind: "Pod",
         metadata: {generateName: $gen, labels: $labels},
         spec: ({restartPolicy: $restart, terminationGracePeriodSeconds: 5,
                 volumes: [{name: "probe", hostPath: {path: $probe}}],
                 containers: [$ctrs[] | {name: .name, image: "probe:latest",
                                          command: (["/probe/probe"] + .args),
                                          volumeMounts: [{name: "probe", mountPath: "/probe"}]}]}
                + (if $node != "" then {nodeName: $node} else {} end))}' >"$file"
}

# audit_count JQ_CONDITION: how many requests in the API server's audit log match
audit_count() {
    jq -c "select($1)" "$APISERVER_DIR/audit.log" | wc -l
}

# The double audits a request when a server thread handles it, which may be
# after its client is gone: wait until the audit log stops growing (no new
# line for 0.5 s; up to 10 s).
audit_settle() {
    local before after i
    before=$(audit_count true)
    for ((i = 0; i < 20; i++)); do
        sleep 0.5
        after=$(audit_count true)
        [[ "$after" == "$before" ]] && return 0
        before=$after
    done
    return 1
}
