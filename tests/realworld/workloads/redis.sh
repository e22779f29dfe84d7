#!/bin/bash
# redis: redis-server in the foreground on a loopback port, driven by redis-benchmark
# (its standard load generator: SET, GET, INCR, LPUSH, LPOP, HSET, ZADD, MSET with 8
# clients, pipelined) and redis-cli (INFO, a key read back, SAVE to an RDB file,
# SHUTDOWN). Usage: redis.sh DIR PORT (DIR is made afresh). Exits non-zero if the
# server does not come up, the benchmark or a read-back fails, or the server exits badly.
set -euo pipefail
dir=$1 port=$2
rm -rf "$dir" && mkdir -p "$dir"
# The server's readiness is read from its log, a line at a time, through a FIFO: a
# polling loop (ping, sleep, ping again) makes the syscalls of a run depend on how fast
# the server came up (a run that never sleeps has no clock_nanosleep), and a profile
# recorded from one run would then fail another.
mkfifo "$dir/log.fifo"
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --dbfilename dump.rdb --save '' \
        --appendonly no --daemonize no --logfile '' >"$dir/log.fifo" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
exec 3<"$dir/log.fifo"
up=
while IFS= read -r line <&3; do
        printf '%s\n' "$line" >>"$dir/redis.log"
        [[ "$line" == *"Ready to accept connections"* ]] && { up=1; break; }
done
[[ -n "$up" ]] || { echo "redis: the server exited before it was ready" >&2; cat "$dir/redis.log" >&2; exit 1; }
cat <&3 >>"$dir/redis.log" &
exec 3<&-
redis-benchmark -p "$port" -q -n 5000 -c 8 -P 4 -t set,get,incr,lpush,lpop,hset,zadd,mset >"$dir/bench.out"
[[ $(grep -c 'requests per second' "$dir/bench.out") -ge 8 ]] || { cat "$dir/bench.out" >&2; exit 1; }
redis-cli -p "$port" set sysrec realworld >/dev/null
[[ "$(redis-cli -p "$port" get sysrec)" == realworld ]]
redis-cli -p "$port" info keyspace | grep '^db0:keys=' >/dev/null
redis-cli -p "$port" save | grep OK >/dev/null
[[ -s "$dir/dump.rdb" ]]
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$server"
wait # the log reader, which ends with the server
trap - EXIT
rm -rf "$dir"
echo "redis: ok"
