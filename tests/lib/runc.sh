# shellcheck shell=bash
#
# tests/lib/runc.sh — run commands in runc containers placed in a chosen cgroup2 path.
#
# Source this file from a bash script that runs as root with `set -euo pipefail`.
# It does not change the caller's shell options; every function is safe under them.
#
# A bundle's rootfs is the host's own filesystem, read-only: /usr and /etc are bound
# read-only, the merged-/usr symlinks (/bin, /lib, /lib64, /sbin, ...) are recreated,
# /var/lib is bound read-only, and /tmp, /run, /var, /var/lib/nginx and /var/log/nginx
# are fresh tmpfs mounts. The container shares the host's network namespace (a server
# in it listens on the host's loopback) and gets its own pid, mount, ipc and uts
# namespaces. `linux.cgroupsPath` is an absolute path, interpreted by runc's cgroupfs
# driver relative to the root of every cgroup hierarchy, so on a hybrid host the
# container lands in <cgroup2 mount>/CGROUP_PATH (and in the same path of each v1
# hierarchy).
#
# Functions:
#   cgroup2_mount                          print the cgroup2 mount point
#   cgroup_mounts                          print every cgroup (v1 and v2) mount point
#   cgroup2_path REL                       print <cgroup2 mount>/REL
#   cgroup2_of_pid PID                     print the cgroup2 path (the `0::` line) of PID
#   cgroup_remove REL                      remove REL and its descendants, leaf first,
#                                          from every cgroup hierarchy
#   runc_bundle DIR CGROUP_PATH [SECCOMP_JSON_FILE] [--bind SRC:DST[:rw]]...
#               [--env NAME=VALUE]... [--cwd DIR] -- CMD ARGS...
#                                          write an OCI bundle into DIR
#   runc_run NAME DIR                      run in the foreground, return its exit status
#   runc_run_detached NAME DIR             start in the background; stdio go to files in DIR
#   runc_pid NAME                          print the host PID of the container's init
#   runc_exists NAME                       succeed if runc knows the container
#   runc_kill_delete NAME [TIMEOUT]        SIGTERM, wait, then force-delete (idempotent)
#   cleanup_add CMD ARGS...                register a command for cleanup_run
#   cleanup_run                            run registered commands, newest first
#
# Environment: RUNC (runc binary, default `runc`), RUNC_ROOT (state directory, default
# /run/runc, the same as plain `runc`).

if [[ -n "${_SYSREC_RUNC_SH:-}" ]]; then
    return 0
fi
_SYSREC_RUNC_SH=1

: "${RUNC:=runc}"
: "${RUNC_ROOT:=/run/runc}"

# The runc binary with the state directory this library uses.
_runc() {
    "$RUNC" --root "$RUNC_ROOT" "$@"
}

# Print a message on stderr, prefixed with the library's name.
_runc_lib_err() {
    printf 'runc.sh: %s\n' "$*" >&2
}

# ---------------------------------------------------------------------------------------
# cgroups
# ---------------------------------------------------------------------------------------

