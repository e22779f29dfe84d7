#!/bin/bash
# python3: CPython's own regression tests (Debian's libpython3.11-testsuite) run by
# its test driver, `python3.11 -m test`, one process: JSON, struct, bisect, glob,
# tempfile, shutil, csv, zlib and the tests of PY_TESTS if set. Usage: python3.sh DIR
# (DIR is made afresh and is the tests' working and temporary directory). Exits
# non-zero unless every test passes.
set -euo pipefail
dir=$1
py=/usr/bin/python3.11
# shellcheck disable=SC2206
tests=(${PY_TESTS:-test_json test_struct test_bisect test_glob test_tempfile test_shutil test_csv test_zlib})
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
export TMPDIR=$dir HOME=$dir PYTHONDONTWRITEBYTECODE=1
out=$("$py" -m test -q "${tests[@]}" 2>&1) || { echo "$out" >&2; exit 1; }
grep -q '^Tests result: SUCCESS$' <<<"$out" || { echo "$out" >&2; exit 1; }
cd / && rm -rf "$dir"
echo "python3: ok (${#tests[@]} regression tests)"
