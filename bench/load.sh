#!/usr/bin/env bash
# Load test: the server (`iku demo`: the demo register on SQLite) on loopback, driven by oha
# from the same machine (so both share its two cores). Runs, each bounded in time, after a
# warm-up that is not counted:
#   1. a director's client page (a case's record, personal fields opened, every read on
#      record in the audit log) by CONNECTIONS concurrent users as fast as they can;
#   2. the same users sending 5,000 requests a second between them: the latency at the
#      goal's rate;
#   3. public referrals (each one stored, sealed and on record before its answer) as fast
#      as they come, the per-address limit raised for the test (all come from 127.0.0.1).
# After the referrals, the register is counted: every referral answered as stored must be
# there.
#
#   bench/load.sh [SECONDS] [CONNECTIONS]     (default: 20 200)
#
# Prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-200}
command -v oha >/dev/null || cargo install oha --locked --version 1.16.0
cargo build --release --quiet -p iku
# A build leaves hundreds of megabytes for the kernel to write back; flushed first, so that
# the commits measured here do not wait behind it.
sync
iku=$PWD/target/release/iku
work=$(mktemp -d)
export IKU_DATA_DIR=$work/data
port=18080
base=http://127.0.0.1:$port
if curl -sf "$base/health" >/dev/null 2>&1; then
    echo "a server already answers on port $port: stop it first" >&2
    exit 1
fi
"$iku" demo --listen 127.0.0.1:$port --metrics-listen 127.0.0.1:19090 \
    --referrals-per-minute 100000000 >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
    curl -sf "$base/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "$base/health" >/dev/null && kill -0 $server 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }

login=$(printf '{"username":"demo.director","password":"demo-password-2020","code":"%s"}' "$("$iku" demo-code)")
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d "$login" "$base/api/login" |
    sed -n 's/^set-cookie: iku_session=\([^;]*\).*/\1/ip' | head -n 1)
[ -n "$cookie" ] || { echo "the demo director could not log in" >&2; exit 1; }
person=$(curl -s -H "Cookie: iku_session=$cookie" "$base/api/cases" |
    python3 -c 'import json,sys; print(next(c["person"] for c in json.load(sys.stdin)["cases"] if c["client"]))')

summary() { # NAME FILE: one table row from oha's JSON
    python3 - "$1" "$2" "$connections" "$seconds" <<'EOF'
import json, sys
name, path, connections, seconds = sys.argv[1:]
r = json.load(open(path))
s, p = r["summary"], r["latencyPercentiles"]
codes = ", ".join(f"{k}: {v}" for k, v in sorted(r["statusCodeDistribution"].items()))
ms = lambda x: f"{x * 1000:.1f}"
print(f"| {name} | {connections} | {seconds} | {s['requestsPerSec']:.0f} | {ms(p['p50'])} | {ms(p['p99'])} | {ms(s['slowest'])} | {codes} |")
EOF
}
count_referrals() {
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM events WHERE kind = '"'"'application_received'"'"'").fetchone()[0])' "$IKU_DATA_DIR/iku.db"
}

echo "| request | concurrent | seconds | requests/s | p50 ms | p99 ms | slowest ms | answers |"
echo "|---|---|---|---|---|---|---|---|"
page=$base/en/staff/cases/$person
oha -z 3s -c "$connections" --no-tui --output-format json -H "Cookie: iku_session=$cookie" "$page" >/dev/null
oha -z "${seconds}s" -c "$connections" --no-tui --output-format json \
    -H "Cookie: iku_session=$cookie" "$page" >"$work/case.json"
summary "client page (GET /en/staff/cases/ID), as fast as it goes" "$work/case.json"
oha -z "${seconds}s" -c "$connections" -q 5000 --no-tui --output-format json \
    -H "Cookie: iku_session=$cookie" "$page" >"$work/case-5000.json"
summary "client page, 5,000 requests/s offered" "$work/case-5000.json"

before=$(count_referrals)
oha -z "${seconds}s" -c "$connections" --no-tui --output-format json --redirect 0 -m POST \
    -T application/x-www-form-urlencoded \
    -d 'who=victim_self&name=Load+Test&phone=040+1234567&what=&contact=&consent=yes&kx7=' \
    "$base/en/referral" >"$work/referral.json"
summary "public referral (POST /en/referral)" "$work/referral.json"
after=$(count_referrals)
stored=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["statusCodeDistribution"].get("303", 0))' "$work/referral.json")
echo
echo "referrals answered as stored (303): $stored; applications added to the register: $((after - before))"
[ "$stored" -le "$((after - before))" ] || { echo "a referral answered as stored is missing" >&2; exit 1; }
