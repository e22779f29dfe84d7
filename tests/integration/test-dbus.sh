#!/bin/bash
#
# tests/integration/test-dbus.sh — the org.sysrec1 D-Bus API end to end. sysrecd runs on a
# private, system-like bus (tests/lib/sysrecd.sh) and is driven with busctl only:
#   - introspection equals dbus/org.sysrec1.Manager.xml and dbus/org.sysrec1.Recording.xml;
#   - recordings by cgroup (cgroups created below it later are recorded, siblings are not),
#     by pid and by labels (workloads registered before and after the recording starts);
#   - profiles (oci, systemd) while recording and after stop: valid, stable, and the file
#     StopRecording writes is GetProfile's oci text byte for byte;
#   - Manager and Recording properties and the PropertiesChanged their annotations
#     promise, RecordingStarted/RecordingStopped signals, the object manager's
#     InterfacesAdded/InterfacesRemoved, programs attached only while something records;
#   - Recording.Stop, GetProfile, ListCgroups, GetCgroupProfile; options descendants,
#     publish, metadata (and skip-runtime-setup/arguments: implemented or NotSupported);
#   - a profile that cannot be written (WriteFailed) is written by the next StopRecording;
#   - every error the API names, each checked for its D-Bus error name (read from a bus
#     monitor, since busctl prints only the message) and for naming the offending value;
#   - the daemon survives all of it and still records; SIGTERM writes active recordings;
#   - limits from a second daemon started with --max-recordings=3 --max-labels=2
#     --max-cgroups=16, including a cgroup created below a recording once the map is full.
# Every cgroup the test makes is pinned by an idle process (see tests/integration/lib.sh).
# Prints one PASS/FAIL line per check and `N passed, N failed`; exits 1 if any check
# failed (2 if it cannot run). cgroups, processes, mounts and the daemons are removed on
# every exit path. Set SYSREC_KEEP=1 to keep the work directory.

set -uo pipefail

SRC=${SYSREC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)}
# shellcheck source=tests/lib/runc.sh
source "$SRC/tests/lib/runc.sh"
# shellcheck source=tests/lib/sysrecd.sh
source "$SRC/tests/lib/sysrecd.sh"
# shellcheck source=tests/integration/lib.sh
source "$SRC/tests/integration/lib.sh"

if ((EUID != 0)); then
    echo "test-dbus.sh: must run as root" >&2
    exit 2
fi
for tool in busctl dbus-daemon jq awk; do
    command -v "$tool" >/dev/null || { echo "test-dbus.sh: $tool not found" >&2; exit 2; }
done
if [[ ! -x "$SYSRECD_BIN" ]]; then
    echo "test-dbus.sh: $SYSRECD_BIN not built" >&2
    exit 2
fi

# ---------------------------------------------------------------------------------------
# bus helpers
# ---------------------------------------------------------------------------------------

E=org.sysrec1.Error
MGR=(call org.sysrec1 /org/sysrec1 org.sysrec1.Manager)
REC_PREFIX=/org/sysrec1/recording

kill_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Watch every message to and from org.sysrec1 (method calls, replies, errors, signals) as
# JSON, one a line, in $MON; busctl itself does not print error names.
monitor_start() {
    MON=$WORK/monitor-$1.json
    : >"$MON"
    busctl monitor --json=short org.sysrec1 >"$MON" 2>"$WORK/monitor-$1.err" &
    MON_PID=$!
    cleanup_add kill_pid "$MON_PID"
    local i
    for ((i = 0; i < 100; i++)); do
        busctl call org.sysrec1 /org/sysrec1 org.freedesktop.DBus.Peer Ping >/dev/null 2>&1 || true
        if grep -q '"member":"Ping"' "$MON"; then return 0; fi
        sleep 0.05
    done
    echo "test-dbus.sh: busctl monitor does not see the bus" >&2
    return 1
}

# The error name of the reply to the last method call to org.sysrec1 logged after line
# $1 of the monitor; waits up to 5 s for it to show up. Prints "?" if none came.
monitor_error_name() {
    local n0=$1 i name
    for ((i = 0; i < 100; i++)); do
        # shellcheck disable=SC2016
        name=$(tail -n +"$((n0 + 1))" "$MON" | jq -Rrn '
            [inputs | try fromjson catch empty] as $m
            | [$m[] | select(.type == "method_call" and .destination == "org.sysrec1")
                    | "\(.sender) \(.cookie)"] as $calls
            | [$m[] | select(.type == "error") | . as $e
                    | select($calls | any(. == "\($e.destination) \($e.reply_cookie)"))]
            | last | .error_name // empty')
        if [[ -n "$name" ]]; then
            printf '%s\n' "$name"
            return 0
        fi
        sleep 0.05
    done
    echo "?"
}

# bus ARGS...: run `busctl ARGS`. Sets RC, OUT (stdout), ERRMSG (stderr) and, if the call
# failed, ERRNAME (the D-Bus error name, from the monitor).
bus() {
    local n0
    n0=$(wc -l <"$MON")
    RC=0
    busctl "$@" >"$WORK/bus.out" 2>"$WORK/bus.err" || RC=$?
    OUT=$(cat "$WORK/bus.out")
    ERRMSG=$(cat "$WORK/bus.err")
    ERRNAME=
    if ((RC != 0)); then
        daemon_alive "busctl $*"
        ERRNAME=$(monitor_error_name "$n0")
    fi
}

# daemon_alive WHAT: if sysrecd died (WHAT was the last thing asked of it), report it with
# the end of its log and stop the test: every later check would fail for that reason.
daemon_alive() {
    local status=0
    [[ -n "${SYSRECD_PID:-}" ]] || return 0
    # A dead daemon not yet reaped is a zombie, which kill -0 does not tell apart.
    [[ "$(awk '{print $3}' "/proc/$SYSRECD_PID/stat" 2>/dev/null)" == [RSDIT] ]] && return 0
    wait "$SYSRECD_PID" 2>/dev/null || status=$?
    fail "sysrecd keeps running (it died, exit status $status, during: $1)" \
        "$(tail -n 20 "$SYSRECD_LOG" 2>/dev/null)"
    SYSRECD_PID=
    echo "test-dbus.sh: sysrecd died; the remaining checks are not run" >&2
    echo "$PASSED passed, $FAILED failed"
    exit 1
}

# expect_error DESC ERROR_NAME TEXT BUSCTL_ARGS...: the call fails with ERROR_NAME and its
# message contains TEXT (the offending value).
expect_error() {
    local desc=$1 want=$2 text=$3
    shift 3
    bus "$@"
    if ((RC != 0)) && [[ "$ERRNAME" == "$want" && "$ERRMSG" == *"$text"* ]]; then
        pass "$desc -> ${want##*.}: ${ERRMSG#Call failed: }"
    else
        fail "$desc" "want $want, message containing \"$text\"" \
            "got exit $RC, error '$ERRNAME', stderr: $ERRMSG" "stdout: $OUT"
        forget_started "$OUT"
    fi
}

# If busctl output OUT is the object path of a recording a call should not have started,
# stop and remove that recording so that later checks are not disturbed by it.
forget_started() {
    local path name
    path=$(sed -n 's|^o "\('"$REC_PREFIX"'/[^"]*\)"$|\1|p' <<<"$1")
    [[ -n "$path" ]] || return 0
    name=$(busctl --json=short get-property org.sysrec1 "$path" org.sysrec1.Recording Name 2>/dev/null |
        jq -r '.data') || return 0
    busctl "${MGR[@]}" StopRecording s "$name" >/dev/null 2>&1 || true
    busctl "${MGR[@]}" RemoveRecording s "$name" >/dev/null 2>&1 || true
}

# expect_call DESC BUSCTL_ARGS...: the call succeeds (its JSON reply is in $OUT).
expect_call() {
    local desc=$1
    shift
    bus --json=short "$@"
    if ((RC == 0)); then pass "$desc"; else fail "$desc" "error '$ERRNAME': $ERRMSG"; fi
}

# Print a property as compact JSON (its "data"), or nothing if it cannot be read.
mprop() {
    busctl --json=short get-property org.sysrec1 /org/sysrec1 org.sysrec1.Manager "$1" 2>/dev/null |
        jq -c '.data'
}
rprop() {
    busctl --json=short get-property org.sysrec1 "$(rec_path "$1")" org.sysrec1.Recording "$2" \
        2>/dev/null | jq -c '.data'
}

# The object path of recording NAME (bus-label escaping: every byte but [A-Za-z0-9] as _xx).
rec_path() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [[ "$c" == [A-Za-z0-9] ]]; then out+=$c; else out+=$(printf '_%02x' "'$c"); fi
    done
    printf '%s/%s\n' "$REC_PREFIX" "$out"
}

