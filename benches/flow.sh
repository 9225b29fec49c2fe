#!/usr/bin/env bash
# ritc's sequential flows against Hurl: the same 1,000 GET-and-assert requests on a
# local server, run side by side, each tool several times; prints the medians and
# the ratio. Needs hurl on PATH (`cargo install hurl`, which needs Debian's
# libcurl4-openssl-dev and libxml2-dev).
# Usage: benches/flow.sh [requests] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${1:-1000}"
runs="${2:-5}"
command -v hurl >/dev/null || { echo "hurl is not installed: cargo install hurl" >&2; exit 1; }
cargo build --release -q -p ritc -p rit-demo
work="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./target/release/rit-demo inventory --port "$port" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done

url="http://127.0.0.1:$port/api/inventory/widget"
# The same checks in both: status 200 and a JSON field.
{
  echo 'test "sequential" {'
  for i in $(seq "$requests"); do
    echo "  GET \"$url\""
    echo '  expect status == 200'
    echo '  expect json.product == "widget"'
  done
  echo '}'
} > "$work/flow.rit"
for i in $(seq "$requests"); do
  printf 'GET %s\nHTTP 200\n[Asserts]\njsonpath "$.product" == "widget"\n\n' "$url"
done > "$work/flow.hurl"

median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
ritc_ms=$(median_ms ./target/release/ritc run "$work/flow.rit")
hurl_ms=$(median_ms hurl --test "$work/flow.hurl")
echo "requests: $requests, runs: $runs (medians)"
echo "ritc: ${ritc_ms} ms   hurl: ${hurl_ms} ms   ritc/hurl: $(python3 -c "print(round($ritc_ms/$hurl_ms, 2))")"
