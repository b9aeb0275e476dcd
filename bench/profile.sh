#!/usr/bin/env bash
# Where funnels spends its time on `list --all` over 25 000 funnels: the profile behind the misses in
# BENCHMARKS.md. Not part of run.sh (it needs a second, unstripped build).
#
#   bench/profile.sh                  # -o ndjson
#   bench/profile.sh -o table         # any funnels arguments after `list --all`
#
# 1. builds funnels with symbols into target/profile (CARGO_PROFILE_RELEASE_STRIP=false; Cargo.toml
#    is not touched), 2. starts a sandbox on 127.0.0.1, 3. records `perf record -e cpu-clock
#    --call-graph dwarf` (software clock: works in VMs without hardware counters; falls back to
#    `valgrind --tool=callgrind` when perf cannot record), 4. prints the time per stage of funnels'
#    pipeline (bench/perf_phases.py) and the top symbols, 5. times serde_json on one saved page in
#    the ways funnels could parse it (bench/parse-probe).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/target/bench
FUNNELS=$ROOT/target/profile/release/funnels
SANDBOX=$ROOT/target/release/sandbox
ARGS=("$@")
((${#ARGS[@]})) || ARGS=(-o ndjson)
mkdir -p "$OUT"

if ! command -v perf >/dev/null && ! command -v valgrind >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf valgrind >/dev/null
fi
cargo build --release -p funnels-sandbox
CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_TARGET_DIR=target/profile \
    cargo build --release

SANDBOX_PID=
trap '[ -z "$SANDBOX_PID" ] || kill "$SANDBOX_PID" 2>/dev/null || true' EXIT
"$SANDBOX" --port 0 --funnels 25000 --minute-limit 1000000000 --day-limit 1000000000 >"$OUT/profile-sandbox.out" 2>&1 &
SANDBOX_PID=$!
FUNNELS_ENDPOINT=
for _ in $(seq 200); do
    FUNNELS_ENDPOINT=$(sed -n 's/^export FUNNELS_ENDPOINT=//p' "$OUT/profile-sandbox.out")
    [ -n "$FUNNELS_ENDPOINT" ] && break
    sleep 0.05
done
[ -n "$FUNNELS_ENDPOINT" ] || { echo "profile: the sandbox printed no endpoint" >&2; exit 1; }
export FUNNELS_ENDPOINT FUNNELS_TOKEN=demo NO_PROXY=127.0.0.1 XDG_CONFIG_HOME=$OUT/empty-config
"$FUNNELS" list --all "${ARGS[@]}" >/dev/null # warm the sandbox

if perf record -q -e cpu-clock -o /dev/null true 2>/dev/null; then
    perf record -q -e cpu-clock -F 4000 --call-graph dwarf,16384 -o "$OUT/perf.data" -- \
        "$FUNNELS" list --all "${ARGS[@]}" >/dev/null
    echo "== time per pipeline stage (share of CPU samples; funnels list --all ${ARGS[*]})"
    perf script -i "$OUT/perf.data" 2>/dev/null | python3 bench/perf_phases.py
    echo "== top symbols (self)"
    perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
        awk '/%/ && n++ < 25 { print substr($0, 1, 120) }'
else
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
        "$FUNNELS" list --all "${ARGS[@]}" >/dev/null 2>"$OUT/callgrind.log"
    echo "== callgrind, inclusive (funnels list --all ${ARGS[*]})"
    callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2>/dev/null | awk 'n++ < 60'
fi

echo "== serde_json on one 10 000-funnel page (bench/parse-probe)"
curl -sS --fail -o "$OUT/page0.json" -H 'Content-Type: application/json; charset=UTF-8' \
    --data-binary '{"jsonrpc":"2.0","id":1,"method":"get.sales_funnel","params":{"access_token":"demo","limit":10000,"offset":0,"fields":["ext_id","name","stages"],"sort":[{"field":"ext_id","order":"asc"}]}}' \
    "$FUNNELS_ENDPOINT"
cargo build --release --quiet --manifest-path bench/parse-probe/Cargo.toml
bench/parse-probe/target/release/parse-probe "$OUT/page0.json"
