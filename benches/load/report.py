"""Reads the outputs of benches/load.sh and prints the comparison as a Markdown table.

Usage: report.py OUT_DIR ROUNDS TOOLS TARGET SECONDS CONNECTIONS   (TOOLS: wrk,oha,ritc,…)
Writes OUT_DIR/results.tsv (one line per tool and round) and prints the medians.
"""

import json
import re
import statistics
import sys
from pathlib import Path

UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text):
    """`390.00us`, `1.2ms`, `0.695ms`, `1.5s` → seconds."""
    match = re.fullmatch(r"([0-9.]+)\s*(us|µs|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def cpu_and_rss(path):
    user, system, rss_kb = path.read_text().split()[-3:]
    return float(user) + float(system), int(rss_kb) / 1024


def read_wrk(out, round_):
    text = (out / f"wrk-{round_}.out").read_text()
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    rate = float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
    p50 = seconds(re.search(r"\s50%\s+(\S+)", text).group(1))
    p99 = seconds(re.search(r"\s99%\s+(\S+)", text).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    errors += int((re.search(r"Non-2xx or 3xx responses: (\d+)", text) or [0, 0])[1])
    return requests, errors, rate, p50, p99


def read_oha(out, round_):
    data = json.loads((out / f"oha-{round_}.out").read_text())
    statuses = data.get("statusCodeDistribution", {})
    # Requests still in flight when the time is up are cut off and listed as
    # "aborted due to deadline"; wrk and ritc simply do not count them.
    errors = sum(count for kind, count in data.get("errorDistribution", {}).items() if "deadline" not in kind)
    requests = sum(statuses.values()) + errors
    errors += sum(count for code, count in statuses.items() if int(code) >= 400)
    rate = data["summary"]["requestsPerSec"]
    percentiles = data["latencyPercentiles"]
    return requests, errors, rate, percentiles["p50"], percentiles["p99"]


def read_ritc(out, round_, name="ritc"):
    fields = (out / f"{name}-{round_}.txt").read_text().split()
    requests, failed, rate, p50, p99 = fields[:5]
    return int(requests), int(failed), float(rate), seconds(p50), seconds(p99)


READERS = {
    "wrk": read_wrk,
    "oha": read_oha,
    "ritc": read_ritc,
    "ritc-reqwest": lambda out, round_: read_ritc(out, round_, "ritc-reqwest"),
}


def main():
    out = Path(sys.argv[1])
    rounds = int(sys.argv[2])
    tools = sys.argv[3].split(",")
    target, duration, connections = sys.argv[4], sys.argv[5], sys.argv[6]
    rows = {tool: [] for tool in tools}
    with open(out / "results.tsv", "w") as tsv:
        tsv.write("tool\tround\trequests\terrors\treq_per_s\tp50_ms\tp99_ms\tcpu_us_per_req\tpeak_rss_mb\n")
        for round_ in range(1, rounds + 1):
            for tool in tools:
                requests, errors, rate, p50, p99 = READERS[tool](out, round_)
                cpu, rss = cpu_and_rss(out / f"{tool}-{round_}.time")
                per_request = cpu / requests * 1e6 if requests else float("nan")
                rows[tool].append((rate, p50, p99, per_request, rss, errors))
                tsv.write(
                    f"{tool}\t{round_}\t{requests}\t{errors}\t{rate:.0f}\t{p50 * 1e3:.3f}\t{p99 * 1e3:.3f}"
                    f"\t{per_request:.2f}\t{rss:.1f}\n"
                )

    def median(tool, column):
        return statistics.median(row[column] for row in rows[tool])

    print(f"Target: {target}; {connections} connections, {duration}s per run, median of {rounds} interleaved rounds.")
    print()
    print("| tool | req/s | p50 | p99 | client CPU per request | peak RSS | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for tool in tools:
        errors = sum(row[5] for row in rows[tool])
        print(
            f"| {tool} | {median(tool, 0):,.0f} | {median(tool, 1) * 1e3:.3f} ms | {median(tool, 2) * 1e3:.3f} ms"
            f" | {median(tool, 3):.2f} µs | {median(tool, 4):.1f} MB | {errors} |"
        )
    print()
    ratio = median("ritc", 0) / median("wrk", 0)
    cpu_ratio = median("ritc", 3) / median("wrk", 3)
    print(f"ritc / wrk: req/s {ratio:.2f}× (issue 20: ≥ 1.0×), CPU per request {cpu_ratio:.2f}× (issue 20: ≤ 1.0×)")
    if "oha" in tools:
        print(f"ritc / oha: req/s {median('ritc', 0) / median('oha', 0):.2f}× (target ≥ 1.0×)")
    if "ritc-reqwest" in tools:
        print(
            f"ritc through reqwest / wrk: req/s {median('ritc-reqwest', 0) / median('wrk', 0):.2f}×,"
            f" CPU per request {median('ritc-reqwest', 3) / median('wrk', 3):.2f}×"
        )
    per_round = ", ".join(f"{r / w:.2f}" for (r, *_), (w, *_) in zip(rows["ritc"], rows["wrk"]))
    print(f"ritc / wrk req/s per round: {per_round}")
    memory = out / "ritc-memory.time"
    if memory.exists():
        _, rss = cpu_and_rss(memory)
        requests = (out / "ritc-memory.txt").read_text().split()[0]
        print(f"memory: ritc, 1000 connections for 30s: peak RSS {rss:.1f} MB over {requests} requests")


if __name__ == "__main__":
    main()
