#!/usr/bin/env bash
# How fast `ritc check` is on a generated 10,000-line file with 1,000 tests.
# Usage: benches/check.sh [runs]   (prints the timings; docs/performance.md keeps them)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-20}"
cargo build --release -q --bin ritc
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$work/big.rit" <<'PY'
import sys
lines = ['suite "Generated"', 'param base = "http://127.0.0.1:3000"', 'secret token = "t"', '',
         'fn login(email: string, password: string) -> string {',
         '  POST "{{base}}/api/auth/login" json { email: email, password: password }',
         '  expect status == 200', '  return json.token', '}', '']
test = 0
while len(lines) < 10_000 - 9:
    lines += [
        f'test "generated test {test}" timeout 5s tags ["gen"] {{',
        f'  POST "{{{{base}}}}/api/users" json {{ name: "user {test}", email: "u{test}@example.com" }}',
        '  expect status == 201',
        '  let id = json.id',
        '  GET "{{base}}/api/users/{{id}}" headers { Authorization: "Bearer {{login("a@b.c", "x")}}" }',
        '  expect status == 200 and json.name == "user ' + str(test) + '"',
        '  expect duration < 200ms',
        '}',
        '',
    ]
    test += 1
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
print(f"generated {len(lines)} lines, {test} tests", file=sys.stderr)
PY

lines=$(wc -l < "$work/big.rit")
./target/release/ritc check "$work/big.rit" >/dev/null 2>&1 || { echo "the generated file does not check clean" >&2; ./target/release/ritc check "$work/big.rit"; exit 1; }
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  ./target/release/ritc check "$work/big.rit" >/dev/null 2>&1
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( ${#sorted[@]} / 2 ))]}
min=${sorted[0]}
echo "ritc check: $lines lines, $runs runs: min $((min / 1000)) ms, median $((median / 1000)) ms, $(( median * 1000 / lines )) ns per line (median)"
