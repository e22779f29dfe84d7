# shellcheck shell=bash
#
# tests/integration/lib.sh — what the integration scripts share: PASS/FAIL bookkeeping
# (tests/lib/check.sh), cgroups kept alive for the duration of a test, the work directory.
#
# Source it after tests/lib/runc.sh (it uses cgroup2_mount). It does not change shell
# options. Before the first mkcg the caller sets CG2 (the cgroup2 mount point); before
# remove_work runs it sets WORK.
#
#   pass, fail, expect_eq, expect_true, expect_false, check_summary (tests/lib/check.sh)
#   show FILE                              the end of FILE, indented (failure details)
#   mkcg CGROUP...                         create cgroups (relative to CG2) and pin them
#   pin CGROUP / unpin CGROUP / unpin_all  keep a cgroup populated by an idle process
#   remove_work                            remove WORK unless SYSREC_KEEP is set

if [[ -n "${_SYSREC_IT_LIB_SH:-}" ]]; then
    return 0
fi
_SYSREC_IT_LIB_SH=1

# shellcheck source=tests/lib/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"

show() {
    if [[ -s "$1" ]]; then
        echo "        --- $1"
        tail -n 20 "$1" | sed 's/^/        | /'
    fi
}

# mkcg CGROUP...: create each cgroup (and missing parents) and pin it.
mkcg() {
    local c
    for c in "$@"; do
        mkdir -p "$CG2$c" && pin "$c"
    done
}

# pin CGROUP: keep CGROUP populated by an idle process, moved in from outside once it
# sleeps, so that it makes no syscall there. This host is shared: something may remove
# empty cgroups behind a test's back (a systemd booted in a namespace by another suite
# trims the hierarchy when it stops), and a re-created cgroup is a new one that no
# recording knows. A pinned cgroup and its ancestors cannot be removed.
declare -A PIN_OF=()
pin() {
    local pid i
    sleep 86400 >/dev/null 2>&1 &
    pid=$!
    PIN_OF[$1]=$pid
    for ((i = 0; i < 500; i++)); do
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == sleep &&
            "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == S ]] && break
        sleep 0.01
    done
    echo "$pid" >"$CG2$1/cgroup.procs"
}

# unpin CGROUP: end its idle process (SIGKILL: no syscall on the way out).
unpin() {
    local pid=${PIN_OF[$1]:-}
    [[ -n "$pid" ]] || return 0
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset 'PIN_OF[$1]'
}

unpin_all() {
    local c
    for c in "${!PIN_OF[@]}"; do unpin "$c"; done
}

remove_work() {
    if [[ -z "${SYSREC_KEEP:-}" ]]; then
        rm -rf "$WORK"
    else
        echo "work directory kept: $WORK" >&2
    fi
}
