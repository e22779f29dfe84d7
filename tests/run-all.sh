#!/bin/bash
# The test command of the README: install what is needed (Debian packages),
# build, and run every suite (unit, privileged, integration) as root.
# Ends with "N passed, N failed" summed over every check of every suite.
# A privileged or integration check that skips counts as failed when CI is
# set (CI runs as root: there is no reason for a skip there), except a skip
# for what the running kernel cannot do, found out by trying it (a TAP
# "# SKIP kernel: ..." or a shell test's "SKIP (kernel): ..."): those are
# listed at the end, and do not fail.
#
# Then the same tests again in a second build with AddressSanitizer, LeakSanitizer
# and UBSan (meson -Db_sanitize=address,undefined; tests/lib/sanitizers.sh fails a
# test on any report): SYSREC_SANITIZE=ci (the default) runs the unit and
# privileged suites and the D-Bus integration test there, =all every suite, =no
# none. The summary covers both runs.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${SYSREC_BUILD:-build}
ASAN_BUILD=${SYSREC_ASAN_BUILD:-build-asan}
SANITIZE=${SYSREC_SANITIZE:-ci}
case "$SANITIZE" in
ci | all | no) ;;
*) echo "run-all.sh: SYSREC_SANITIZE must be ci, all or no, not '$SANITIZE'" >&2; exit 1 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
        # A user with sudo types the same command as root does.
        if command -v sudo >/dev/null; then
                exec sudo --preserve-env=CI,SYSREC_BUILD,SYSREC_ASAN_BUILD,SYSREC_SANITIZE "$0" "$@"
        fi
        echo "run-all.sh: the privileged and integration suites load BPF programs and create cgroups; run as root." >&2
        exit 1
fi

./scripts/install-deps.sh
# The arm64 VM's (vm-arm64-6.1): qemu-system-aarch64, the cross toolchain, the
# :arm64 libraries (dpkg gains the arm64 architecture).
./scripts/install-deps.sh --arm64
if [ ! -d "$BUILD" ]; then
        meson setup "$BUILD" -Dwerror=true -Dman=enabled
fi
ninja -C "$BUILD"
if [ "$SANITIZE" != no ]; then
        if [ ! -d "$ASAN_BUILD" ]; then
                meson setup "$ASAN_BUILD" -Dwerror=true -Dman=enabled -Db_sanitize=address,undefined -Db_lundef=false
        fi
        ninja -C "$ASAN_BUILD"
fi

set +e
meson test -C "$BUILD" --print-errorlogs --no-rebuild \
        --suite unit --suite privileged --suite integration "$@"
meson_rc=$?
logs=("$BUILD/meson-logs/testlog.json")
if [ "$SANITIZE" != no ]; then
        if [ "$SANITIZE" = all ]; then
                asan_tests=(--suite unit --suite privileged --suite integration)
        else
                # fuzz-smoke is left out: its harnesses are built with
                # -fsanitize=fuzzer,address,undefined in any build, and ran above.
                mapfile -t asan_tests < <(meson test -C "$ASAN_BUILD" --no-rebuild --list \
                        --suite unit --suite privileged 2>/dev/null | sed 's|.* / ||' | grep -vx fuzz-smoke)
                asan_tests+=(dbus)
        fi
        meson test -C "$ASAN_BUILD" --print-errorlogs --no-rebuild "${asan_tests[@]}" || meson_rc=1
        logs+=("$ASAN_BUILD/meson-logs/testlog.json")
fi
set -e

# What the source tree defines, for the check below that all of it was registered and ran.
registered=$BUILD/meson-logs/registered-tests.json
meson introspect "$BUILD" --tests >"$registered"