# Print the cgroup2 mount point: the first mountinfo entry whose fstype (the field after
# " - ") is cgroup2. Fails if there is none.
cgroup2_mount() {
    local line mnt rest fstype
    while IFS= read -r line; do
        rest=${line#* - }
        fstype=${rest%% *}
        if [[ "$fstype" == cgroup2 ]]; then
            mnt=$(awk '{print $5}' <<<"$line")
            # mountinfo escapes blanks and backslashes as octal (\040); undo that.
            printf '%b\n' "$mnt"
            return 0
        fi
    done </proc/self/mountinfo
    _runc_lib_err "no cgroup2 mount in /proc/self/mountinfo"
    return 1
}

# Print the mount point of every cgroup hierarchy (cgroup v1 and cgroup2), one a line.
cgroup_mounts() {
    local line rest fstype
    while IFS= read -r line; do
        rest=${line#* - }
        fstype=${rest%% *}
        if [[ "$fstype" == cgroup || "$fstype" == cgroup2 ]]; then
            printf '%b\n' "$(awk '{print $5}' <<<"$line")"
        fi
    done </proc/self/mountinfo
}

# Normalise a cgroup path to the form "/a/b": one leading slash, no trailing slash.
_cgroup_norm() {
    local p="/${1#/}"
    while [[ "$p" == */ && "$p" != / ]]; do p=${p%/}; done
    printf '%s\n' "$p"
}

# Print the absolute directory of cgroup REL (relative to the cgroup2 root).
cgroup2_path() {
    local root rel
    root=$(cgroup2_mount) || return 1
    rel=$(_cgroup_norm "$1")
    if [[ "$rel" == / ]]; then printf '%s\n' "$root"; else printf '%s%s\n' "$root" "$rel"; fi
}

# Print the cgroup2 path of process PID, as in the `0::` line of /proc/PID/cgroup.
cgroup2_of_pid() {
    local line
    line=$(grep -m1 '^0::' "/proc/$1/cgroup") || {
        _runc_lib_err "no cgroup2 line in /proc/$1/cgroup"
        return 1
    }
    printf '%s\n' "${line#0::}"
}

# Remove cgroup REL and everything below it from every cgroup hierarchy (runc creates
# the path in each v1 hierarchy too), deepest directories first. A cgroup whose last
# processes are still exiting is retried for up to ~2 s. Returns non-zero if anything
# is left behind; missing directories are not an error.
cgroup_remove() {
    local rel mnt dir d tries status=0
    rel=$(_cgroup_norm "$1")
    if [[ "$rel" == / ]]; then
        _runc_lib_err "cgroup_remove: refusing to remove a cgroup root"
        return 1
    fi
    while IFS= read -r mnt; do
        dir="$mnt$rel"
        [[ -d "$dir" ]] || continue
        while IFS= read -r d; do
            tries=0
            until rmdir "$d" 2>/dev/null || [[ ! -d "$d" ]]; do
                if ((++tries >= 40)); then
                    _runc_lib_err "cannot remove cgroup $d"
                    status=1
                    break
                fi
                sleep 0.05
            done
        done < <(find "$dir" -depth -type d)
    done < <(cgroup_mounts)
    return "$status"
}

# ---------------------------------------------------------------------------------------
# bundles and containers
# ---------------------------------------------------------------------------------------

# Capabilities given to the container's process: the usual container-engine default set.
# CAP_SETUID/CAP_SETGID are needed by nginx (its worker calls initgroups()/setuid()).
_RUNC_CAPS='["CAP_AUDIT_WRITE","CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID",
"CAP_KILL","CAP_MKNOD","CAP_NET_BIND_SERVICE","CAP_NET_RAW","CAP_SETFCAP","CAP_SETGID",
"CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]'

# Write an OCI bundle into DIR (created if needed; an existing config.json is replaced):
#   runc_bundle DIR CGROUP_PATH [SECCOMP_JSON_FILE] [--bind SRC:DST[:rw]]...
#               [--env NAME=VALUE]... [--cwd DIR] -- CMD ARGS...
# CGROUP_PATH is relative to the cgroup roots ("/sysrec-test/ctr1"). SECCOMP_JSON_FILE,
# if given and non-empty, holds one JSON object that becomes `linux.seccomp`. --bind
# adds a host directory or file at DST (read-only unless ":rw"); DST may lie in the
# container's /tmp or /run tmpfs. --env adds to the environment, --cwd sets the working
# directory (default /).
runc_bundle() {
    if (($# < 2)); then
        _runc_lib_err "usage: runc_bundle DIR CGROUP_PATH [SECCOMP_JSON_FILE] [--bind SRC:DST[:rw]]... [--env N=V]... [--cwd DIR] -- CMD ARGS..."
        return 2
    fi
    local dir=$1 cgpath seccomp="" cwd=/ spec
    local -a binds=() envs=()
    cgpath=$(_cgroup_norm "$2")
    shift 2
    while (($#)); do
        case "$1" in
        --) shift; break ;;
        --bind) binds+=("$2"); shift 2 ;;
        --bind=*) binds+=("${1#--bind=}"); shift ;;
        --env) envs+=("$2"); shift 2 ;;
        --env=*) envs+=("${1#--env=}"); shift ;;
        --cwd) cwd=$2; shift 2 ;;
        --cwd=*) cwd=${1#--cwd=}; shift ;;
        -*) _runc_lib_err "runc_bundle: unknown option $1"; return 2 ;;
        *)
            if [[ -n "$seccomp" ]]; then
                _runc_lib_err "runc_bundle: unexpected argument '$1' (missing -- before the command?)"
                return 2
            fi
            seccomp=$1
            shift
            ;;
        esac
    done
    if (($# == 0)); then
        _runc_lib_err "runc_bundle: no command given after --"
        return 2
    fi
    if [[ "$cgpath" == / ]]; then
        _runc_lib_err "runc_bundle: CGROUP_PATH must not be the cgroup root"
        return 2
    fi
    if [[ -n "$seccomp" ]] && ! jq -e 'type == "object"' "$seccomp" >/dev/null; then
        _runc_lib_err "runc_bundle: $seccomp does not hold a JSON object"
        return 1
    fi

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    _runc_rootfs "$dir/rootfs" || return 1

    # Mounts added after runc's defaults; order matters (tmpfs before what goes in it).
    local mounts b src dst mode
    mounts=$(_runc_base_mounts)
    for b in "${binds[@]}"; do
        IFS=: read -r src dst mode <<<"$b"
        if [[ -z "$src" || -z "$dst" || ! -e "$src" ]]; then
            _runc_lib_err "runc_bundle: bad --bind '$b' (SRC:DST[:rw], SRC must exist)"
            return 2
        fi
        src=$(realpath "$src")
        mounts=$(jq -c --arg s "$src" --arg d "$dst" --arg m "${mode:-ro}" \
            '. + [{destination: $d, type: "bind", source: $s,
                   options: ["rbind", (if $m == "rw" then "rw" else "ro" end)]}]' <<<"$mounts")
    done

    local argsj envj
    argsj=$(_json_array "$@")
    envj=$(_json_array "${envs[@]+"${envs[@]}"}")

    spec=$(cd "$dir" && rm -f config.json && _runc spec && cat config.json) || {
        _runc_lib_err "runc_bundle: runc spec failed"
        return 1
    }
    # shellcheck disable=SC2016 # jq variables, not shell ones
    local filter='
        .process.terminal = false
        | .process.args = $args
        | .process.user = {uid: 0, gid: 0}
        | .process.cwd = $cwd
        | .process.env = (["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "HOME=/root", "LANG=C.UTF-8"] + $env)
        | .process.capabilities = {bounding: $caps, effective: $caps, permitted: $caps}
        | .root = {path: "rootfs", readonly: true}
        | .hostname = "sysrec-ctr"
        | .mounts += $mounts
        | .linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "ipc"}, {type: "uts"}]
        | .linux.cgroupsPath = $cg'
    if [[ -n "$seccomp" ]]; then
        # shellcheck disable=SC2016
        filter+=' | .linux.seccomp = $sc[0]'
    else
        filter+=' | del(.linux.seccomp)'
    fi
    jq --argjson args "$argsj" --argjson env "$envj" --argjson caps "$_RUNC_CAPS" \
        --argjson mounts "$mounts" --arg cwd "$cwd" --arg cg "$cgpath" \
        --slurpfile sc "${seccomp:-/dev/null}" \
        "$filter" <<<"$spec" >"$dir/config.json.new" || {
        _runc_lib_err "runc_bundle: jq failed to build config.json"
        return 1
    }
    mv "$dir/config.json.new" "$dir/config.json"
}

