#!/bin/bash
# redis: redis-server in the foreground on a loopback port, driven by redis-benchmark
# (its standard load generator: SET, GET, INCR, LPUSH, LPOP, HSET, ZADD, MSET with 8
# clients, pipelined) and redis-cli (INFO, a key read back, SAVE to an RDB file,
# SHUTDOWN). Usage: redis.sh DIR PORT (DIR is made afresh). Exits non-zero if the
# server does not come up, the benchmark or a read-back fails, or the server exits badly.
set -euo pipefail
dir=$1 port=$2
rm -rf "$dir" && mkdir -p "$dir"
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --dbfilename dump.rdb --save '' \
        --appendonly no --daemonize no --logfile "$dir/redis.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
up=
for _ in $(seq 200); do
        redis-cli -p "$port" ping 2>/dev/null | grep PONG >/dev/null && { up=1; break; }
        sleep 0.05
done
[[ -n "$up" ]] || { echo "redis: the server did not answer on port $port" >&2; cat "$dir/redis.log" >&2; exit 1; }
redis-benchmark -p "$port" -q -n 5000 -c 8 -P 4 -t set,get,incr,lpush,lpop,hset,zadd,mset >"$dir/bench.out"
[[ $(grep -c 'requests per second' "$dir/bench.out") -ge 8 ]] || { cat "$dir/bench.out" >&2; exit 1; }
redis-cli -p "$port" set sysrec realworld >/dev/null
[[ "$(redis-cli -p "$port" get sysrec)" == realworld ]]
redis-cli -p "$port" info keyspace | grep '^db0:keys=' >/dev/null
redis-cli -p "$port" save | grep OK >/dev/null
[[ -s "$dir/dump.rdb" ]]
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$server"
trap - EXIT
rm -rf "$dir"
echo "redis: ok"
