#!/usr/bin/env bash
# benches/profile.sh - what each server does per operation, counted rather
# than timed: system calls per op (strace -c -f) and user-space instructions
# per op (valgrind --tool=callgrind). Both are nearly independent of what
# else the machine is doing, so they separate servers whose CPU-µs/op in
# compare.sh differ by less than this shared VM's noise (±10-15% a run).
#
#   bash benches/profile.sh                       # every workload (~6 min)
#   WORKLOADS="b d" bash benches/profile.sh       # a subset
#
# Output: benches/profile.md (RESULTS_DIR overrides where), raw rows and
# logs in target/bench-profile/. Needs strace and valgrind (Debian packages
# of those names); the rates are low because callgrind runs the server about
# 50x slower than native. Instructions/op = (Ir of the loaded run - Ir of an
# idle run of the same server) / ops: start-up, shutdown and idle wake-ups
# cancel out. Kernel work is not in Ir; the syscall counts stand for it.
# Loopback only; every run is bounded in time.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=benches/cpu_per_op.sh
source benches/cpu_per_op.sh

for tool in strace valgrind callgrind_annotate; do
    command -v "$tool" >/dev/null || { echo "profile.sh: $tool is not installed" >&2; exit 1; }
done
BIN=target/release/examples
OUT=${OUT:-target/bench-profile}
RESULTS_DIR=${RESULTS_DIR:-benches}
WORKLOADS=" ${WORKLOADS:-a b c d f g} "
wants() { [[ $WORKLOADS == *" $1 "* ]]; }
export RUST_LOG=warn
mkdir -p "$OUT/logs"
cargo build --release --quiet --example echo_bench --example tcp_echo_server --example async_echo_server \
    --example peer_tokio_echo --example peer_epoll_floor --example peer_epoll_udp_floor \
    --example http_server --example udp_echo_server

PORT=$((22000 + RANDOM % 500 * 10))
SERVER_PID=
stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    # SIGTERM, not SIGINT: a background job of a script starts with SIGINT
    # ignored, and the peers without a handler of their own would not stop.
    # Under strace the server is strace's child (strace writes its summary
    # when the child exits); under valgrind it is the process itself.
    pkill -TERM -P "$SERVER_PID" 2>/dev/null || true
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local tries=200
    while kill -0 "$SERVER_PID" 2>/dev/null && ((tries-- > 0)); do sleep 0.05; done
    pkill -9 -P "$SERVER_PID" 2>/dev/null || true
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
trap stop_server EXIT

# launch NAME PROTO WRAPPER... -> the server under WRAPPER on a fresh port,
# once it is bound (callgrind needs a few seconds to start).
launch() {
    local name=$1 proto=$2 hex tries=400
    shift 2
    PORT=$((PORT + 1))
    # shellcheck disable=SC2046 # the command is words on purpose
    "$@" $(server_cmd "$name") --addr "127.0.0.1:$PORT" >/dev/null 2>>"$OUT/logs/$name.log" </dev/null &
    SERVER_PID=$!
    if [[ $proto == udp ]]; then
        printf -v hex ':%04X ' "$PORT"
        while ! grep -q "$hex" /proc/net/udp && ((tries-- > 0)); do sleep 0.05; done
    else
        wait_port 127.0.0.1 "$PORT" 20 || return 1
    fi
    sleep 0.5
    # Still alive? (If not, something else owns the port: say so, skip.)
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "profile.sh: $name did not start" >&2; return 1; }
}

# load ARGS... -> echo_bench against PORT; prints the operations completed.
load() {
    timeout 60 taskset -c 1 "$BIN/echo_bench" --addr "127.0.0.1:$PORT" --duration 3 --warmup 0.5 \
        --json "$@" 2>>"$OUT/logs/echo_bench.log" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["total_ops"])' || echo 0
}

# ir FILE -> total instructions in a callgrind output file.
ir() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ && !n++ { gsub(",", "", $1); print $1 }'; }

# one WORKLOAD NAME PROTO ARGS... -> a row: syscalls/op by name, Ir/op.
one() {
    local wl=$1 name=$2 proto=$3 ops idle_ir load_ir calls
    shift 3
    echo "profile.sh: $wl vs $name" >&2
    launch "$name" "$proto" strace -f -c -o "$OUT/strace.txt" || { stop_server; return 0; }
    ops=$(load "$@")
    stop_server
    # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
    calls=$(awk -v ops="$ops" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
        if (ops > 0 && $4 / ops >= 0.01) printf "%s %.2f, ", $NF, $4 / ops }' "$OUT/strace.txt")
    launch "$name" "$proto" valgrind --tool=callgrind --callgrind-out-file="$OUT/idle.out" || { stop_server; return 0; }
    sleep 3
    stop_server
    idle_ir=$(ir "$OUT/idle.out")
    launch "$name" "$proto" valgrind --tool=callgrind --callgrind-out-file="$OUT/load.out" || { stop_server; return 0; }
    local cg_ops
    cg_ops=$(load "$@")
    stop_server
    load_ir=$(ir "$OUT/load.out")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$name" "$ops" "${calls%, }" "$cg_ops" \
        "$(((load_ir - idle_ir) / (cg_ops > 0 ? cg_ops : 1)))" >>"$OUT/raw.tsv"
}

printf 'workload\tserver\tops\tsyscalls_per_op\tcallgrind_ops\tir_per_op\n' >"$OUT/raw.tsv"
ECHO=(evloop evloop-async tokio mio epoll-floor)
for s in "${ECHO[@]}"; do
    wants a && one "a: 50 conns x 128 B at 4000/s" "$s" tcp --conns 50 --size 128 --rate 4000
    wants b && one "b: 8 conns x depth 16 x 64 B at 20000/s" "$s" tcp --conns 8 --depth 16 --size 64 --rate 20000
    wants c && one "c: 1 conn ping-pong 64 B" "$s" tcp --conns 1 --size 64
    wants g && one "g: churn, 20 conns at 1000 conn/s" "$s" tcp --mode tcp-churn --conns 20 --size 64 --rate 1000
done
for s in ${HTTP_SERVERS:-evloop-http evloop-http-quiet evloop-canned epoll-floor-http}; do
    wants d && one "d: HTTP keep-alive GET, 50 conns at 4000/s" "$s" tcp --mode http --conns 50 --rate 4000
done
for s in evloop-udp tokio-udp epoll-floor-udp epoll-floor-udp-batch; do
    wants f && one "f: UDP bursts of 16 x 64 B from 16 sockets" "$s" udp --mode udp-echo --conns 16 --size 64 \
        --depth 16 --burst --timeout 0.05
done

python3 - "$OUT/raw.tsv" "$RESULTS_DIR/profile.md" <<'EOF'
import csv, datetime, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
md = ["# What each server does per operation", "",
      f"Generated by `benches/profile.sh` on {now}. Counted, not timed: system calls per operation "
      "(`strace -c -f`, native speed) and user-space instructions per operation (callgrind, Ir; the "
      "same load at the same rate, minus an idle run of the same server). Kernel work is not in Ir: "
      "two servers with the same calls per op do about the same work in the kernel.", ""]
by = {}
for r in rows:
    by.setdefault(r["workload"], []).append(r)
for wl, rs in by.items():
    md += [f"## {wl}", "", "| server | user instructions/op | syscalls/op |", "|---|---:|---|"]
    for r in rs:
        md.append(f"| {r['server']} | {int(r['ir_per_op']):,} | {r['syscalls_per_op']} |")
    md.append("")
open(sys.argv[2], "w").write("\n".join(md))
EOF
echo "profile.sh: wrote $RESULTS_DIR/profile.md" >&2
