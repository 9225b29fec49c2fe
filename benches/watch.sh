#!/usr/bin/env bash
# What watching costs a load: the same `load` (benches/watch/bench.rit, with a Redis
# and a PostgreSQL step before it so both samplers run throughout) with and without
# --no-watch, interleaved, ROUNDS times each.
#
#   benches/watch.sh [ROUNDS] [SECONDS] [CONNECTIONS]      (defaults: 5 5 50)
#
# - ritc: $RITC, else target/release/ritc, else target/debug/ritc (say which in
#   docs/performance.md: a debug build shows the relative cost, not the speed);
# - the target: nginx serving a static JSON file (benches/load/nginx.conf), pinned to
#   the first CPU and ritc to the second when there are two (taskset);
# - Redis at $REDIS_URL (redis://127.0.0.1:6379) and PostgreSQL at $DATABASE_URL
#   (postgres://postgres@127.0.0.1:5432/test);
# - prints, for each mode, the median over the rounds of req/s, p50, p99 and ritc's
#   CPU time (user + system, GNU time); raw rounds in target/watch-bench/results.tsv.
# Needs: bash, python3, nginx, GNU time (/usr/bin/time), taskset, curl.
set -euo pipefail

ROUNDS=${1:-5}
SECONDS_PER_RUN=${2:-5}
CONNECTIONS=${3:-50}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/target/watch-bench"
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
rm -rf "$OUT"
mkdir -p "$OUT/nginx/www"
cd "$ROOT"

if [ -n "${RITC:-}" ]; then :
elif [ -x target/release/ritc ]; then RITC=$ROOT/target/release/ritc
else RITC=$ROOT/target/debug/ritc
fi
echo "ritc: $RITC" >&2

if [ "$(nproc)" -ge 2 ]; then
    SERVER_PIN=(taskset -c 0)
    CLIENT_PIN=(taskset -c 1)
else
    SERVER_PIN=(env)
    CLIENT_PIN=(env)
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
printf '{"status":"healthy"}\n' >"$OUT/nginx/www/health.json"
sed -e "s|@DIR@|$OUT/nginx|g" -e "s|@PORT@|$PORT|g" -e "s|@USER@|$(id -un)|g" \
    "$ROOT/benches/load/nginx.conf" >"$OUT/nginx/nginx.conf"
"${SERVER_PIN[@]}" "$NGINX" -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT/health.json"
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$URL" 2>/dev/null; then break; fi
    sleep 0.1
done

run_mode() {
    local mode=$1 round=$2
    local flags=()
    [ "$mode" = unwatched ] && flags=(--no-watch)
    "${CLIENT_PIN[@]}" /usr/bin/time -o "$OUT/$mode-$round.time" -f "%U %S" \
        "$RITC" run benches/watch/bench.rit "${flags[@]}" --param "url=$URL" \
        --param "redis_url=$REDIS_URL" --param "database_url=$DATABASE_URL" \
        --param "connections=$CONNECTIONS" --param "seconds=$SECONDS_PER_RUN" \
        --param "out=$OUT/$mode-$round.txt" >"$OUT/$mode-$round.out" 2>&1
}

printf 'mode\tround\trequests\treq_per_s\tp50\tp99\tcpu_s\n' >"$OUT/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
    for mode in watched unwatched; do
        echo "round $round/$ROUNDS: $mode" >&2
        run_mode "$mode" "$round"
        read -r requests throughput p50 p99 <"$OUT/$mode-$round.txt"
        read -r user system <"$OUT/$mode-$round.time"
        cpu=$(python3 -c "print(round($user + $system, 2))")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$requests" "$throughput" "$p50" "$p99" "$cpu" >>"$OUT/results.tsv"
    done
done

python3 - "$OUT/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def number(text):
    text = text.strip()
    for unit, factor in (("µs", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)
print("mode       req/s      p50 ms   p99 ms   ritc CPU s")
for mode in ("watched", "unwatched"):
    picked = [row for row in rows if row["mode"] == mode]
    median = lambda key: statistics.median(number(row[key]) for row in picked)
    print(f"{mode:<10} {median('req_per_s'):>9.0f} {median('p50'):>8.2f} {median('p99'):>8.2f} {median('cpu_s'):>10.2f}")
PY
