#!/usr/bin/env bash
# ritc's sequential flows and checking against Hurl 8.0.1, on the shared workload
# (benches/flows/workload.py: the same requests written as .hurl and as .rit).
#
#   benches/flows.sh [RUNS] [WARMUP]        (defaults: 10 3)
#
# - installs what it needs when missing: Hurl 8.0.1 (`cargo install hurl --version
#   8.0.1 --locked`, which needs Debian's libcurl4-openssl-dev, libxml2-dev and libclang-dev),
#   hurlfmt 8.0.1 (a crate of its own: `cargo install hurlfmt --version 8.0.1 --locked`;
#   `cargo install hurl` does not bring it), hyperfine and nginx (Debian's packages).
#   These are bench tools, not test dependencies: nothing else installs them;
# - builds ritc in release and writes the workload to target/flows-bench;
# - serves its JSON files with nginx on 127.0.0.1:18080 (the port the workload names),
#   one worker process pinned to CPU 0; every client is pinned to CPU 1 (taskset),
#   all at nice -15 when run as root;
# - times each pair in one `hyperfine -N` call, RUNS runs after WARMUP, and prints
#   the medians and ritc / Hurl, the figures of docs/performance.md. The raw JSON of
#   each pair is in target/flows-bench/*.json.
set -euo pipefail

RUNS=${1:-10}
WARMUP=${2:-3}
# PORT=N serves the workload on another port (when 18080 is taken, say by benches/load.sh).
PORT=${PORT:-18080}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/target/flows-bench"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$ROOT"

note() { printf '%s\n' "$*" >&2; }
have_package() { dpkg -s "$1" >/dev/null 2>&1; }
apt_install() {
    local missing=()
    for package in "$@"; do have_package "$package" || missing+=("$package"); done
    [ ${#missing[@]} -eq 0 ] && return
    note "installing ${missing[*]} (apt-get)…"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
}

# `cargo install CRATE --version 8.0.1 --locked` when BINARY is missing or not 8.0.1.
install_hurl_tool() {
    local crate=$1 binary=$2
    command -v "$binary" >/dev/null && "$binary" --version 2>/dev/null | grep -q "^$binary 8.0.1" && return
    apt_install libcurl4-openssl-dev libxml2-dev libclang-dev
    note "installing $crate 8.0.1 (cargo install, ~10 minutes)…"
    local target
    target=$(mktemp -d)
    CARGO_TARGET_DIR="$target" cargo install "$crate" --version 8.0.1 --locked >&2
    rm -rf "$target"
}
install_hurl_tool hurl hurl
install_hurl_tool hurlfmt hurlfmt
command -v hyperfine >/dev/null || apt_install hyperfine || cargo install hyperfine --locked >&2
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { apt_install nginx-light; NGINX=/usr/sbin/nginx; }

note "building ritc (release)…"
cargo build --release --quiet --bin ritc
RITC="$ROOT/target/release/ritc"
python3 "$ROOT/benches/flows/workload.py" "$OUT" "$PORT"

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

mkdir -p "$OUT/nginx"
mv "$OUT/www" "$OUT/nginx/www"
mkdir -p "$OUT/nginx/www/api"
cp "$OUT/nginx/www/products.json" "$OUT/nginx/www/api/products"
cp "$OUT/nginx/www/health.json" "$OUT/nginx/www/health"
sed -e "s|@DIR@|$OUT/nginx|g" -e "s|@PORT@|$PORT|g" -e "s|@USER@|$(id -un)|g" \
    "$ROOT/benches/load/nginx.conf" >"$OUT/nginx/nginx.conf"
"${SERVER_PIN[@]}" "$NGINX" -c "$OUT/nginx/nginx.conf" -p "$OUT/nginx" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
cleanup() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/api/products" >/dev/null 2>&1 && break
    sleep 0.05
done
curl -sf "http://127.0.0.1:$PORT/api/products" >/dev/null || { note "nginx did not start: $(cat "$OUT/server.log")"; exit 1; }

# Each tool once, so that a workload that fails is named before it is timed.
cd "$OUT"
for name in get_1 get_assert_1000 capture_chain_1000; do
    hurl --test "$name.hurl" >/dev/null 2>&1 || { note "hurl fails $name.hurl"; exit 1; }
    "$RITC" run "$name.rit" >/dev/null 2>&1 || { note "ritc fails $name.rit"; exit 1; }
done
# hyperfine stops at a command that exits non-zero: `--check` fails a file its
# formatter would write otherwise, so both checks are tried first too.
hurlfmt --check get_assert_10000.hurl >/dev/null 2>&1 || { note "hurlfmt --check fails get_assert_10000.hurl"; exit 1; }
"$RITC" check get_assert_10000.rit >/dev/null 2>&1 || { note "ritc check fails get_assert_10000.rit"; exit 1; }

pair() {
    local name=$1 hurl_command=$2 ritc_command=$3
    "${CLIENT_PIN[@]}" hyperfine -N --style none --runs "$RUNS" --warmup "$WARMUP" \
        --export-json "$OUT/$name.json" -n hurl "$hurl_command" -n ritc "$ritc_command" >&2
}
pair get_1 "hurl --test get_1.hurl" "$RITC run get_1.rit"
pair get_assert_1000 "hurl --test get_assert_1000.hurl" "$RITC run get_assert_1000.rit"
pair capture_chain_1000 "hurl --test capture_chain_1000.hurl" "$RITC run capture_chain_1000.rit"
pair check_10000 "hurlfmt --check get_assert_10000.hurl" "$RITC check get_assert_10000.rit"

python3 - "$OUT" "$RUNS" <<'PY'
import json, os, sys
out, runs = sys.argv[1], sys.argv[2]
rows = [("get_1", "1 GET + status + JSON assertion (start-up)"),
        ("get_assert_1000", "1,000 GET + status + `json[0].sku`"),
        ("capture_chain_1000", "1,000-step capture chain"),
        ("check_10000", "check 10,000 entries (`hurlfmt --check` / `ritc check`)")]
print(f"medians of {runs} runs; load average {os.getloadavg()[0]:.1f}")
print("| workload | Hurl 8.0.1 | ritc | ritc / Hurl | user CPU ritc / Hurl |")
print("|---|---:|---:|---:|---:|")
for name, label in rows:
    results = {r["command"]: r for r in json.load(open(f"{out}/{name}.json"))["results"]}
    hurl, ritc = results["hurl"], results["ritc"]
    print(f"| {label} | {hurl['median'] * 1000:.1f} ms | {ritc['median'] * 1000:.1f} ms | "
          f"{ritc['median'] / hurl['median']:.2f} | {ritc['user'] / hurl['user']:.2f} |")
PY
