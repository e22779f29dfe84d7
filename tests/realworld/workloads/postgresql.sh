#!/bin/bash
# postgresql: a cluster made by initdb and run by pg_ctl as the postgres user (the
# server refuses root), loaded and driven by pgbench (its TPC-B-like standard
# transaction, 4 clients, 2 threads), checked with psql (row
# counts, a VACUUM ANALYZE, a CHECKPOINT), then stopped. Usage: postgresql.sh DIR PORT
# (DIR is made afresh). Exits non-zero if a step fails or a count is wrong.
set -euo pipefail
dir=$1 port=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
rm -rf "$dir" && mkdir -p "$dir" && chown postgres: "$dir"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$dir" "$@"; }
as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
        -o "-p $port -k $dir -c listen_addresses='' -c fsync=off -c shared_buffers=16MB" start
trap 'as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w -s stop 2>/dev/null || true' EXIT
as_pg "$bin/pgbench" -h "$dir" -p "$port" -U postgres -i -s 1 -q postgres 2>"$dir/init.log"
as_pg "$bin/pgbench" -h "$dir" -p "$port" -U postgres -c 4 -j 2 -t 200 -n postgres >"$dir/bench.out"
grep -q '^number of transactions actually processed: 800/800$' "$dir/bench.out" || { cat "$dir/bench.out" >&2; exit 1; }
psql() { as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -XAtq -v ON_ERROR_STOP=1 "$@" postgres; }
[[ "$(psql -c 'SELECT count(*) FROM pgbench_accounts')" == 100000 ]]
[[ "$(psql -c 'SELECT count(*) FROM pgbench_history')" == 800 ]]
psql -c 'VACUUM ANALYZE' -c 'CHECKPOINT'
as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -s stop
trap - EXIT
rm -rf "$dir"
echo "postgresql: ok"