# x86_64 syscall names of a recording, one a line (from the Syscalls property).
syscalls_of() {
    busctl --json=short get-property org.sysrec1 "$(rec_path "$1")" org.sysrec1.Recording Syscalls \
        2>/dev/null | jq -r '.data | to_entries[] | .value[]' | sort -u
}

# has_syscall REC NAME: the recording's Syscalls contain NAME (any ABI).
has_syscall() {
    syscalls_of "$1" | grep -qx "$2"
}

# Write the profile text of recording NAME in FORMAT to FILE, byte for byte. With a
# fourth argument "object", asks the recording object instead of the manager.
get_profile() {
    local name=$1 fmt=$2 file=$3 via=${4:-manager}
    if [[ "$via" == object ]]; then
        busctl --json=short call org.sysrec1 "$(rec_path "$name")" org.sysrec1.Recording GetProfile s "$fmt"
    else
        busctl --json=short "${MGR[@]}" GetProfile ss "$name" "$fmt"
    fi 2>"$WORK/profile.err" | jq -j '.data[0]' >"$file"
}

# start NAME TARGET_ARGS... : StartRecording with the a{sv} target given as busctl words
# and no options; prints nothing, sets RC like bus.
start() {
    local name=$1
    shift
    bus --json=short "${MGR[@]}" StartRecording 'sa{sv}a{sv}' "$name" "$@" 0
}

# Wait for a signal MEMBER from the daemon whose arguments are exactly ARGS (JSON array).
expect_signal() {
    local desc=$1 member=$2 args=$3 i
    for ((i = 0; i < 100; i++)); do
        # shellcheck disable=SC2016
        if jq -Rn --arg m "$member" --argjson a "$args" '
            [inputs | try fromjson catch empty
                    | select(.type == "signal" and .member == $m and .path == "/org/sysrec1"
                             and .interface == "org.sysrec1.Manager" and .payload.data == $a)]
            | length > 0' <"$MON" | grep -qx true; then
            pass "$desc"
            return 0
        fi
        sleep 0.05
    done
    fail "$desc" "no signal $member with arguments $args; seen:" \
        "$(jq -Rrn --arg m "$member" '[inputs | try fromjson catch empty | select(.member == $m)
                                        | .payload.data | tojson] | join(" ")' <"$MON")"
}

# The monitor's current length: signals checked with expect_changed come after it.
mark() {
    wc -l <"$MON"
}

# expect_changed DESC MARK PATH IFACE PROP: after monitor line MARK, a PropertiesChanged
# signal of PATH for IFACE names PROP as changed or invalidated (waits up to 2 s).
expect_changed() {
    local desc=$1 from=$2 path=$3 iface=$4 prop=$5 i
    for ((i = 0; i < 40; i++)); do
        # shellcheck disable=SC2016
        if tail -n +"$((from + 1))" "$MON" | jq -Rn --arg p "$path" --arg i "$iface" --arg n "$prop" '
            [inputs | try fromjson catch empty
                    | select(.type == "signal" and .member == "PropertiesChanged" and .path == $p
                             and .payload.data[0] == $i)
                    | select((.payload.data[1] | has($n)) or (.payload.data[2] | index([$n]) != null))]
            | length > 0' | grep -qx true; then
            pass "$desc"
            return 0
        fi
        sleep 0.05
    done
    fail "$desc" "no PropertiesChanged($iface) on $path naming $prop (its annotation promises one)"
}

# expect_om_signal DESC MARK MEMBER PATH: after monitor line MARK, the object manager at
# /org/sysrec1 sent MEMBER (InterfacesAdded/InterfacesRemoved) for object PATH with
# interface org.sysrec1.Recording (waits up to 2 s).
expect_om_signal() {
    local desc=$1 from=$2 member=$3 path=$4 i
    for ((i = 0; i < 40; i++)); do
        # shellcheck disable=SC2016
        if tail -n +"$((from + 1))" "$MON" | jq -Rn --arg m "$member" --arg o "$path" '
            [inputs | try fromjson catch empty
                    | select(.type == "signal" and .member == $m
                             and .interface == "org.freedesktop.DBus.ObjectManager"
                             and .payload.data[0] == $o)
                    | select(.payload.data[1] | if type == "array" then index(["org.sysrec1.Recording"]) != null
                                                 else has("org.sysrec1.Recording") end)]
            | length > 0' | grep -qx true; then
            pass "$desc"
            return 0
        fi
        sleep 0.05
    done
    fail "$desc" "no $member for $path from org.freedesktop.DBus.ObjectManager at /org/sysrec1"
}

# Number of BPF links the daemon holds (fds whose fdinfo has a link_id).
bpf_links() {
    grep -l '^link_id:' /proc/"$SYSRECD_PID"/fdinfo/* 2>/dev/null | wc -l
}

# The org.sysrec1.X interface element of introspection XML on stdin, whitespace normalized.
iface_xml() {
    awk -v n="$1" 'index($0, "<interface name=\"" n "\">") {p = 1} p {print} p && /<\/interface>/ {exit}' |
        sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e 's/[[:space:]][[:space:]]*/ /g' | grep -v '^$'
}

# expect_introspection IFACE OBJECT: the running daemon's interface equals dbus/IFACE.xml.
expect_introspection() {
    local iface=$1 obj=$2 file="$SRC/dbus/$1.xml" got want
    got=$(busctl introspect --xml-interface org.sysrec1 "$obj" 2>&1 | iface_xml "$iface")
    want=$(iface_xml "$iface" <"$file" 2>/dev/null)
    if [[ -n "$got" && "$got" == "$want" ]]; then
        pass "introspection of $iface at $obj equals dbus/$iface.xml"
    else
        fail "introspection of $iface at $obj equals dbus/$iface.xml" \
            "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -40)"
    fi
}

