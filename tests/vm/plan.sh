# The tests run inside a VM of tests/vm/test-vm.sh, by busybox sh (the guest's
# architecture) after tests/vm/init switched to the host's root file system.
# Each test's output goes to /.vm/out/results.log between
#   @@vm begin NAME   and   @@vm end NAME STATUS
# which the host parses; "@@vm plan NAME..." lists what will run and
# "@@vm done" says the plan finished. $VM_TESTS (comma-separated names)
# runs only those.
B=/.vm/busybox
out=/.vm/out/results.log
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 CI=true
export SYSREC_BUILD SYSREC_SRC

mnt() {
        $B mkdir -p "$3"
        $B mount -t "$1" "$2" "$3" || echo "vm plan: cannot mount $1 at $3" >>"$out"
}
mnt proc proc /proc
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mnt devpts devpts /dev/pts
mnt tmpfs tmpfs /dev/shm
mnt tmpfs tmpfs /run
mnt tmpfs tmpfs /tmp
mnt tmpfs tmpfs /var/tmp
mnt cgroup2 cgroup2 /sys/fs/cgroup
mnt bpf bpf /sys/fs/bpf
mnt tracefs tracefs /sys/kernel/tracing
mnt debugfs debugfs /sys/kernel/debug
# What udev would create: bash's process substitution needs /dev/fd.
$B ln -sf /proc/self/fd /dev/fd
$B ln -sf /proc/self/fd/0 /dev/stdin
$B ln -sf /proc/self/fd/1 /dev/stdout
$B ln -sf /proc/self/fd/2 /dev/stderr
$B hostname sysrec-vm
$B ip link set lo up 2>/dev/null || true

arch=$($B uname -m)
priv=$SYSREC_BUILD/tests/privileged
tests="recorder recorder-gate recorder-args recorder-processes cgroup-live recorder-raw_tp recorder-gate-raw_tp"
# The bash suites run the host's own tools, which only the host's CPU runs.
case "$arch" in
x86_64) tests="$tests formats-tools realworld-sqlite3" ;;
esac
if [ -n "${VM_TESTS:-}" ]; then
        tests=$(echo "$VM_TESTS" | $B tr , ' ')
fi

# NAME-raw_tp is NAME with the raw_tp programs. recorder-release (not in the
# default plan) is the release races, the mkdir/track collision and the
# cgroup v1 check alone, for a series of runs in one boot:
#   VM_TESTS=recorder-release,recorder-release-raw_tp,recorder-release,...
command_of() {
        case "$1" in
        recorder | recorder-gate | recorder-args | recorder-processes | cgroup-live)
                echo "$priv/test-$1 --tap" ;;
        recorder-release)
                t=/sysrec/recorder
                echo "$priv/test-recorder --tap -p $t/release-while-creating -p $t/release-stale-entry -p $t/mkdir-tracked-already -p $t/cgroup-v1-ignored" ;;
        *-raw_tp)
                cmd=$(command_of "${1%-raw_tp}") || return 1
                echo "$B env SYSREC_BPF_PROGRAMS=raw_tp $cmd" ;;
        formats-tools)
                echo "bash $SYSREC_SRC/tests/formats/test-tools.sh" ;;
        realworld-sqlite3)
                echo "bash $SYSREC_SRC/tests/realworld/test-realworld.sh sqlite3" ;;
        *)
                return 1 ;;
        esac
}

{
        echo "@@vm plan $tests"
        echo "@@vm kernel $($B uname -r) $arch"
        # What the kernel needed: the flavour sysrec picked by probing.
        SYSREC_LOG_LEVEL=debug "$SYSREC_BUILD/src/sysrecctl/sysrecctl" record --standalone -o /dev/null -- true 2>&1 |
                $B grep -E "programs|Cannot" | $B sed 's/^/@@vm probe /'
} >>"$out" 2>&1

for t in $tests; do
        echo "@@vm begin $t" >>"$out"
        if cmd=$(command_of "$t"); then
                # Each test is killed after 20 minutes.
                $B timeout 1200 $cmd </dev/null >>"$out" 2>&1
                rc=$?
        else
                echo "vm plan: no test named '$t'" >>"$out"
                rc=2
        fi
        echo "@@vm end $t $rc" >>"$out"
done
echo "@@vm done" >>"$out"
$B sync
$B poweroff -f
