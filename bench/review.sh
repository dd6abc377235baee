#!/usr/bin/env bash
# Review benchmark: the whole annual review (reading the register from SQLite, every table)
# of a generated register, timed as a process (wall clock, peak resident memory).
#
#   bench/review.sh [PERSONS...]     (default: 1000 100000 1000000)
#
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 100000 1000000)
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet -p iku
iku=$PWD/target/release/iku
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export IKU_DATA_DIR=$work/data
"$iku" init >/dev/null

echo "| persons | events | run | seconds | peak memory (MiB) |"
echo "|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    db="sqlite:$work/review-$n.db"
    "$iku" generate --persons "$n" --seed 1 --no-personal-fields --out "$work/r.jsonl"
    events=$(wc -l < "$work/r.jsonl")
    "$iku" --database "$db" import "$work/r.jsonl" >/dev/null 2>&1
    # Run 0 is the first after the import; runs 1-3 find the file in the OS cache, as a
    # server reading its database daily would.
    for run in 0 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$work/time" "$iku" --database "$db" report annual 2024 --disclosure internal --out "$work/review.json"
        read -r secs kib < "$work/time"
        echo "| $n | $events | $run | $secs | $((kib / 1024)) |"
    done
done
