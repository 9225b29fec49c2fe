#!/usr/bin/env bash
# Coverage-guided fuzzing of ritc's front end: the two cargo-fuzz (libFuzzer)
# targets in fuzz/fuzz_targets, `check` (parse + check + lower) and `fmt`, each
# for a bounded time, seeded with every .rit file in the repository.
#
# Fails (non-zero) if libFuzzer finds a crash (a panic or a failed assertion in a
# target), an input that takes over a second (-timeout=1), or a run past 2 GiB of
# memory (-rss_limit_mb=2048); the failing input is kept in fuzz/artifacts/TARGET/
# and the command that replays it is printed.
#
# Environment:
#   RITC_FUZZ_SECONDS    seconds per target (default 60)
#   RITC_FUZZ_SANITIZER  cargo fuzz --sanitizer: none (default) or address
#
# cargo-fuzz asks for nightly-only rustc flags (-Cpasses=sancov-module, --cfg
# fuzzing, and -Zsanitizer with a sanitizer). This machine only has the stable
# toolchain, so RUSTC_BOOTSTRAP=1 lets stable rustc accept them. The instrumented
# build goes to fuzz/target (its own workspace, never the main target/).
#
# The writable corpus, fuzz/corpus/TARGET, keeps what libFuzzer found between
# runs; the seeds are copied to fuzz/target/seeds and only read. Both, and
# fuzz/artifacts, are git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${RITC_FUZZ_SECONDS:-60}"
sanitizer="${RITC_FUZZ_SANITIZER:-none}"
targets=(check fmt)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1

# Every .rit file in the repository, copied under one flat folder (the name keeps
# the path, so nothing collides). libFuzzer reads a folder recursively, so giving it
# examples/ or tests/ui/ directly would also feed it the .stderr goldens and more.
seeds=fuzz/target/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list_rit() { git ls-files -z --cached --others --exclude-standard -- '*.rit'; }
else
  list_rit() { find . -name '*.rit' -not -path '*/target/*' -not -path './fuzz/corpus/*' -print0; }
fi
while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue
  name="${file#./}"
  cp "$file" "$seeds/${name//\//__}"
done < <(list_rit)
seed_count=$(find "$seeds" -type f | wc -l)
if [ "$seed_count" -eq 0 ]; then
  echo "fuzz: no .rit files found to seed the corpus" >&2
  exit 1
fi

# The same flags for build and run, so `cargo fuzz run` finds the build fresh.
# 16 codegen units: the instrumented ritc crate builds on both cores (the default
# for cargo fuzz is 1).
flags=(--sanitizer "$sanitizer" --codegen-units 16)

echo "fuzz: building the instrumented targets (sanitizer: $sanitizer)" >&2
cargo fuzz build "${flags[@]}"

failed=()
for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  log="fuzz/target/fuzz-$target.log"
  echo "fuzz: $target for ${seconds}s, corpus $corpus, $seed_count seed files; full log in $log" >&2
  status=0
  cargo fuzz run "${flags[@]}" "$target" "$corpus" "$seeds" -- \
    -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  # The progress lines (libFuzzer prints one per new input: too many for a CI log).
  grep -E '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)|^stat::|^Done ' "$log" >&2 || true
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "fuzz: $target FAILED (exit $status); what libFuzzer reported (all of it in $log):" >&2
    grep -E -A1 'panicked at|^ALARM|ERROR: libFuzzer' "$log" | cut -c1-300 | head -n 24 >&2 \
      || tail -n 40 "$log" | cut -c1-300 >&2
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    artifact="${artifact#"$PWD/"}"
    if [ -n "$artifact" ]; then
      echo "fuzz: the failing input was written to $artifact" >&2
      echo "fuzz: reproduce with: RUSTC_BOOTSTRAP=1 cargo fuzz run ${flags[*]} $target $artifact" >&2
      echo "fuzz: minimise with:  RUSTC_BOOTSTRAP=1 cargo fuzz tmin ${flags[*]} $target $artifact" >&2
    fi
  fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${targets[*]}: no crash, timeout or memory blow-up in ${seconds}s each" >&2