summary_rc=0
SYSREC_HOST_ARCH=$(dpkg --print-architecture) SYSREC_ALL_TESTS=$(($# == 0)) SYSREC_REGISTERED=$registered \
        python3 - "${logs[@]}" <<'PY' || summary_rc=$?
import json, os, re, sys

passed = failed = skipped = 0
strict = bool(os.environ.get("CI"))
problems = []
notes = []
def parse_name(full):
    """meson's "project:suite1+suite2 / name": the name and the suites."""
    prefix, _, base = full.rpartition(" / ")
    project, _, suites = prefix.partition(":")
    return base, [f"{project}:{x}" for x in suites.split("+")] if suites else []

# The tests a VM (tests/vm/test-vm.sh) of this machine's architecture ran in
# full, on a kernel that runs what this one cannot: their kernel skips here are
# proven there. (An arm64 VM's compat checks are AArch32's, not i386's.)
with open("tests/vm/machines") as f:
    vm_arch = dict(l.split()[:2] for l in f if l.strip() and not l.startswith("#"))
proven = {}
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        if "sysrec:vm" not in parse_name(t["name"])[1]:
            continue
        vm_out = t.get("stdout", "") or ""
        for vm, test, block in re.findall(r"^--- vm (\S+): (\S+)\n(.*?)^  \2: \d+ passed, 0 failed$", vm_out, re.M | re.S):
            if vm_arch.get(vm) != os.environ["SYSREC_HOST_ARCH"]:
                continue
            if not re.search(r"^ok \d+ \S+ # SKIP kernel:|^SKIP \(kernel\): ", block, re.M):
                proven.setdefault(test, vm)
for i, log in enumerate(sys.argv[1:]):
    with open(log) as f:
        for line in f:
            t = json.loads(line)
            name, result = ("sanitizers " if i else "") + t["name"], t["result"]
            out = t.get("stdout", "") or ""
            base, suites = parse_name(t["name"])
            m = re.findall(r"^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped \(kernel\))?", out, re.M)
            tap_ok = len(re.findall(r"^ok \d+", out, re.M))
            tap_skip = len(re.findall(r"^ok \d+ .*# SKIP", out, re.M))
            kernel_skips = re.findall(r"^ok \d+ (\S+) # SKIP (kernel: .*)$", out, re.M)
            kernel_skips += re.findall(r"^SKIP \(kernel\): (.*) — (.*)$", out, re.M)
            tap_fail = len(re.findall(r"^not ok \d+", out, re.M))
            vm = proven.get(base)
            for what, why in kernel_skips:
                if vm:
                    notes.append(f"proven in vm-{vm}: {name}: {what} (skipped on this kernel: {why})")
                else:
                    notes.append(f"kernel skip: {name}: {what} skipped: {why}")
            if m:
                p, fl = int(m[-1][0]), int(m[-1][1])
                skipped += int(m[-1][2] or 0) - (len(kernel_skips) if vm else 0)
            elif tap_ok or tap_fail:
                p, fl = tap_ok - tap_skip, tap_fail
                skipped += tap_skip - (len(kernel_skips) if vm else 0)
                other_skips = tap_skip - len(kernel_skips)
                if other_skips and strict and any(s.endswith(("privileged", "integration")) for s in suites):
                    fl += other_skips
                    problems.append(f"{name}: {other_skips} privileged check(s) skipped under CI")
            else:
                p, fl = (1, 0) if result == "OK" else (0, 1)
            if result == "SKIP":
                skipped += 1
                p = 0
                if strict:
                    fl = max(fl, 1)
                    problems.append(f"{name}: skipped under CI")
            elif result not in ("OK", "EXPECTEDFAIL") and fl == 0:
                fl = 1
                problems.append(f"{name}: {result}")
            passed += p
            failed += fl
# Under CI, a test file of the tree (tests/**/test-*, tests/*/run-*.sh) that no meson
# test runs, or a registered test of the three suites that did not run, is a failure:
# a suite must never vanish silently (an optional tool missing at setup, say).
if strict:
    import glob
    with open(os.environ["SYSREC_REGISTERED"]) as f:
        registered = json.load(f)
    used = {os.path.basename(a) for t in registered for a in t["cmd"]}
    defined = glob.glob("tests/**/test-*.[cs]*", recursive=True) + glob.glob("tests/*/run-*.sh")
    for path in sorted(defined):
        base = os.path.basename(path)
        if base not in used and base.rsplit(".", 1)[0] not in used:
            failed += 1
            problems.append(f"{path}: defined in the source tree but not registered as a meson test")
    with open(sys.argv[1]) as f:
        ran = {json.loads(line)["name"].split(" / ")[-1] for line in f}
    for t in registered if os.environ.get("SYSREC_ALL_TESTS") == "1" else []:
        if set(t["suite"]) & {"sysrec:unit", "sysrec:privileged", "sysrec:integration"} and t["name"] not in ran:
            failed += 1
            problems.append(f"{t['name']}: registered in {', '.join(t['suite'])} but did not run")
for n in notes:
    print(n)
for p in problems:
    print("problem:", p)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
[ $meson_rc -eq 0 ] && exit $summary_rc
exit 1
