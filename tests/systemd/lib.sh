# shellcheck shell=bash
#
# tests/systemd/lib.sh — sysrec installed for real under a real systemd.
#
# `e2e_setup` stages `meson install` in a DESTDIR, boots systemd in a PID+mount
# namespace with ../shared/tools/boot-systemd.sh and installs, inside that namespace
# only, what a package would put on the host:
#   - sysrecd.service (the shipped file, unchanged) in /etc/systemd/system, with a
#     drop-in that points ExecStart= at the staged binary and the state directory at
#     $E2E_DIR/state (so nothing is written to the host's /var/lib/sysrec);
#   - the bus policy and the activation file in the private D-Bus directories that
#     boot-systemd.sh bind-mounts, then ReloadConfig;
#   - the polkit action in a private copy of /usr/share/polkit-1/actions and an empty
#     private /etc/polkit-1/rules.d, both bind-mounted in the namespace;
#   - the sysusers.d snippet applied by systemd-sysusers --root to copies of
#     /etc/{passwd,group,shadow,gshadow}, bind-mounted in the namespace, with the
#     test users;
#   - journald, logging to the namespace's /run (an empty private directory is
#     bind-mounted over /var/log/journal).
# Nothing of this is visible on the host; `e2e_teardown` powers the namespace off
# (stop-systemd.sh) and removes $E2E_DIR, on every exit path.
#
# SYSREC_E2E_DOGFOOD=DIR switches to the recording mode of record-sysrecd.sh: sysrecd
# then runs without its syscall filter, as root, under `sysrecctl record --standalone`,
# and every run of it leaves a systemd drop-in with what it called in DIR.
#
# Environment: SYSREC_BUILD (build directory), SYSREC_SRC (source tree),
# SYSREC_TOOLS (boot-systemd.sh and stop-systemd.sh; default <src>/../shared/tools),
# SYSREC_KEEP=1 keeps $E2E_DIR.

if [[ -n "${_SYSREC_E2E_LIB:-}" ]]; then
        return 0
fi
_SYSREC_E2E_LIB=1

SYSREC_SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
SYSREC_BUILD=${SYSREC_BUILD:-$SYSREC_SRC/build}
SYSREC_TOOLS=${SYSREC_TOOLS:-$(cd "$SYSREC_SRC/../shared/tools" 2>/dev/null && pwd -P)}

# Fixed: StateDirectory= takes a path relative to /var/lib, and /tmp and /var/tmp are
# private to the hardened service.
E2E_DIR=/var/lib/sysrec-e2e
E2E_STATE=$E2E_DIR/state
DEST=$E2E_DIR/dest
SD=$E2E_DIR/sd
DOGFOOD=${SYSREC_E2E_DOGFOOD:-}

# Users inside the namespace (the host's passwd is not touched).
E2E_MEMBER=sysrec-e2e-member   # in E2E_GROUP, which a polkit rule lets record
E2E_OTHER=sysrec-e2e-other     # no rights
E2E_GROUP=sysrec-e2e-recorders

NS_PID=

e2e_log() {
        echo "# $*"
}

# ns CMD...: run CMD in the namespace (its mounts, PIDs, system bus).
ns() {
        env -u DBUS_SYSTEM_BUS_ADDRESS nsenter -t "$NS_PID" -m -p -- "$@"
}

# ns_as USER CMD...: run CMD in the namespace as USER, with USER's groups.
ns_as() {
        local user=$1
        shift
        ns setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
}

# What meson installs, as absolute install paths: e2e_installed NAME-GLOB.
e2e_installed() {
        meson introspect --installed "$SYSREC_BUILD" | jq -r --arg g "$1" \
                '[.[] | select(test("/" + $g + "$"))] | first // empty'
}