# Print the arguments as a JSON array of strings (any bytes but NUL, "--" included).
_json_array() {
    local -a a=()
    local i=0 x
    for x in "$@"; do
        a+=(--arg "a$i" "$x")
        i=$((i + 1))
    done
    jq -nc "${a[@]+"${a[@]}"}" --argjson n "$i" '[range(0; $n) as $i | $ARGS.named["a\($i)"]]'
}

# Create the rootfs directory: mount points, plus the host's top-level symlinks into /usr
# (merged /usr: /bin -> usr/bin, ...). A top-level directory that is not such a symlink
# on the host (unmerged /usr) is bound read-only instead; see _runc_base_mounts.
_runc_rootfs() {
    local rootfs=$1 p name target
    mkdir -p "$rootfs"/{usr,etc,var,tmp,run,proc,dev,sys,root}
    for p in /bin /sbin /lib /lib32 /lib64 /libx32; do
        name=${p#/}
        if [[ -L "$p" ]]; then
            target=$(readlink "$p")
            if [[ -L "$rootfs/$name" ]]; then
                [[ "$(readlink "$rootfs/$name")" == "$target" ]] && continue
                rm -f "$rootfs/$name"
            fi
            ln -s "$target" "$rootfs/$name"
        elif [[ -d "$p" ]]; then
            mkdir -p "$rootfs/$name"
        fi
    done
}

# Print, as a JSON array, the mounts added to runc's defaults (see the file header).
_runc_base_mounts() {
    local -a m=()
    local p
    _m_ro() { m+=("{\"destination\":\"$1\",\"type\":\"bind\",\"source\":\"$1\",\"options\":[\"rbind\",\"ro\"]}"); }
    _m_tmpfs() { m+=("{\"destination\":\"$1\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\",\"mode=$2\"]}"); }
    _m_ro /usr
    _m_ro /etc
    for p in /bin /sbin /lib /lib32 /lib64 /libx32; do
        if [[ -d "$p" && ! -L "$p" ]]; then _m_ro "$p"; fi
    done
    _m_tmpfs /tmp 1777
    _m_tmpfs /run 755
    _m_tmpfs /var 755
    if [[ -d /var/lib ]]; then _m_ro /var/lib; fi
    # nginx keeps its temp files here; inside the read-only /var/lib bind the mount point
    # must already exist on the host.
    if [[ -d /var/lib/nginx || ! -d /var/lib ]]; then _m_tmpfs /var/lib/nginx 755; fi
    _m_tmpfs /var/log 755
    _m_tmpfs /var/log/nginx 755
    _m_tmpfs /var/tmp 1777
    _m_tmpfs /root 700
    unset -f _m_ro _m_tmpfs
    local IFS=,
    printf '[%s]\n' "${m[*]}"
}

# Succeed if runc has state for container NAME.
runc_exists() {
    _runc state "$1" >/dev/null 2>&1
}

# Print the host PID of container NAME's init process.
runc_pid() {
    _runc state "$1" | jq -er '.pid'
}

# Run the bundle in DIR as container NAME in the foreground; stdio are the caller's.
# Returns the container's exit status (or runc's, if it could not start it).
runc_run() {
    local name=$1 dir=$2 rc=0
    _runc run --bundle "$dir" "$name" || rc=$?
    # runc removes the container itself; this catches a start that failed half way.
    if runc_exists "$name"; then _runc delete --force "$name" >/dev/null 2>&1 || true; fi
    return "$rc"
}

# Start the bundle in DIR as container NAME in the background and return once its
# process runs. Its stdin is /dev/null, its stdout and stderr go to DIR/stdout.log and
# DIR/stderr.log (runc's own errors too). The host PID is also written to DIR/container.pid.
runc_run_detached() {
    local name=$1 dir=$2
    if ! _runc run --detach --bundle "$dir" --pid-file "$dir/container.pid" "$name" \
        </dev/null >"$dir/stdout.log" 2>"$dir/stderr.log"; then
        _runc_lib_err "runc run --detach $name failed:"
        sed 's/^/  /' "$dir/stderr.log" >&2 || true
        if runc_exists "$name"; then _runc delete --force "$name" >/dev/null 2>&1 || true; fi
        return 1
    fi
}

# Stop container NAME (SIGTERM, then SIGKILL after TIMEOUT seconds, default 5) and
# delete it, which also removes its cgroup. Does nothing if the container is unknown.
runc_kill_delete() {
    local name=$1 timeout=${2:-5} status i
    runc_exists "$name" || return 0
    status=$(_runc state "$name" 2>/dev/null | jq -r '.status' 2>/dev/null || true)
    if [[ "$status" == running || "$status" == created || "$status" == paused ]]; then
        if [[ "$status" == paused ]]; then _runc resume "$name" >/dev/null 2>&1 || true; fi
        _runc kill "$name" TERM >/dev/null 2>&1 || true
        for ((i = 0; i < timeout * 20; i++)); do
            status=$(_runc state "$name" 2>/dev/null | jq -r '.status' 2>/dev/null || true)
            [[ "$status" == running ]] || break
            sleep 0.05
        done
    fi
    if ! _runc delete --force "$name" >/dev/null 2>&1 && runc_exists "$name"; then
        _runc_lib_err "could not delete container $name"
        return 1
    fi
}

# ---------------------------------------------------------------------------------------
# cleanup registry, for an EXIT trap
# ---------------------------------------------------------------------------------------

_CLEANUP_CMDS=()

# Register a command (given as separate words) to be run by cleanup_run.
cleanup_add() {
    local q
    q=$(printf '%q ' "$@")
    _CLEANUP_CMDS+=("$q")
}

# Run the registered commands, newest first, each once; failures are reported and the
# rest still run. Meant for `trap cleanup_run EXIT`. Preserves the exit status ($?).
cleanup_run() {
    local rc=$? i
    for ((i = ${#_CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
        eval "${_CLEANUP_CMDS[i]}" || _runc_lib_err "cleanup failed: ${_CLEANUP_CMDS[i]}"
        unset '_CLEANUP_CMDS[i]'
    done
    _CLEANUP_CMDS=()
    return "$rc"
}
