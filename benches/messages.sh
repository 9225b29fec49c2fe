#!/usr/bin/env bash
# Messages per second published and consumed through each broker of this machine
# (NATS 4222, Mosquitto 1883, RabbitMQ 5672): ritc's `load KIND publish` against a
# plain client of the same crate (benches/messages/baseline.rs: async-nats, rumqttc,
# lapin), both sending COUNT messages from WORKERS concurrent senders, each waiting
# for its message's confirmation before the next (NATS: flush; MQTT: QoS 1 PUBACK;
# AMQP: publisher confirm), while a consumer (the same baseline, for both) counts
# every message.
#
#   benches/messages.sh [COUNT] [WORKERS] [ROUNDS]     (defaults: 20000 16 3)
#
# The rate of a run is COUNT / (the last message consumed − the publisher started),
# so process start, connecting and parsing count for both. Prints, per broker, the
# median over ROUNDS (interleaved) of each side's rate and ritc's ratio to the
# plain client; every round's numbers go to target/messages-bench/results.tsv.
# Needs: bash, python3, cargo, the three brokers up. PROFILE=dev: debug builds.
set -euo pipefail

COUNT=${1:-20000}
WORKERS=${2:-16}
ROUNDS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/target/messages-bench"
rm -rf "$OUT"
mkdir -p "$OUT"
cd "$ROOT"

# PROFILE=dev compares the debug builds instead (when a release build is out of
# reach: say so next to the numbers).
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release --quiet --bin ritc --example messages-baseline
  BUILT="$ROOT/target/release"
else
  cargo build --quiet --bin ritc --example messages-baseline
  BUILT="$ROOT/target/debug"
fi
RITC="$BUILT/ritc"
BASELINE="$BUILT/examples/messages-baseline"

now() { python3 -c 'import time; print(f"{time.time():.6f}")'; }

# One run: BROKER CLIENT(plain|ritc) → prints the rate in messages/s.
run_once() {
  local broker=$1 client=$2 address
  address="bench.$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
  [ "$broker" = mqtt ] && address="${address//./\/}"
  local consumed="$OUT/consumed.$$"
  # The consumer says "ready" once subscribed, then when the last message came.
  "$BASELINE" consume "$broker" "$address" "$COUNT" >"$consumed" &
  local consumer=$!
  until grep -q ready "$consumed" 2>/dev/null; do sleep 0.05; done
  local started
  started=$(now)
  case "$client" in
    plain) "$BASELINE" publish "$broker" "$address" "$COUNT" "$WORKERS" >/dev/null ;;
    ritc)
      local url
      case "$broker" in
        nats) url='nats("nats://127.0.0.1:4222")' ;;
        mqtt) url='mqtt("mqtt://127.0.0.1:1883")' ;;
        amqp) url='amqp("amqp://guest:guest@127.0.0.1:5672/%2f")' ;;
      esac
      local qos=""
      [ "$broker" = mqtt ] && qos="qos 1"
      cat >"$OUT/bench.rit" <<RIT
let target = $url
test "bench" {
  load $broker publish target "$address" json { id: 1 } $qos {
    concurrency $WORKERS
    requests $COUNT
  }
  expect succeeded == $COUNT
}
RIT
      "$RITC" run "$OUT/bench.rit" >"$OUT/ritc.out" 2>&1 || { cat "$OUT/ritc.out" >&2; exit 1; }
      ;;
  esac
  wait "$consumer"
  python3 - "$COUNT" "$started" "$(tail -n 1 "$consumed")" <<'PY'
import sys
count, started, last = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"{count / (last - started):.0f}")
PY
  rm -f "$consumed"
}

printf 'round\tbroker\tclient\tmessages_per_s\n' >"$OUT/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for broker in nats mqtt amqp; do
    for client in plain ritc; do
      rate=$(run_once "$broker" "$client")
      printf '%s\t%s\t%s\t%s\n' "$round" "$broker" "$client" "$rate" >>"$OUT/results.tsv"
      printf 'round %s  %-4s  %-5s  %8s msg/s\n' "$round" "$broker" "$client" "$rate" >&2
    done
  done
done

python3 - "$OUT/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print(f"{'broker':<6} {'plain msg/s':>12} {'ritc msg/s':>12} {'ritc/plain':>10}")
for broker in ("nats", "mqtt", "amqp"):
    rate = {client: statistics.median(float(r["messages_per_s"]) for r in rows
                                       if r["broker"] == broker and r["client"] == client)
            for client in ("plain", "ritc")}
    print(f"{broker:<6} {rate['plain']:>12.0f} {rate['ritc']:>12.0f} {rate['ritc'] / rate['plain']:>10.2f}")
PY