# ---------------------------------------------------------------------------------------
# workloads
# ---------------------------------------------------------------------------------------

# run_in CGROUP CMD...: run CMD in cgroup CGROUP (relative to the cgroup2 root).
run_in() {
    local cg=$1
    shift
    # shellcheck disable=SC2016
    bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' run_in "$CG2$cg" "$@" \
        >/dev/null 2>&1
}

now_usec() {
    date +%s%6N
}

# ---------------------------------------------------------------------------------------
# set-up
# ---------------------------------------------------------------------------------------

WORK=$(mktemp -d /tmp/sysrec-it-dbus.XXXXXX)
CG2=$(cgroup2_mount) || exit 2
TOP=/sysrec-it-dbus-$$
trap 'cleanup_run; remove_work' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cleanup_add cgroup_remove "$TOP"
cleanup_add unpin_all
mkcg "$TOP"
cleanup_add sysrecd_stop

echo "cgroup2 mount: $CG2; test cgroup: $TOP; work directory: $WORK"
if ! sysrecd_start "$WORK/a"; then
    fail "sysrecd starts on a private bus"
    exit 1
fi
pass "sysrecd (pid $SYSRECD_PID) took org.sysrec1 on the private bus $DBUS_SYSTEM_BUS_ADDRESS"
monitor_start a || exit 1
STATE=$SYSRECD_STATE

# ---------------------------------------------------------------------------------------
echo "== introspection and initial state"

expect_introspection org.sysrec1.Manager /org/sysrec1
expect_eq "Version is the daemon's --version" "$(mprop Version)" \
    "\"$("$SYSRECD_BIN" --version | awk '{print $2}')\""
expect_eq "ActiveRecordings is 0" "$(mprop ActiveRecordings)" 0
expect_eq "ProgramsAttached is false with nothing recorded" "$(mprop ProgramsAttached)" false
expect_eq "sysrecd holds no BPF link with nothing recorded" "$(bpf_links)" 0
expect_call "ListRecordings" "${MGR[@]}" ListRecordings
expect_eq "ListRecordings is empty" "$(jq -c '.data[0]' <<<"$OUT")" "[]"

# ---------------------------------------------------------------------------------------
echo "== recording by cgroup, with cgroups created below it later"

mkcg "$TOP/cg" "$TOP/sibling"
M0=$(mark)
T0=$(now_usec)
start web 1 cgroup s "$TOP/cg"
T1=$(now_usec)
expect_eq "StartRecording web (cgroup $TOP/cg) returns its object path" \
    "$RC $(jq -r '.data[0]' <<<"$OUT")" "0 $REC_PREFIX/web"
expect_introspection org.sysrec1.Recording "$REC_PREFIX/web"
expect_signal "RecordingStarted(web, $REC_PREFIX/web) emitted" RecordingStarted \
    "[\"web\",\"$REC_PREFIX/web\"]"
expect_eq "ActiveRecordings is 1" "$(mprop ActiveRecordings)" 1
expect_eq "ProgramsAttached is true while recording" "$(mprop ProgramsAttached)" true
expect_changed "PropertiesChanged announces ActiveRecordings" "$M0" /org/sysrec1 org.sysrec1.Manager ActiveRecordings
expect_changed "PropertiesChanged announces ProgramsAttached" "$M0" /org/sysrec1 org.sysrec1.Manager ProgramsAttached
expect_changed "PropertiesChanged announces TrackedCgroups (EmitsChangedSignal=invalidates)" "$M0" \
    /org/sysrec1 org.sysrec1.Manager TrackedCgroups
expect_om_signal "the object manager at /org/sysrec1 announces $REC_PREFIX/web (InterfacesAdded)" \
    "$M0" InterfacesAdded "$REC_PREFIX/web"
expect_call "GetManagedObjects" call org.sysrec1 /org/sysrec1 org.freedesktop.DBus.ObjectManager GetManagedObjects
expect_eq "GetManagedObjects lists $REC_PREFIX/web with its Name" \
    "$(jq -c --arg o "$REC_PREFIX/web" '.data[0][$o]["org.sysrec1.Recording"].Name.data' <<<"$OUT")" '"web"'
links=$(bpf_links)
if ((links > 0)); then pass "sysrecd holds $links BPF links while recording"; else fail "sysrecd holds BPF links while recording" "it holds none"; fi
expect_eq "Name is web" "$(rprop web Name)" '"web"'
expect_eq "State is recording" "$(rprop web State)" '"recording"'
expect_eq "Target is cgroup $TOP/cg" "$(rprop web Target)" "\"cgroup $TOP/cg\""
expect_eq "ProfilePath is empty while recording" "$(rprop web ProfilePath)" '""'
expect_eq "StoppedUSec is 0 while recording" "$(rprop web StoppedUSec)" 0
expect_eq "Complete is true: nothing of its kernel state was lost" "$(rprop web Complete)" true
started=$(rprop web StartedUSec)
if [[ "$started" =~ ^[0-9]+$ ]] && ((started >= T0 && started <= T1)); then
    pass "StartedUSec ($started) is the wall-clock time of StartRecording"
else
    fail "StartedUSec is the wall-clock time of StartRecording" "got '$started', call between $T0 and $T1"
fi
expect_call "ListRecordings" "${MGR[@]}" ListRecordings
expect_eq "ListRecordings has (web, recording, path)" "$(jq -c '.data[0]' <<<"$OUT")" \
    "[[\"web\",\"recording\",\"$REC_PREFIX/web\"]]"

mkcg "$TOP/cg/later/deeper"
run_in "$TOP/cg" stat -f /
run_in "$TOP/cg/later" nproc
run_in "$TOP/cg/later/deeper" uname -r
run_in "$TOP/sibling" ionice
expect_changed "PropertiesChanged announces the recording's SyscallCount while it records" "$M0" \
    "$REC_PREFIX/web" org.sysrec1.Recording SyscallCount
expect_call "Recording.ListCgroups" call org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording ListCgroups
expect_eq "ListCgroups has the target and the cgroups created below it, with their ids" \
    "$(jq -r '.data[0][] | "\(.[1])=\(.[0])"' <<<"$OUT" | sort | tr '\n' ' ')" \
    "$(for c in "$TOP/cg" "$TOP/cg/later" "$TOP/cg/later/deeper"; do
        echo "$c=$(stat -c %i "$CG2$c")"; done | sort | tr '\n' ' ')"
busctl --json=short call org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording GetCgroupProfile ss \
    "$TOP/cg/later" oci 2>/dev/null | jq -j '.data[0]' >"$WORK/web-later.json"
expect_eq "GetCgroupProfile($TOP/cg/later): its subtree's syscalls (nproc, uname), not its parent's (statfs)" \
    "$(jq -c '[.syscalls[].names[]] as $n | ["sched_getaffinity","uname","statfs"] | map(. as $s | $n | index($s) != null)' "$WORK/web-later.json" 2>&1)" \
    '[true,true,false]'
