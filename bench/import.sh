#!/usr/bin/env bash
# Import benchmark: a generated register imported into an empty SQLite database and an empty
# PostgreSQL database, each timed as a whole process (wall clock, peak resident memory).
#
#   bench/import.sh [PERSONS] [RUNS]     (defaults: 100000 persons, 3 runs per backend)
#
# PostgreSQL: IKU_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/test) is used to
# create and drop a database of its own. Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
persons=${1:-100000}
runs=${2:-3}
admin=${IKU_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet -p iku
iku=$PWD/target/release/iku
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -q "$admin" -c "DROP DATABASE IF EXISTS iku_bench WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
export IKU_DATA_DIR=$work/data
"$iku" init >/dev/null
"$iku" generate --persons "$persons" --seed 1 --out "$work/register.jsonl"
events=$(wc -l < "$work/register.jsonl")
size=$(du -m "$work/register.jsonl" | cut -f1)

one_run() { # backend -> "seconds peak_kib"
    local url
    if [ "$1" = sqlite ]; then
        rm -f "$work"/bench.db*
        url="sqlite:$work/bench.db"
    else
        psql -q "$admin" -c "DROP DATABASE IF EXISTS iku_bench WITH (FORCE)" >/dev/null
        psql -q "$admin" -c "CREATE DATABASE iku_bench" >/dev/null
        url="${admin%/*}/iku_bench"
    fi
    /usr/bin/time -f "%e %M" -o "$work/time" "$iku" --database "$url" import "$work/register.jsonl" >/dev/null 2>"$work/stderr" \
        || { cat "$work/stderr" >&2; exit 1; }
    cat "$work/time"
}

echo "register: $persons persons, $events events, $size MiB (iku generate --persons $persons --seed 1)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(date -u +%Y-%m-%d)"
echo
echo "| backend | run | seconds | events/s | peak memory (MiB) |"
echo "|---|---|---|---|---|"
for backend in sqlite postgres; do
    for run in $(seq 1 "$runs"); do
        read -r secs kib < <(one_run "$backend")
        rate=$(awk -v e="$events" -v s="$secs" 'BEGIN { printf "%.0f", e / s }')
        echo "| $backend | $run | $secs | $rate | $((kib / 1024)) |"
    done
done