# Stage the install and find the pieces. Sets INST_* (install paths) and DEST_* (the
# staged files).
e2e_stage() {
        rm -rf "$DEST"
        meson install -C "$SYSREC_BUILD" --destdir "$DEST" --no-rebuild --quiet >"$E2E_DIR/install.log" 2>&1 ||
                { cat "$E2E_DIR/install.log" >&2; return 1; }
        INST_SYSRECD=$(e2e_installed 'sysrecd')
        INST_SYSRECCTL=$(e2e_installed 'sysrecctl')
        INST_UNIT=$(e2e_installed 'system/sysrecd.service')
        INST_DBUS_POLICY=$(e2e_installed 'system.d/org.sysrec1.conf')
        INST_DBUS_SERVICE=$(e2e_installed 'system-services/org.sysrec1.service')
        INST_POLKIT=$(e2e_installed 'actions/org.sysrec1.policy')
        INST_SYSUSERS=$(e2e_installed 'sysusers.d/sysrec.conf')
        local v
        for v in INST_SYSRECD INST_SYSRECCTL INST_UNIT INST_DBUS_POLICY INST_DBUS_SERVICE INST_POLKIT INST_SYSUSERS; do
                [[ -n "${!v}" && -f "$DEST${!v}" ]] || { echo "not installed: $v" >&2; return 1; }
        done
}

# The probe that the test unit runs: `probe getcpu` (ExecStartPre=) and `probe sysinfo`
# (ExecStart=, then waits) each make one syscall nothing else in the unit makes.
e2e_probe() {
        local built=$SYSREC_BUILD/tests/systemd/sysrec-e2e-probe
        PROBE=$E2E_DIR/probe
        if [[ -x "$built" ]]; then
                cp "$built" "$PROBE"
        else
                cc -O2 -Wall -o "$PROBE" "$SYSREC_SRC/tests/systemd/probe.c" || return 1
        fi
}