expect_error "GetCgroupProfile of a cgroup the recording does not have" $E.NoSuchCgroup "'$TOP/sibling'" \
    call org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording GetCgroupProfile ss "$TOP/sibling" oci
expect_error "GetCgroupProfile with a '..' path" $E.InvalidArgument "'$TOP/cg/..'" \
    call org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording GetCgroupProfile ss "$TOP/cg/.." oci
expect_error "GetCgroupProfile in format yaml" $E.InvalidArgument "'yaml'" \
    call org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording GetCgroupProfile ss "$TOP/cg" yaml
expect_true "statfs (stat -f in $TOP/cg) is in Syscalls" has_syscall web statfs
expect_true "sched_getaffinity (nproc in $TOP/cg/later, created after the start) is in Syscalls" \
    has_syscall web sched_getaffinity
expect_true "uname (uname -r in $TOP/cg/later/deeper, created after the start) is in Syscalls" \
    has_syscall web uname
expect_false "ioprio_get (ionice in the sibling $TOP/sibling) is not in Syscalls" \
    has_syscall web ioprio_get

sc=$(rprop web Syscalls)
abis=$(jq -r 'keys[]' <<<"$sc" | grep -vxE 'x86_64|x86|x32|aarch64|arm' || true)
expect_eq "Syscalls has only libseccomp ABI names as keys" "$abis" ""
expect_eq "every ABI's list in Syscalls is sorted and unique" \
    "$(jq -c '[.[] | . == (unique)] | all' <<<"$sc")" true
expect_eq "SyscallCount equals the number of names in Syscalls" \
    "$(rprop web SyscallCount)" "$(jq '[.[] | length] | add' <<<"$sc")"

get_profile web oci "$WORK/web-live.json"
if jq -e . "$WORK/web-live.json" >/dev/null 2>&1; then pass "GetProfile(web, oci) while recording is JSON"; else fail "GetProfile(web, oci) while recording is JSON" "$(head -c 300 "$WORK/web-live.json")"; fi
expect_eq "oci profile: defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 1" \
    "$(jq -c '[.defaultAction, .defaultErrnoRet]' "$WORK/web-live.json")" '["SCMP_ACT_ERRNO",1]'
expect_eq "oci profile: architectures include SCMP_ARCH_X86_64" \
    "$(jq '.architectures | index("SCMP_ARCH_X86_64") != null' "$WORK/web-live.json")" true
expect_eq "oci profile: every rule is SCMP_ACT_ALLOW" \
    "$(jq -c '[.syscalls[].action] | unique' "$WORK/web-live.json")" '["SCMP_ACT_ALLOW"]'
expect_eq "oci profile allows exactly the names in Syscalls" \
    "$(jq -r '.syscalls[].names[]' "$WORK/web-live.json" | sort -u | tr '\n' ' ')" \
    "$(syscalls_of web | tr '\n' ' ')"
get_profile web systemd "$WORK/web-live.conf"
expect_eq "systemd profile while recording: [Service], EPERM, native architecture" \
    "$(grep -cxE '\[Service\]|SystemCallErrorNumber=EPERM|SystemCallArchitectures=native' "$WORK/web-live.conf")" 3
expect_eq "systemd profile's SystemCallFilter= allows exactly the names in Syscalls" \
    "$(sed -n 's/^SystemCallFilter=//p' "$WORK/web-live.conf" | tr ' ' '\n' | sort -u | tr '\n' ' ')" \
    "$(syscalls_of web | tr '\n' ' ')"
get_profile web oci "$WORK/web-live-obj.json" object
expect_true "Recording.GetProfile(oci) equals Manager.GetProfile(web, oci)" \
    cmp -s "$WORK/web-live.json" "$WORK/web-live-obj.json"

run_in "$TOP/cg/later" sleep 0.01
get_profile web oci "$WORK/web-live2.json"
expect_eq "a syscall made after the first GetProfile (clock_nanosleep) shows up in the next one" \
    "$(jq '[.syscalls[].names[]] | index("clock_nanosleep") != null' "$WORK/web-live2.json")" true

M0=$(mark)
bus "${MGR[@]}" StopRecording s web
expect_eq "StopRecording web" "$RC $ERRMSG" "0 "
expect_changed "PropertiesChanged announces the recording's State" "$M0" \
    "$REC_PREFIX/web" org.sysrec1.Recording State
expect_signal "RecordingStopped(web, path, $STATE/profiles/web.json) emitted" RecordingStopped \
    "[\"web\",\"$REC_PREFIX/web\",\"$STATE/profiles/web.json\"]"
expect_eq "State is stopped" "$(rprop web State)" '"stopped"'
expect_eq "Complete is still true once stopped" "$(rprop web Complete)" true
expect_eq "ProfilePath is $STATE/profiles/web.json" "$(rprop web ProfilePath)" "\"$STATE/profiles/web.json\""
stopped=$(rprop web StoppedUSec)
if [[ "$stopped" =~ ^[0-9]+$ ]] && ((stopped >= started && stopped <= $(now_usec))); then
    pass "StoppedUSec ($stopped) lies between StartedUSec and now"
else
    fail "StoppedUSec lies between StartedUSec and now" "got '$stopped', started $started"
fi
expect_eq "ActiveRecordings is 0 after the stop" "$(mprop ActiveRecordings)" 0
expect_eq "ProgramsAttached is false after the last recording stopped" "$(mprop ProgramsAttached)" false
expect_eq "sysrecd holds no BPF link after the last recording stopped" "$(bpf_links)" 0
expect_call "ListRecordings" "${MGR[@]}" ListRecordings
expect_eq "ListRecordings has (web, stopped, path)" "$(jq -c '.data[0]' <<<"$OUT")" \
    "[[\"web\",\"stopped\",\"$REC_PREFIX/web\"]]"

get_profile web oci "$WORK/web-1.json"
get_profile web oci "$WORK/web-2.json"
if jq -e . "$WORK/web-1.json" >/dev/null 2>&1; then pass "GetProfile(web, oci) after stop is JSON"; else fail "GetProfile(web, oci) after stop is JSON"; fi
expect_true "GetProfile(web, oci) after stop: two calls are byte-identical" cmp -s "$WORK/web-1.json" "$WORK/web-2.json"
expect_true "the profile file $STATE/profiles/web.json is GetProfile(web, oci), byte for byte" \
    cmp -s "$STATE/profiles/web.json" "$WORK/web-1.json"
get_profile web oci "$WORK/web-obj.json" object
expect_true "Recording.GetProfile(oci) after stop equals the profile file" \
    cmp -s "$STATE/profiles/web.json" "$WORK/web-obj.json"
get_profile web systemd "$WORK/web-1.conf"
get_profile web systemd "$WORK/web-2.conf"
expect_true "GetProfile(web, systemd) after stop: two calls are byte-identical" cmp -s "$WORK/web-1.conf" "$WORK/web-2.conf"
expect_eq "the final profile keeps the cgroup's and its later children's syscalls" \
    "$(jq -c '[.syscalls[].names[]] as $n | ["statfs","sched_getaffinity","uname","clock_nanosleep"] | map(. as $s | $n | index($s) != null)' "$WORK/web-1.json")" \
    '[true,true,true,true]'

