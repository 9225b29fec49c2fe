#!/usr/bin/env bash
# Benchmarks ritc's `load` step against wrk and oha on the same local target.
#
#   benches/load.sh [ROUNDS] [SECONDS] [CONNECTIONS]      (defaults: 3 10 50)
#
# - builds ritc in release;
# - starts the target: nginx (Debian's package) serving a static JSON file on
#   127.0.0.1 with one worker process, or, without nginx, the demo's inventory
#   service (`rit-demo inventory`, GET /health) built in release;
# - pins the server to the first CPU and every client to the second (taskset), when
#   there are two or more, and runs them all at nice -15 when run as root;
# - runs wrk, oha (skipped with a note if it is not installed: `cargo install oha`)
#   and `ritc run benches/load/bench.rit` in turn, ROUNDS times (interleaved), each
#   for SECONDS with CONNECTIONS connections;
# - prints, per tool, the median over the rounds of req/s, p50, p99 and client CPU
#   time per request, and ritc's ratios to wrk; the raw numbers of every round go to
#   target/load-bench/results.tsv.
#
# MEMORY=1 also runs ritc with 1000 connections for 30 s and prints its peak RSS.
# REQWEST=1 also runs the same load through ritc's reqwest transport in each round
# (benches/load/bench-reqwest.rit), to compare it with the lean HTTP/1.1 one.
# SAME_REQUEST=0 lets wrk and oha send their own, shorter request (below).
# CLIENT_CPU=PERCENT gives each client at most PERCENT of one core (a CPU cgroup's
# quota; needs root and the cgroup's cpu controller, v1 or v2). On one pinned nginx
# core the server is the limit, so the rate shows which client nginx served faster
# in a round more than it shows the clients; with the client held below what the
# server can take, the client is the limit and req/s compares the clients.
# Needs: bash, python3, GNU time (/usr/bin/time), taskset; wrk (`apt-get install wrk`).
set -euo pipefail

ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/target/load-bench"
BENCH_RIT="$ROOT/benches/load/bench.rit"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$ROOT"

note() { printf '%s\n' "$*" >&2; }

command -v wrk >/dev/null || { note "wrk is missing: apt-get install -y wrk"; exit 1; }
[ -x /usr/bin/time ] || { note "GNU time is missing: apt-get install -y time"; exit 1; }
HAVE_OHA=1
command -v oha >/dev/null || { HAVE_OHA=0; note "oha is not installed (cargo install oha --locked): skipped"; }

note "building ritc (release)…"
cargo build --release --quiet --bin ritc
RITC="$ROOT/target/release/ritc"

# The server runs through `taskset`, which execs it: $! is then the server's pid.
# As root, the server and every client also run at nice -15, so that builds and
# tests running meanwhile on the machine disturb them less (all tools alike).
PRIORITY=()
[ "$(id -u)" = 0 ] && PRIORITY=(nice -n -15)
if [ "$(nproc)" -ge 2 ]; then
    SERVER_PIN=("${PRIORITY[@]}" taskset -c 0)
    CLIENT_PIN=("${PRIORITY[@]}" taskset -c 1)
else
    note "one CPU: nothing is pinned"
    SERVER_PIN=("${PRIORITY[@]}" env)
    CLIENT_PIN=("${PRIORITY[@]}" env)
fi

# CLIENT_CPU: a cgroup whose quota is that share of one core; each client joins it
# through `sh`, which writes its own pid to the cgroup and then execs the client.
CGROUP=""
if [ -n "${CLIENT_CPU:-}" ]; then
    quota=$((CLIENT_CPU * 1000))
    if [ -d /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cgroup.procs ]; then
        CGROUP=/sys/fs/cgroup/cpu/ritc-load-bench
        mkdir -p "$CGROUP"
        echo 100000 >"$CGROUP/cpu.cfs_period_us"
        echo "$quota" >"$CGROUP/cpu.cfs_quota_us"
    elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
        CGROUP=/sys/fs/cgroup/ritc-load-bench
        mkdir -p "$CGROUP"
        echo "$quota 100000" >"$CGROUP/cpu.max"
    else
        note "CLIENT_CPU needs a CPU cgroup (cgroup v1's cpu or v2's cpu controller)"
        exit 1
    fi
    CLIENT_PIN+=(sh -c 'echo $$ >"$0" && exec "$@"' "$CGROUP/cgroup.procs")
    note "each client gets at most ${CLIENT_CPU}% of one core ($CGROUP)"
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$CGROUP" ]; then rmdir "$CGROUP" 2>/dev/null || true; fi
}
trap cleanup EXIT

