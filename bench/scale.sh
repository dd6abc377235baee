#!/usr/bin/env bash
# Scale benchmark: the same reads and writes against `iku serve` on a register of each size
# (generated with `iku generate`, imported with `iku import` into a fresh SQLite database per
# run), a director logged in through the API. bench/scale.py drives one run and measures:
# the time from the server's start to /ready, the first case read, case reads, writes (a
# person_details through POST /api/cases/{person}/events) each followed by a read of that
# case, the director's inbox page, searches for a person (by name and year, misspelled, by
# phone), and the server's resident memory.
#
#   bench/scale.sh [RUNS] [PERSONS...]     (default: 3 2000 200000)
#
# Prints a Markdown table per size for BENCHMARKS.md: every run, then the median with the
# range of the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 200000)
cargo build --release --quiet -p iku
iku=$PWD/target/release/iku
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port=18081

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d)"
for n in "${sizes[@]}"; do
    "$iku" generate --persons "$n" --seed 1 --out "$work/register.jsonl"
    events=$(wc -l < "$work/register.jsonl")
    : > "$work/runs.jsonl"
    for run in $(seq 1 "$runs"); do
        export IKU_DATA_DIR=$work/data-$n-$run
        "$iku" init >/dev/null
        "$iku" import "$work/register.jsonl" >/dev/null 2>&1
        password=$("$iku" user add bench.director --role director |
            sed -n 's/^first password.*: //p')
        [ -n "$password" ] || { echo "no first password for the bench account" >&2; exit 1; }
        started=$(date +%s.%N)
        "$iku" serve --listen 127.0.0.1:$port --metrics-listen 127.0.0.1:19091 >"$work/server.log" 2>&1 &
        server=$!
        python3 bench/scale.py "http://127.0.0.1:$port" "$server" "$started" bench.director "$password" \
            >>"$work/runs.jsonl" || { cat "$work/server.log" >&2; exit 1; }
        kill $server
        wait $server 2>/dev/null || true
        server=
        rm -rf "$IKU_DATA_DIR"
    done
    python3 - "$n" "$events" "$work/runs.jsonl" <<'PY'
import json, statistics, sys
n, events, path = sys.argv[1:]
runs = [json.loads(line) for line in open(path)]
columns = [
    ("ready after start (ms)", "ready_ms", "{:.0f}"),
    ("first case read (ms)", "first_read_ms", "{:.1f}"),
    ("case read, median (ms)", "read_ms", "{:.1f}"),
    ("case read, p90 (ms)", "read_p90_ms", "{:.1f}"),
    ("write, median (ms)", "write_ms", "{:.1f}"),
    ("write, slowest (ms)", "write_max_ms", "{:.1f}"),
    ("case read after a write, median (ms)", "read_after_write_ms", "{:.1f}"),
    ("inbox page (ms)", "inbox_ms", "{:.1f}"),
    ("inbox page (KiB)", "inbox_bytes", "{:.0f}"),
    ("search, median (ms)", "search_ms", "{:.1f}"),
    ("search, p90 (ms)", "search_p90_ms", "{:.1f}"),
    ("searches made", "searches", "{:.0f}"),
    ("searches that showed their person", "searches_found", "{:.0f}"),
    ("server RSS at the end (MiB)", "rss_mib", "{:.0f}"),
    ("server peak RSS (MiB)", "peak_rss_mib", "{:.0f}"),
]
print()
print(f"{int(n):,} persons, {int(events):,} events (iku generate --persons {n} --seed 1)")
print()
print("| | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " | median (range) |")
print("|---|" + "---|" * len(runs) + "---|")
for name, key, fmt in columns:
    values = [r[key] / 1024 if key == "inbox_bytes" else r[key] for r in runs]
    cells = " | ".join(fmt.format(v) for v in values)
    median = fmt.format(statistics.median(values))
    spread = f"{fmt.format(min(values))}-{fmt.format(max(values))}"
    print(f"| {name} | {cells} | {median} ({spread}) |")
PY
done