count=$(rprop web SyscallCount)
run_in "$TOP/cg/later" ionice
expect_false "after the stop, ionice in $TOP/cg/later adds nothing (no ioprio_get)" has_syscall web ioprio_get
expect_eq "after the stop, SyscallCount stays $count" "$(rprop web SyscallCount)" "$count"

expect_error "StopRecording of the stopped web" $E.NotRecording "'web'" \
    "${MGR[@]}" StopRecording s web
expect_error "Recording.Stop of the stopped web" $E.NotRecording "'web'" \
    call org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording Stop

# ---------------------------------------------------------------------------------------
echo "== options, Recording.Stop and Recording.GetProfile"

mkcg "$TOP/opt"
bus --json=short "${MGR[@]}" StartRecording 'sa{sv}a{sv}' opt 1 cgroup s "$TOP/opt" \
    3 descendants b false publish b true metadata 'a{ss}' 2 namespace demo team sysrec
expect_eq "StartRecording opt with descendants=false, publish, metadata" "$RC $ERRMSG" "0 "
expect_eq "Descendants is false" "$(rprop opt Descendants)" false
expect_eq "Publish is true" "$(rprop opt Publish)" true
expect_eq "Metadata is what was given" "$(rprop opt Metadata | jq -cS .)" '{"namespace":"demo","team":"sysrec"}'
mkcg "$TOP/opt/child"
run_in "$TOP/opt" nproc
run_in "$TOP/opt/child" uname -r
expect_true "descendants=false: the cgroup itself is recorded (sched_getaffinity)" has_syscall opt sched_getaffinity
expect_false "descendants=false: a cgroup created below it is not (no uname)" has_syscall opt uname
get_profile opt systemd "$WORK/opt-live.conf" object
expect_true "Recording.GetProfile(systemd) while recording lists sched_getaffinity" \
    grep -qw sched_getaffinity "$WORK/opt-live.conf"
expect_error "Recording.GetProfile(yaml)" $E.InvalidArgument "'yaml'" \
    call org.sysrec1 "$REC_PREFIX/opt" org.sysrec1.Recording GetProfile s yaml
bus call org.sysrec1 "$REC_PREFIX/opt" org.sysrec1.Recording Stop
expect_eq "Recording.Stop" "$RC $ERRMSG" "0 "
expect_signal "RecordingStopped(opt, path, profile path) emitted by Recording.Stop" RecordingStopped \
    "[\"opt\",\"$REC_PREFIX/opt\",\"$STATE/profiles/opt.json\"]"
expect_eq "State is stopped after Recording.Stop" "$(rprop opt State)" '"stopped"'
get_profile opt oci "$WORK/opt.json" object
expect_true "Recording.Stop wrote Recording.GetProfile(oci) to $STATE/profiles/opt.json" \
    cmp -s "$STATE/profiles/opt.json" "$WORK/opt.json"

# ---------------------------------------------------------------------------------------
echo "== a profile that cannot be written, then can"

mkcg "$TOP/retry"
start retry 1 cgroup s "$TOP/retry"
run_in "$TOP/retry" uname -r
# A directory where the profile goes makes the atomic rename fail.
mkdir "$STATE/profiles/retry.json"
expect_error "StopRecording when $STATE/profiles/retry.json cannot be replaced" $E.WriteFailed \
    "$STATE/profiles/retry.json" "${MGR[@]}" StopRecording s retry
expect_eq "the recording is stopped anyway" "$(rprop retry State)" '"stopped"'
expect_eq "its ProfilePath stays empty" "$(rprop retry ProfilePath)" '""'
expect_true "its syscalls are kept (uname)" has_syscall retry uname
rmdir "$STATE/profiles/retry.json"
bus "${MGR[@]}" StopRecording s retry
expect_eq "StopRecording again writes the profile" "$RC $ERRMSG" "0 "
get_profile retry oci "$WORK/retry.json"
expect_true "... to $STATE/profiles/retry.json, equal to GetProfile(retry, oci)" \
    cmp -s "$STATE/profiles/retry.json" "$WORK/retry.json"
expect_true "... which has uname" grep -q '"uname"' "$WORK/retry.json"
expect_eq "... and ProfilePath names it" "$(rprop retry ProfilePath)" "\"$STATE/profiles/retry.json\""
expect_signal "RecordingStopped(retry, path, profile path) emitted for the successful write" RecordingStopped \
    "[\"retry\",\"$REC_PREFIX/retry\",\"$STATE/profiles/retry.json\"]"

# ---------------------------------------------------------------------------------------
echo "== recording by pid"

mkcg "$TOP/pid"
# shellcheck disable=SC2016
bash -c 'echo $$ >"$1/cgroup.procs" && exec sleep 600' sleeper "$CG2$TOP/pid" &
SLEEPER=$!
cleanup_add kill_pid "$SLEEPER"
for ((i = 0; i < 100; i++)); do
    [[ "$(cgroup2_of_pid "$SLEEPER" 2>/dev/null)" == "$TOP/pid" ]] && break
    sleep 0.02
done
start bypid 1 pid u "$SLEEPER"
expect_eq "StartRecording bypid (pid $SLEEPER)" "$RC $ERRMSG" "0 "
expect_eq "Target is pid $SLEEPER and its cgroup" "$(rprop bypid Target)" "\"pid $SLEEPER ($TOP/pid)\""
run_in "$TOP/pid" uname -r
expect_true "uname, run in the process's cgroup, is in Syscalls" has_syscall bypid uname
expect_false "nproc's sched_getaffinity (not run there) is not" has_syscall bypid sched_getaffinity
expect_error "StartRecording by a pid that does not exist" $E.NoSuchProcess "2147483647" \
    "${MGR[@]}" StartRecording 'sa{sv}a{sv}' nopid 1 pid u 2147483647 0
expect_error "StartRecording by pid 0" $E.InvalidArgument "PID 0" \
    "${MGR[@]}" StartRecording 'sa{sv}a{sv}' nopid 1 pid u 0 0
bus "${MGR[@]}" StopRecording s bypid
expect_eq "StopRecording bypid" "$RC $ERRMSG" "0 "
kill_pid "$SLEEPER"

# ---------------------------------------------------------------------------------------
echo "== recording by labels"

mkcg "$TOP/lab-before" "$TOP/lab-after" "$TOP/lab-other"
M0=$(mark)
bus "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-before "$TOP/lab-before" 2 app web tier front
expect_eq "RegisterWorkload wl-before {app=web, tier=front} before the recording" "$RC $ERRMSG" "0 "
expect_changed "PropertiesChanged announces RegisteredWorkloads" "$M0" /org/sysrec1 org.sysrec1.Manager RegisteredWorkloads
bus "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-other "$TOP/lab-other" 1 app db
expect_eq "RegisterWorkload wl-other {app=db}" "$RC $ERRMSG" "0 "
expect_eq "RegisteredWorkloads is 2" "$(mprop RegisteredWorkloads)" 2
start bylabel 1 labels 'a{ss}' 1 app web
expect_eq "StartRecording bylabel (labels app=web)" "$RC $ERRMSG" "0 "
bus "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-after "$TOP/lab-after" 1 app web
expect_eq "RegisterWorkload wl-after {app=web} after the recording started" "$RC $ERRMSG" "0 "
run_in "$TOP/lab-before" nproc
run_in "$TOP/lab-after" uname -r
run_in "$TOP/lab-other" ionice
expect_true "workload registered before the start is recorded (sched_getaffinity)" \
    has_syscall bylabel sched_getaffinity