if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
    TARGET="nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), static JSON"
    mkdir -p "$OUT/nginx/www"
    printf '{"status":"healthy"}\n' >"$OUT/nginx/www/health.json"
    sed -e "s|@DIR@|$OUT/nginx|g" -e "s|@PORT@|$PORT|g" -e "s|@USER@|$(id -un)|g" \
        "$ROOT/benches/load/nginx.conf" >"$OUT/nginx/nginx.conf"
    "${SERVER_PIN[@]}" "$NGINX" -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx" >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    URL="http://127.0.0.1:$PORT/health.json"
else
    note "nginx is missing: the target is rit-demo's inventory service"
    cargo build --release --quiet -p rit-demo
    TARGET="rit-demo inventory, GET /health"
    "${SERVER_PIN[@]}" "$ROOT/target/release/rit-demo" inventory --port "$PORT" >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    URL="http://127.0.0.1:$PORT/health"
fi

for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$URL" 2>/dev/null; then break; fi
    sleep 0.1
done
curl -fsS -o /dev/null "$URL" || { note "the target did not come up at $URL"; exit 1; }

# One run of a tool: its output in $OUT/<tool>-<round>.out, CPU time and peak RSS
# in $OUT/<tool>-<round>.time ("user system maxrss_kb").
timed() {
    local name=$1
    shift
    "${CLIENT_PIN[@]}" /usr/bin/time -o "$OUT/$name.time" -f "%U %S %M" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
}

# Every tool sends the same request: ritc's load adds `user-agent` and `accept`
# (what reqwest adds, so both of its transports send one request), which wrk does
# not. nginx parses two more header lines per request, and on its one core that
# alone costs it about 6% of its rate (docs/performance.md); SAME_REQUEST=0 leaves
# wrk and oha to their own headers.
SAME_HEADERS=()
if [ "${SAME_REQUEST:-1}" = 1 ]; then
    SAME_HEADERS=(-H "user-agent: ritc/$("$RITC" --version | awk '{print $2}')" -H "accept: */*")
fi
run_wrk() {
    timed "wrk-$1" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "${SAME_HEADERS[@]}" "$URL"
}
run_oha() {
    timed "oha-$1" oha --no-tui --output-format json -z "${SECONDS_PER_RUN}s" -c "$CONNECTIONS" "${SAME_HEADERS[@]}" "$URL"
}
run_ritc() {
    timed "ritc-$1" "$RITC" run "$BENCH_RIT" --param "url=$URL" --param "connections=$CONNECTIONS" \
        --param "seconds=$SECONDS_PER_RUN" --param "out=$OUT/ritc-$1.txt"
}
run_ritc_reqwest() {
    timed "ritc-reqwest-$1" "$RITC" run "$ROOT/benches/load/bench-reqwest.rit" --param "url=$URL" \
        --param "connections=$CONNECTIONS" --param "seconds=$SECONDS_PER_RUN" --param "out=$OUT/ritc-reqwest-$1.txt"
}

TOOLS=wrk
[ "$HAVE_OHA" = 1 ] && TOOLS="$TOOLS,oha"
TOOLS="$TOOLS,ritc"
[ "${REQWEST:-0}" = 1 ] && TOOLS="$TOOLS,ritc-reqwest"

note "target: $TARGET at $URL; $ROUNDS rounds of ${SECONDS_PER_RUN}s, $CONNECTIONS connections"
# A short warm-up of the target, not recorded.
"${CLIENT_PIN[@]}" wrk -t1 -c"$CONNECTIONS" -d2s "$URL" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
    note "round $round/$ROUNDS: wrk"
    run_wrk "$round"
    if [ "$HAVE_OHA" = 1 ]; then
        note "round $round/$ROUNDS: oha"
        run_oha "$round"
    fi
    note "round $round/$ROUNDS: ritc"
    run_ritc "$round"
    if [ "${REQWEST:-0}" = 1 ]; then
        note "round $round/$ROUNDS: ritc through reqwest"
        run_ritc_reqwest "$round"
    fi
done

if [ "${MEMORY:-0}" = 1 ]; then
    note "memory: ritc with 1000 connections for 30s"
    timed "ritc-memory" "$RITC" run "$BENCH_RIT" --param "url=$URL" --param "connections=1000" \
        --param "seconds=30" --param "out=$OUT/ritc-memory.txt"
fi

python3 "$ROOT/benches/load/report.py" "$OUT" "$ROUNDS" "$TOOLS" "$TARGET" "$SECONDS_PER_RUN" "$CONNECTIONS"
