#!/bin/bash
# The test command of the README: install what is needed (Debian packages),
# build, and run every suite (unit, privileged, integration) as root.
# Ends with "N passed, N failed" summed over every check of every suite.
# A privileged or integration check that skips counts as failed when CI is
# set (CI runs as root: there is no reason for a skip there).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${SYSREC_BUILD:-build}
if [ "$(id -u)" -ne 0 ]; then
        echo "run-all.sh: the privileged and integration suites load BPF programs and create cgroups; run as root." >&2
        exit 1
fi

./scripts/install-deps.sh
if [ ! -d "$BUILD" ]; then
        meson setup "$BUILD" -Dwerror=true
fi
ninja -C "$BUILD"

set +e
meson test -C "$BUILD" --print-errorlogs --no-rebuild \
        --suite unit --suite privileged --suite integration "$@"
meson_rc=$?
set -e

summary_rc=0
python3 - "$BUILD/meson-logs/testlog.json" <<'PY' || summary_rc=$?
import json, os, re, sys

passed = failed = skipped = 0
strict = bool(os.environ.get("CI"))
problems = []
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        name, result = t["name"], t["result"]
        out = t.get("stdout", "") or ""
        suites = t.get("suite", [])
        m = re.findall(r"^(?:\w+: )?(\d+) passed, (\d+) failed", out, re.M)
        tap_ok = len(re.findall(r"^ok \d+", out, re.M))
        tap_skip = len(re.findall(r"^ok \d+ .*# SKIP", out, re.M))
        tap_fail = len(re.findall(r"^not ok \d+", out, re.M))
        if m:
            p, fl = int(m[-1][0]), int(m[-1][1])
        elif tap_ok or tap_fail:
            p, fl = tap_ok - tap_skip, tap_fail
            skipped += tap_skip
            if tap_skip and strict and any(s.endswith(("privileged", "integration")) for s in suites):
                fl += tap_skip
                problems.append(f"{name}: {tap_skip} privileged check(s) skipped under CI")
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
for p in problems:
    print("problem:", p)
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
[ $meson_rc -eq 0 ] && exit $summary_rc
exit 1