expect_true "workload registered after the start is recorded (uname)" has_syscall bylabel uname
expect_false "workload whose labels do not match is not recorded (no ioprio_get)" \
    has_syscall bylabel ioprio_get

expect_error "RegisterWorkload of an existing id" $E.WorkloadExists "'wl-before'" \
    "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-before "$TOP/lab-other" 1 app web
expect_error "RegisterWorkload with a bad id" $E.InvalidArgument "'bad/id'" \
    "${MGR[@]}" RegisterWorkload 'ssa{ss}' bad/id "$TOP/lab-other" 1 app web
expect_error "RegisterWorkload with a cgroup whose parent is missing" $E.NoSuchCgroup "'$TOP/missing/deeper'" \
    "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-x "$TOP/missing/deeper" 1 app web
# A workload may be registered before its cgroup exists (a pod not set up yet): it is
# recorded from the cgroup's creation on.
bus "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-late "$TOP/lab-late" 1 app web
expect_eq "RegisterWorkload wl-late {app=web} before its cgroup $TOP/lab-late exists" "$RC $ERRMSG" "0 "
mkcg "$TOP/lab-late"
run_in "$TOP/lab-late" stat -f /
expect_true "wl-late's cgroup, created afterwards, is recorded (statfs)" has_syscall bylabel statfs
listed=$(busctl --json=short "${MGR[@]}" ListWorkloads 2>/dev/null |
    jq -r '.data[0][] | select(.[0] == "wl-late") | "\(.[1]) \(.[2].app)"')
expect_eq "ListWorkloads lists wl-late with its cgroup and labels" "$listed" "$TOP/lab-late web"
expect_call "UnregisterWorkload wl-late" "${MGR[@]}" UnregisterWorkload s wl-late
listed=$(busctl --json=short "${MGR[@]}" ListWorkloads 2>/dev/null | jq -r '.data[0][] | select(.[0] == "wl-late") | .[0]')
expect_eq "ListWorkloads no longer lists it" "$listed" ""
expect_error "RegisterWorkload with a '..' cgroup path" $E.InvalidArgument "'$TOP/../etc'" \
    "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-x "$TOP/../etc" 1 app web
expect_error "RegisterWorkload with a label key containing '='" $E.InvalidArgument "'a=b'" \
    "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl-x "$TOP/lab-other" 1 a=b c
expect_call "UnregisterWorkload wl-other" "${MGR[@]}" UnregisterWorkload s wl-other
expect_error "UnregisterWorkload of an unknown id" $E.NoSuchWorkload "'wl-other'" \
    "${MGR[@]}" UnregisterWorkload s wl-other
expect_eq "RegisteredWorkloads is 2 after the failures and one unregistration" "$(mprop RegisteredWorkloads)" 2
bus "${MGR[@]}" StopRecording s bylabel
expect_eq "StopRecording bylabel" "$RC $ERRMSG" "0 "
get_profile bylabel oci "$WORK/bylabel.json"
expect_eq "bylabel's profile has both workloads' syscalls" \
    "$(jq -c '[.syscalls[].names[]] as $n | ["sched_getaffinity","uname"] | map(. as $s | $n | index($s) != null)' "$WORK/bylabel.json")" \
    '[true,true]'
expect_call "UnregisterWorkload wl-before" "${MGR[@]}" UnregisterWorkload s wl-before
expect_call "UnregisterWorkload wl-after" "${MGR[@]}" UnregisterWorkload s wl-after

# ---------------------------------------------------------------------------------------
echo "== StartRecording argument errors"

mkcg "$TOP/err" "$TOP/busy" "$TOP/mnt"
SR=("${MGR[@]}" StartRecording 'sa{sv}a{sv}')
long251=$(printf 'n%.0s' {1..251})
long250=$(printf 'n%.0s' {1..250})
expect_error "empty name" $E.InvalidArgument "''" "${SR[@]}" '' 1 cgroup s "$TOP/err" 0
expect_error "name starting with '-'" $E.InvalidArgument "'-web'" -- "${SR[@]}" -web 1 cgroup s "$TOP/err" 0
expect_error "name '..'" $E.InvalidArgument "'..'" "${SR[@]}" .. 1 cgroup s "$TOP/err" 0
expect_error "name with '/'" $E.InvalidArgument "'a/b'" "${SR[@]}" a/b 1 cgroup s "$TOP/err" 0
expect_error "name with a blank" $E.InvalidArgument "'a b'" "${SR[@]}" 'a b' 1 cgroup s "$TOP/err" 0
expect_error "name of 251 characters" $E.InvalidArgument "'${long251:0:64}" "${SR[@]}" "$long251" 1 cgroup s "$TOP/err" 0
start "$long250" 1 cgroup s "$TOP/err"
expect_eq "a name of 250 characters is accepted" "$RC $ERRMSG" "0 "
bus "${MGR[@]}" StopRecording s "$long250"
expect_eq "StopRecording of the 250-character name succeeds" "$RC ${ERRNAME:-}" "0 "
if [[ -s "$STATE/profiles/$long250.json" ]] 2>/dev/null; then
    pass "the 250-character name's profile is written to $STATE/profiles/<name>.json"
else
    fail "the 250-character name's profile is written to $STATE/profiles/<name>.json" \
        "no such file (a valid name plus '.json' exceeds NAME_MAX=255)"
fi
bus "${MGR[@]}" RemoveRecording s "$long250"
expect_eq "... and it can be removed" "$RC $ERRMSG" "0 "

expect_error "cgroup path with '..'" $E.InvalidArgument "'$TOP/../$TOP/err'" "${SR[@]}" x 1 cgroup s "$TOP/../$TOP/err" 0
expect_error "cgroup path with '.'" $E.InvalidArgument "'$TOP/./err'" "${SR[@]}" x 1 cgroup s "$TOP/./err" 0
expect_error "relative cgroup path" $E.InvalidArgument "'${TOP#/}/err'" "${SR[@]}" x 1 cgroup s "${TOP#/}/err" 0
# cgroupfs refuses symlinks; a tmpfs mounted on a cgroup directory can hold one that
# leads back to a real cgroup.
if mount -t tmpfs sysrec-it "$CG2$TOP/mnt"; then
    cleanup_add umount "$CG2$TOP/mnt"
fi
if mountpoint -q "$CG2$TOP/mnt" && ln -s .. "$CG2$TOP/mnt/up"; then
    expect_error "cgroup path through a symlink ($TOP/mnt/up -> ..)" $E.InvalidArgument \
        "'$TOP/mnt/up/err'" "${SR[@]}" x 1 cgroup s "$TOP/mnt/up/err" 0