cgroup2_mount() {
        awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

# The system calls the runtime of -fsanitize=address,undefined makes in sysrecd beyond
# the shipped list, which was recorded from an unsanitized build: found by recording a
# sanitized sysrecd with `sysrecctl record --standalone` from start to SIGTERM (the leak
# check at exit stops the threads with ptrace from a clone, reads /proc/self/task).
E2E_SANITIZER_SYSCALLS="clock_gettime clone exit getdents getppid madvise open ptrace rt_sigaction sched_yield sigaltstack wait4"

# In a sanitized build (tests/lib/sanitizers.sh), more for the test's drop-in: the
# runtime's calls allowed, and the options of sanitizers.sh; reports go to the journal,
# which the test checks. Nothing in an ordinary build.
e2e_sanitizer_dropin() {
        local sanitize
        sanitize=$(meson introspect --buildoptions "$SYSREC_BUILD" | jq -r '.[] | select(.name == "b_sanitize") | .value')
        [[ -n "$sanitize" && "$sanitize" != none ]] || return 0
        cat <<EOF
# Sanitized build ($sanitize): the shipped allow list plus the sanitizers' own calls.
SystemCallFilter=$E2E_SANITIZER_SYSCALLS
Environment=ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99
EOF
}

# The drop-in of sysrecd.service used by the test (or by the dog-food recording).
e2e_sysrecd_dropin() {
        local sysrecd=$DEST$INST_SYSRECD
        if [[ -z "$DOGFOOD" ]]; then
                cat <<EOF
# Test only: the staged binary instead of $INST_SYSRECD, a state directory of its own,
# and a watchdog short enough to be pinged during the test. Everything else (user,
# capabilities, sandbox, syscall filter) is the shipped unit's.
[Service]
ExecStart=
ExecStart=$sysrecd --pin-dir=/run/sysrecbpf/sysrec --state-dir=$E2E_STATE
StateDirectory=
StateDirectory=${E2E_STATE#/var/lib/}
WatchdogSec=5s
EOF
                e2e_sanitizer_dropin
                return
        fi
        local cg
        cg=$(cgroup2_mount)/system.slice/sysrecd.service
        cat <<EOF
# Dog-food recording (tests/systemd/record-sysrecd.sh): sysrecd runs under
# sysrecctl record --standalone, which records it from its execve and writes the
# profile when it exits. The recorder needs root (it creates a cgroup below the unit's)
# and sysrecd must run without the filter being recorded; the rest of the sandbox stays.
# WATCHDOG_PID names sysrecctl, the main process: unset, sysrecd pings the watchdog
# itself (NotifyAccess=all). ExecStop= stops sysrecd itself, so that sysrecctl outlives
# it to write the profile.
[Service]
ExecStartPre=
ExecStartPre=+/bin/chown root:root /run/sysrecbpf
ExecStart=
ExecStart=/bin/sh -c 'unset WATCHDOG_PID; exec $DEST$INST_SYSRECCTL record --standalone --format=systemd --name=sysrecd -o $DOGFOOD/run-\$\$\$\$.conf -- $sysrecd --pin-dir=/run/sysrecbpf/sysrec --state-dir=$E2E_STATE'
ExecStop=/bin/sh -c 'for p in \$\$(cat $cg/sysrec-record-*/cgroup.procs); do kill -TERM \$\$p; done; while kill -0 \$MAINPID 2>/dev/null; do sleep 0.05; done'
StateDirectory=
StateDirectory=${E2E_STATE#/var/lib/}
User=root
Group=root
NotifyAccess=all
ProtectControlGroups=no
ProtectKernelTunables=no
SystemCallFilter=
ReadWritePaths=$DOGFOOD /run/sysrecbpf
WatchdogSec=5s
EOF
}

e2e_units() {
        local units=$E2E_DIR/units u
        mkdir -p "$units/sysrecd.service.d"
        cp "$DEST$INST_UNIT" "$units/sysrecd.service"
        cp "$DEST${INST_UNIT%/*}/run-sysrecbpf.mount" "$units/run-sysrecbpf.mount"
        e2e_sysrecd_dropin >"$units/sysrecd.service.d/50-e2e.conf"
        cat >"$units/sysrec-e2e-probe.service" <<EOF
[Unit]
Description=sysrec end-to-end test workload

[Service]
ExecStartPre=$PROBE getcpu
ExecStart=$PROBE sysinfo
EOF
        # journald (its audit socket is left out: the network namespace is the host's)
        for u in systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket; do
                ln -s "/lib/systemd/system/$u" "$units/$u"
        done
        E2E_UNITS=$units
}

# Users and groups: the shipped sysusers.d snippet plus the test users.
e2e_users() {
        local root=$E2E_DIR/root f
        mkdir -p "$root/etc"
        for f in passwd group shadow gshadow; do
                cp -p "/etc/$f" "$root/etc/$f"
        done
        cat >"$E2E_DIR/test-users.conf" <<EOF
g $E2E_GROUP -
u $E2E_MEMBER - "sysrec e2e test, may record"
u $E2E_OTHER - "sysrec e2e test, no rights"
m $E2E_MEMBER $E2E_GROUP
EOF
        systemd-sysusers --root="$root" "$DEST$INST_SYSUSERS" "$E2E_DIR/test-users.conf" >"$E2E_DIR/sysusers.log" 2>&1 ||
                { cat "$E2E_DIR/sysusers.log" >&2; return 1; }
}

# Inside the namespace: users, polkit and journal directories, bus configuration.
e2e_namespace_setup() {
        local f
        mkdir -p "$E2E_DIR/polkit-actions" "$E2E_DIR/polkit-rules" "$E2E_DIR/journal"
        cp -a /usr/share/polkit-1/actions/. "$E2E_DIR/polkit-actions/"
        cp "$DEST$INST_POLKIT" "$E2E_DIR/polkit-actions/"
        chown polkitd:root "$E2E_DIR/polkit-rules" 2>/dev/null || true
        chmod 0700 "$E2E_DIR/polkit-rules"
        for f in passwd group shadow gshadow; do
                ns mount --bind "$E2E_DIR/root/etc/$f" "/etc/$f" || return 1
        done
        ns mount --bind "$E2E_DIR/polkit-actions" /usr/share/polkit-1/actions || return 1
        ns mount --bind "$E2E_DIR/polkit-rules" /etc/polkit-1/rules.d || return 1
        ns mount --bind "$E2E_DIR/journal" /var/log/journal || return 1

        cp "$DEST$INST_DBUS_POLICY" "$SD/dbus/system.d/"
        cp "$DEST$INST_DBUS_SERVICE" "$SD/dbus/system-services/"
        ns busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig || return 1
        ns systemctl start systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service
}

# Refuse to run next to a namespaced systemd that is not ours; power off our own
# leftover from a run that was killed.
e2e_check_free() {
        if [[ -s "$SD/pid" ]] && kill -0 "$(cat "$SD/pid")" 2>/dev/null; then
                e2e_log "powering off a namespaced systemd left by an earlier run"
                SD=$SD "$SYSREC_TOOLS/stop-systemd.sh" >&2 || return 1
        fi
}

e2e_setup() {
        local tool
        for tool in busctl nsenter setpriv jq meson systemd-sysusers; do
                command -v "$tool" >/dev/null || { echo "$tool not found" >&2; return 1; }
        done
        [[ -x "$SYSREC_TOOLS/boot-systemd.sh" ]] || { echo "no boot-systemd.sh in '$SYSREC_TOOLS'" >&2; return 1; }
        [[ -x /usr/lib/polkit-1/polkitd ]] || { echo "polkitd is not installed (Debian package polkitd)" >&2; return 1; }
        # One namespaced systemd at a time on a host: they share the cgroup hierarchy,
        # and a shutdown removes the empty cgroups it finds there. Runs queue up here.
        local lockdir=/run/lock
        [[ -d "$lockdir" ]] || lockdir=/tmp
        exec {E2E_LOCK_FD}>"$lockdir/sysrec-systemd-test.lock" || return 1
        flock -w 1200 "$E2E_LOCK_FD" ||
                { echo "another namespaced systemd test kept $lockdir/sysrec-systemd-test.lock for 20 min" >&2; return 1; }
        e2e_check_free || return 1
        rm -rf "$E2E_DIR"
        mkdir -p "$E2E_DIR"
        chmod 0755 "$E2E_DIR"
        e2e_stage || return 1
        e2e_probe || return 1
        e2e_units
        e2e_users || return 1
        NS_PID=$(SD=$SD EXTRA_UNITS=$E2E_UNITS "$SYSREC_TOOLS/boot-systemd.sh" 2>"$E2E_DIR/boot.log") ||
                { cat "$E2E_DIR/boot.log" >&2; NS_PID=; return 1; }
        e2e_log "systemd booted in a namespace: host PID $NS_PID ($(tr -d '\n' <"$E2E_DIR/boot.log"))"
        e2e_namespace_setup
}

e2e_teardown() {
        local rc=$?
        if [[ -s "$SD/pid" ]]; then
                if [[ -n "$NS_PID" ]] && kill -0 "$NS_PID" 2>/dev/null && [[ "${SYSREC_KEEP:-}" == 1 ]]; then
                        ns journalctl --no-pager -o short-monotonic >"$E2E_DIR/journal.txt" 2>&1 || true
                fi
                SD=$SD "$SYSREC_TOOLS/stop-systemd.sh" >"$E2E_DIR/stop.log" 2>&1 ||
                        { echo "stop-systemd.sh failed:" >&2; cat "$E2E_DIR/stop.log" >&2; }
        fi
        if [[ "${SYSREC_KEEP:-}" == 1 ]]; then
                echo "# kept $E2E_DIR" >&2
        else
                rm -rf "$E2E_DIR"
        fi
        return $rc
}