else
    fail "cgroup path through a symlink" "could not mount a tmpfs with a symlink on $CG2$TOP/mnt"
fi
expect_error "cgroup that does not exist" $E.NoSuchCgroup "'$TOP/missing'" "${SR[@]}" x 1 cgroup s "$TOP/missing" 0
expect_error "cgroup path naming a file" $E.NoSuchCgroup "'$TOP/err/cgroup.procs'" "${SR[@]}" x 1 cgroup s "$TOP/err/cgroup.procs" 0
expect_error "unknown target key" $E.InvalidArgument "'container'" "${SR[@]}" x 1 container s foo 0
expect_error "two targets" $E.InvalidArgument "'pid'" "${SR[@]}" x 2 cgroup s "$TOP/err" pid u 1 0
expect_error "empty target" $E.InvalidArgument "empty" "${SR[@]}" x 0 0
expect_error "cgroup of type u" $E.InvalidArgument "'cgroup'" "${SR[@]}" x 1 cgroup u 5 0
expect_error "pid of type s" $E.InvalidArgument "'pid'" "${SR[@]}" x 1 pid s 1 0
expect_error "labels of type s" $E.InvalidArgument "'labels'" "${SR[@]}" x 1 labels s app=web 0
expect_error "empty labels" $E.InvalidArgument "'labels'" "${SR[@]}" x 1 labels 'a{ss}' 0 0
expect_error "unknown option" $E.InvalidArgument "'bogus'" "${SR[@]}" x 1 cgroup s "$TOP/err" 1 bogus b true
expect_error "option descendants of type s" $E.InvalidArgument "'descendants'" "${SR[@]}" x 1 cgroup s "$TOP/err" 1 descendants s yes
# Every documented option is accepted and shows up as a property of the recording.
for opt in skip-runtime-setup:SkipRuntimeSetup arguments:Arguments; do
    key=${opt%%:*}
    prop=${opt#*:}
    bus --json=short "${MGR[@]}" StartRecording 'sa{sv}a{sv}' "opt-$key" 1 cgroup s "$TOP/err" 1 "$key" b true
    expect_eq "option $key is accepted" "$RC $ERRMSG" "0 "
    expect_eq "... and $prop is true" "$(rprop "opt-$key" "$prop")" true
    bus "${MGR[@]}" StopRecording s "opt-$key"
    bus "${MGR[@]}" RemoveRecording s "opt-$key"
    expect_error "option $key of type s" $E.InvalidArgument "'$key'" "${SR[@]}" x 1 cgroup s "$TOP/err" 1 "$key" s yes
done
expect_error "unit on a bus without systemd" $E.NoSuchUnit "'nginx.service'" "${SR[@]}" x 1 unit s nginx.service 0
expect_error "unit name with '/'" $E.InvalidArgument "'a/b.service'" "${SR[@]}" x 1 unit s a/b.service 0
expect_error "unit name without a type" $E.InvalidArgument "'nginx'" "${SR[@]}" x 1 unit s nginx 0
expect_error "wrong signature (name only)" org.freedesktop.DBus.Error.InvalidArgs "" \
    "${MGR[@]}" StartRecording s x
expect_error "StartRecording web again (stopped, not removed)" $E.RecordingExists "'web'" \
    "${SR[@]}" web 1 cgroup s "$TOP/err" 0

start busy1 1 cgroup s "$TOP/busy"
expect_eq "StartRecording busy1 (cgroup $TOP/busy)" "$RC $ERRMSG" "0 "
mkcg "$TOP/busy/kid"
expect_error "StartRecording busy1 again while it records" $E.RecordingExists "'busy1'" \
    "${SR[@]}" busy1 1 cgroup s "$TOP/err" 0
expect_error "second recording of $TOP/busy" $E.CgroupBusy "'$TOP/busy' is already recorded by 'busy1'" \
    "${SR[@]}" busy2 1 cgroup s "$TOP/busy" 0
expect_error "recording of $TOP/busy/kid (created under busy1 after its start)" $E.CgroupBusy \
    "'$TOP/busy/kid' is already recorded by 'busy1'" "${SR[@]}" busy3 1 cgroup s "$TOP/busy/kid" 0
expect_error "RemoveRecording busy1 while it records" $E.RecordingActive "'busy1'" \
    "${MGR[@]}" RemoveRecording s busy1
expect_error "GetProfile in format yaml" $E.InvalidArgument "'yaml'" "${MGR[@]}" GetProfile ss web yaml
expect_error "GetProfile with an invalid name" $E.InvalidArgument "'../web'" "${MGR[@]}" GetProfile ss ../web oci
expect_error "StopRecording of an unknown name" $E.NoSuchRecording "'nope'" "${MGR[@]}" StopRecording s nope
expect_error "GetProfile of an unknown name" $E.NoSuchRecording "'nope'" "${MGR[@]}" GetProfile ss nope oci
expect_error "RemoveRecording of an unknown name" $E.NoSuchRecording "'nope'" "${MGR[@]}" RemoveRecording s nope
bus "${MGR[@]}" StopRecording s busy1
expect_eq "StopRecording busy1" "$RC $ERRMSG" "0 "
bus "${MGR[@]}" StartRecording 'sa{sv}a{sv}' busy2 1 cgroup s "$TOP/busy" 0
expect_eq "after busy1 stopped, $TOP/busy can be recorded again (busy2)" "$RC $ERRMSG" "0 "
bus "${MGR[@]}" StopRecording s busy2
expect_call "ListRecordings" "${MGR[@]}" ListRecordings
expect_eq "ListRecordings after the errors: only the recordings that started, all stopped" \
    "$(jq -r '.data[0][] | "\(.[0])=\(.[1])"' <<<"$OUT" | sort | tr '\n' ' ')" \
    "busy1=stopped busy2=stopped bylabel=stopped bypid=stopped opt=stopped retry=stopped web=stopped "

# ---------------------------------------------------------------------------------------
echo "== RemoveRecording"

M0=$(mark)
expect_call "RemoveRecording web" "${MGR[@]}" RemoveRecording s web
expect_om_signal "the object manager announces that $REC_PREFIX/web is gone (InterfacesRemoved)" \
    "$M0" InterfacesRemoved "$REC_PREFIX/web"
expect_call "ListRecordings" "${MGR[@]}" ListRecordings
expect_eq "web is no longer listed" "$(jq '[.data[0][] | select(.[0] == "web")] | length' <<<"$OUT")" 0
expect_error "GetProfile of the removed web" $E.NoSuchRecording "'web'" "${MGR[@]}" GetProfile ss web oci
expect_error "StopRecording of the removed web" $E.NoSuchRecording "'web'" "${MGR[@]}" StopRecording s web
expect_error "RemoveRecording of the removed web" $E.NoSuchRecording "'web'" "${MGR[@]}" RemoveRecording s web
expect_error "property of the removed web's object" org.freedesktop.DBus.Error.UnknownObject "" \
    get-property org.sysrec1 "$REC_PREFIX/web" org.sysrec1.Recording State
start web 1 cgroup s "$TOP/cg"
expect_eq "the name web can be used again" "$RC $(jq -r '.data[0]' <<<"$OUT")" "0 $REC_PREFIX/web"
bus "${MGR[@]}" StopRecording s web

start a.b_c-1 1 cgroup s "$TOP/err"
expect_eq "a name with '.', '_' and '-' gets an escaped object path" \
    "$RC $(jq -r '.data[0]' <<<"$OUT")" "0 $REC_PREFIX/a_2eb_5fc_2d1"
expect_eq "... whose Name is a.b_c-1" "$(rprop a.b_c-1 Name)" '"a.b_c-1"'
bus "${MGR[@]}" StopRecording s a.b_c-1

# ---------------------------------------------------------------------------------------
echo "== after all that, the daemon still records; SIGTERM writes active recordings"

if kill -0 "$SYSRECD_PID" 2>/dev/null; then pass "sysrecd is still running"; else fail "sysrecd is still running"; fi
mkcg "$TOP/final"
start final 1 cgroup s "$TOP/final"
expect_eq "StartRecording final" "$RC $ERRMSG" "0 "
run_in "$TOP/final" uname -r
expect_true "final records uname" has_syscall final uname
expect_eq "ActiveRecordings is 1" "$(mprop ActiveRecordings)" 1
sysrecd_stop
if [[ -s "$STATE/profiles/final.json" ]] &&
    jq -e '[.syscalls[].names[]] | index("uname") != null' "$STATE/profiles/final.json" >/dev/null; then
    pass "SIGTERM stopped the active recording and wrote $STATE/profiles/final.json with uname"
else
    fail "SIGTERM wrote the active recording's profile" "$(ls -l "$STATE/profiles" 2>&1)"
fi
kill_pid "$MON_PID"

# ---------------------------------------------------------------------------------------
echo "== limits (second daemon, --max-recordings=3 --max-labels=2 --max-cgroups=16)"

if sysrecd_start "$WORK/b" --max-recordings=3 --max-labels=2 --max-cgroups=16 && monitor_start b; then
    pass "second sysrecd (pid $SYSRECD_PID) started with --max-recordings=3 --max-labels=2 --max-cgroups=16"
    mkcg "$TOP/lim1" "$TOP/lim2" "$TOP/lim3" "$TOP/lim4"
    for i in 1 2 3; do
        start "l$i" 1 cgroup s "$TOP/lim$i"
        expect_eq "StartRecording l$i" "$RC $ERRMSG" "0 "
    done
    expect_error "a 4th recording" $E.LimitExceeded "limit 3" "${SR[@]}" l4 1 cgroup s "$TOP/lim4" 0
    bus "${MGR[@]}" StopRecording s l1
    expect_error "a 4th recording while l1 is stopped but kept" $E.LimitExceeded "limit 3" \
        "${SR[@]}" l4 1 cgroup s "$TOP/lim4" 0
    bus "${MGR[@]}" RemoveRecording s l1
    start l4 1 cgroup s "$TOP/lim4"
    expect_eq "after RemoveRecording l1, l4 starts" "$RC $ERRMSG" "0 "
    expect_error "RegisterWorkload with 3 labels" $E.LimitExceeded "limit 2" \
        "${MGR[@]}" RegisterWorkload 'ssa{ss}' wl "$TOP/lim4" 3 a 1 b 2 c 3
    expect_error "label selector with 3 labels" $E.LimitExceeded "limit 2" \
        "${SR[@]}" l5 1 labels 'a{ss}' 3 a 1 b 2 c 3 0
    for i in 2 3 4; do
        bus "${MGR[@]}" StopRecording s "l$i"
        bus "${MGR[@]}" RemoveRecording s "l$i"
    done
    expect_eq "ActiveRecordings is 0 after stopping and removing them" "$(mprop ActiveRecordings)" 0

    # The kernel map holds 16 cgroups.
    mkcg "$TOP/many"
    for i in $(seq 16); do mkcg "$TOP/many/c$i"; done
    expect_error "recording a tree of 17 cgroups" $E.LimitExceeded "limit 16" \
        "${SR[@]}" many 1 cgroup s "$TOP/many" 0
    expect_eq "after the refused start nothing is tracked (TrackedCgroups)" "$(mprop TrackedCgroups)" 0
    expect_eq "after the refused start the programs are detached" "$(mprop ProgramsAttached)" false
    unpin "$TOP/many/c16"
    rmdir "$CG2$TOP/many/c16"
    start many 1 cgroup s "$TOP/many"
    expect_eq "recording the tree of 16 cgroups starts (the map is now full)" "$RC $ERRMSG" "0 "
    expect_eq "its Cgroups property is 16" "$(rprop many Cgroups)" 16
    mkcg "$TOP/many/late"
    run_in "$TOP/many/late" uname -r
    state=$(rprop many State)
    lost=0
    for _ in $(seq 50); do
        lost=$(rprop many LostCgroups)
        [[ "$lost" =~ ^[0-9]+$ && "$lost" -ge 1 ]] && break
        sleep 0.1
    done
    if [[ "$lost" =~ ^[0-9]+$ && "$lost" -ge 1 ]]; then
        pass "a cgroup created below 'many' with the map full is counted in LostCgroups ($lost), not silently dropped"
        expect_eq "... which is not a loss of kernel state: Complete stays true" "$(rprop many Complete)" true
    elif has_syscall many uname; then
        pass "a cgroup created below 'many' with the map full is still recorded (uname)"
    elif [[ "$state" == '"failed"' ]]; then
        pass "a cgroup created below 'many' with the map full marks the recording failed"
    else
        fail "a cgroup created below 'many' with the map full is recorded, or the recording says it is not" \
            "uname from $TOP/many/late is missing, State is $state, DroppedEvents $(mprop DroppedEvents): the miss is silent"
    fi
    bus "${MGR[@]}" StopRecording s many
    if kill -0 "$SYSRECD_PID" 2>/dev/null; then pass "second sysrecd is still running"; else fail "second sysrecd is still running"; fi
else
    fail "second sysrecd starts with --max-recordings=3 --max-labels=2" "$(cat "$WORK/b/sysrecd.log" 2>/dev/null)"
fi

# ---------------------------------------------------------------------------------------
echo "== clean-up"

if ((FAILED > 0)); then
    for log in "$WORK"/a/sysrecd.log "$WORK"/b/sysrecd.log; do
        [[ -f "$log" ]] || continue
        echo "--- $log (last 40 lines)"
        tail -n 40 "$log"
    done
fi
DAEMON_PID=$SYSRECD_PID
cleanup_run
left=$(for m in $(cgroup_mounts); do [[ -e "$m$TOP" ]] && echo "$m$TOP"; done || true)
expect_eq "no cgroup $TOP left" "$left" ""
if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    fail "sysrecd stopped" "pid $DAEMON_PID still runs"
else
    pass "sysrecd stopped"
fi
expect_eq "no dbus-daemon of this test left" \
    "$(pgrep -f "dbus-daemon --config-file=$WORK/" || true)" ""

check_summary
