#!/usr/bin/env bash
# The funnels benchmark (issue 7). One entry point; see BENCHMARKS.md for what it measures and why.
#
#   bench/run.sh                      # everything, ~8 min on 2 cores; rewrites BENCHMARKS.md's results
#   BENCH_RUNS=20 bench/run.sh        # more runs per command (default 10, the issue's minimum)
#
# Knobs (environment): BENCH_RUNS (10), BENCH_WARMUP (2), BENCH_RSS_RUNS (3: peak RSS is the largest
# of these), BENCH_SIZES ("25000 110000"), BENCH_LATENCY_MS (100), BENCH_WRITE (1: 0 leaves
# BENCHMARKS.md alone and only prints), BENCH_REPORT_ONLY (1: measure nothing, rewrite the report from
# the last run's target/bench/results.tsv).
#
# It installs what is missing (hyperfine, GNU time, jq, curl from Debian; a venv with requests in
# bench/.venv), builds funnels and the sandbox in release mode, starts sandboxes on 127.0.0.1 only,
# and stops every one of them on exit. Nothing here is a test: `cargo test` times nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
RUNS=${BENCH_RUNS:-10}
WARMUP=${BENCH_WARMUP:-2}
RSS_RUNS=${BENCH_RSS_RUNS:-3}
SIZES=${BENCH_SIZES:-"25000 110000"}
LATENCY_MS=${BENCH_LATENCY_MS:-100}
WRITE=${BENCH_WRITE:-1}
OUT=$ROOT/target/bench
FUNNELS=$ROOT/target/release/funnels
SANDBOX=$ROOT/target/release/sandbox
VENV=$ROOT/bench/.venv
PY=$VENV/bin/python
RESULTS=$OUT/results.tsv

say() { printf '\n== %s\n' "$*" >&2; }
die() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Tools

install_tools() {
    local missing=()
    command -v hyperfine >/dev/null || missing+=(hyperfine)
    [ -x /usr/bin/time ] || missing+=(time)
    command -v jq >/dev/null || missing+=(jq)
    command -v curl >/dev/null || missing+=(curl)
    command -v python3 >/dev/null || missing+=(python3 python3-venv)
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        local sudo=()
        [ "$(id -u)" = 0 ] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if ! [ -x "$PY" ] || ! "$PY" -c 'import requests' 2>/dev/null; then
        say "making $VENV with requests"
        if ! python3 -m venv "$VENV"; then
            [ "$(id -u)" = 0 ] || die "python3 -m venv failed; install python3-venv"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$VENV"
        fi
        "$VENV/bin/pip" install -q requests
    fi
}

build() {
    # The workspace's default members: funnels and the sandbox, in one build.
    say "cargo build --release --locked"
    cargo build --release --locked
}

# ---------------------------------------------------------------------------------------------
# Sandboxes: loopback only, one at a time, all stopped on exit

SANDBOX_PID=
ENDPOINT=

stop_sandbox() {
    if [ -n "$SANDBOX_PID" ]; then
        kill "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
        SANDBOX_PID=
    fi
}
trap stop_sandbox EXIT
trap 'exit 130' INT TERM

# start_sandbox FUNNELS LATENCY_MS: sets ENDPOINT. Point budgets are raised far beyond what the runs
# spend, so no run waits for a quota window.
start_sandbox() {
    stop_sandbox
    local log=$OUT/sandbox-$1-$2
    "$SANDBOX" --port 0 --funnels "$1" --latency-ms "$2" \
        --minute-limit 1000000000 --day-limit 1000000000 >"$log.out" 2>"$log.err" &
    SANDBOX_PID=$!
    ENDPOINT=
    for _ in $(seq 200); do
        ENDPOINT=$(sed -n 's/^export FUNNELS_ENDPOINT=//p' "$log.out")
        [ -n "$ENDPOINT" ] && break
        kill -0 "$SANDBOX_PID" 2>/dev/null || die "the sandbox exited: $(cat "$log.err")"
        sleep 0.05
    done
    [ -n "$ENDPOINT" ] || die "the sandbox printed no endpoint"
    case $ENDPOINT in http://127.0.0.1:*) ;; *) die "not a loopback endpoint: $ENDPOINT" ;; esac
    export FUNNELS_ENDPOINT=$ENDPOINT FUNNELS_TOKEN=demo
}

# The floor: ONE curl process sending the same page requests over one kept-alive connection, bodies
# to /dev/null. The options live in a curl config file (`-K`), which is the same as writing them on
# the command line with `--next` between the requests.
write_floor_config() { # FUNNELS FILE
    local n=$1 file=$2 offset=0
    : >"$file"
    while :; do
        [ "$offset" = 0 ] || echo next >>"$file"
        cat >>"$file" <<EOF
silent
fail
output = "/dev/null"
header = "Content-Type: application/json; charset=UTF-8"
data-binary = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"get.sales_funnel\",\"params\":{\"access_token\":\"$FUNNELS_TOKEN\",\"limit\":10000,\"offset\":$offset,\"fields\":[\"ext_id\",\"name\",\"stages\"],\"sort\":[{\"field\":\"ext_id\",\"order\":\"asc\"}]}}"
url = "$ENDPOINT"
EOF
        offset=$((offset + 10000))
        [ "$offset" -lt "$n" ] || break
    done
}

# ---------------------------------------------------------------------------------------------
# Measuring

# measure GROUP ID LABEL COMMAND [RUNS] [WARMUP]: hyperfine (no shell, stdout to /dev/null) for the
# median, then /usr/bin/time -v for the peak RSS; one row of results.tsv.
measure() {
    local group=$1 id=$2 label=$3 cmd=$4 runs=${5:-$RUNS} warmup=${6:-$WARMUP}
    say "$group: $label"
    hyperfine -N --style basic --runs "$runs" --warmup "$warmup" \
        --export-json "$OUT/$group-$id.json" --command-name "$label" -- "$cmd" >&2
    local rss=0 kib argv
    read -r -a argv <<<"$cmd"
    for _ in $(seq "$RSS_RUNS"); do
        /usr/bin/time -v -o "$OUT/$group-$id.time" "${argv[@]}" >/dev/null
        kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$group-$id.time")
        if ((kib > rss)); then rss=$kib; fi
    done
    jq -r --arg g "$group" --arg id "$id" --arg rss "$rss" --arg runs "$runs" \
        '.results[0] | [$g, $id, .command, .median, .mean, .stddev, .min, .max, $rss, $runs, .user, .system] | @tsv' \
        "$OUT/$group-$id.json" >>"$RESULTS"
}

# Every contender must print the same bytes as funnels before its time means anything.
check_outputs() { # N
    local n=$1 ref=$OUT/check-$1.ndjson
    "$FUNNELS" list --all -o ndjson >"$ref"
    [ "$(wc -l <"$ref")" = "$n" ] || die "funnels -o ndjson printed $(wc -l <"$ref") lines, not $n"
    "$FUNNELS" list --all --stream -o ndjson | cmp -s - "$ref" || die "--stream differs from -o ndjson"
    bash bench/curl-jq.sh | cmp -s - "$ref" || die "bench/curl-jq.sh differs from funnels -o ndjson"
    "$PY" bench/requests_client.py | cmp -s - "$ref" || die "bench/requests_client.py differs from funnels -o ndjson"
    [ "$("$FUNNELS" list --all -o json | jq length)" = "$n" ] || die "-o json is not $n records"
    rm -f "$ref"
}

bench_size() { # N
    local n=$1 g=$1 f=$FUNNELS
    start_sandbox "$n" 0
    check_outputs "$n"
    write_floor_config "$n" "$OUT/floor-$n.curl"
    measure "$g" floor "curl floor (1 process, 1 connection)" "curl -K $OUT/floor-$n.curl"
    measure "$g" ndjson "funnels list --all -o ndjson" "$f list --all -o ndjson"
    measure "$g" stream "funnels list --all --stream -o ndjson" "$f list --all --stream -o ndjson"
    measure "$g" csv "funnels list --all -o csv" "$f list --all -o csv"
    measure "$g" json "funnels list --all -o json" "$f list --all -o json"
    measure "$g" table "funnels list --all -o table" "$f list --all -o table"
    measure "$g" curljq "bench/curl-jq.sh" "bash bench/curl-jq.sh"
    measure "$g" python "bench/requests_client.py" "$PY bench/requests_client.py"
    stop_sandbox
}

bench_parallel() {
    local n=110000 g=latency f=$FUNNELS
    start_sandbox "$n" "$LATENCY_MS"
    write_floor_config "$n" "$OUT/floor-latency.curl"
    local runs=$((RUNS < 10 ? RUNS : 10))
    measure "$g" floor "curl floor (1 process, 1 connection)" "curl -K $OUT/floor-latency.curl" "$runs" 1
    measure "$g" p1 "funnels list --all -o ndjson --parallel 1" "$f list --all -o ndjson --parallel 1" "$runs" 1
    measure "$g" p4 "funnels list --all -o ndjson --parallel 4" "$f list --all -o ndjson --parallel 4" "$runs" 1
    stop_sandbox
}

# funnels diff of two 110 000-funnel snapshots (issue 15): the sandbox before and after `sandbox
# --mutate 1`, written by `list --all` as json and as ndjson; no network in the timed runs.
bench_diff() {
    local n=110000 d=$OUT/diff f=$FUNNELS format
    mkdir -p "$d"
    for format in json ndjson; do
        "$SANDBOX" --port 0 --funnels "$n" --minute-limit 1000000000 --day-limit 1000000000 --exec \
            env FUNNELS_TOKEN=demo "$f" list --all -o "$format" --out "$d/old.$format" 2>/dev/null
        "$SANDBOX" --port 0 --funnels "$n" --minute-limit 1000000000 --day-limit 1000000000 --mutate 1 --exec \
            env FUNNELS_TOKEN=demo "$f" list --all -o "$format" --out "$d/new.$format" 2>/dev/null
        [ "$("$f" diff "$d/old.$format" "$d/new.$format" -o ndjson | wc -l)" = 9 ] || die "diff of the $format snapshots is not 9 changes"
        measure diff "$format" "funnels diff (two $format snapshots, $(du -m "$d/old.$format" | cut -f1) MB each)" \
            "$f diff $d/old.$format $d/new.$format -o ndjson"
    done
}

bench_startup() {
    measure startup version "funnels --version" "$FUNNELS --version" $((RUNS * 10 > 100 ? RUNS * 10 : 100)) 10
}

# ---------------------------------------------------------------------------------------------
# Report

# field GROUP ID COLUMN: one value of results.tsv (columns: group id label median mean stddev min max
# rss_kib runs user system; times in seconds, user and system are hyperfine's means).
field() { awk -F'\t' -v g="$1" -v id="$2" -v c="$3" '$1 == g && $2 == id { print $c }' "$RESULTS"; }
ms() { awk -v s="$1" 'BEGIN { printf(s < 0.01 ? "%.2f" : "%.0f", s * 1000) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
raw() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.9f", a / b }'; } # an unrounded ratio, for verdicts

group_table() { # GROUP TITLE
    local g=$1
    local floor
    floor=$(field "$g" floor 4)
    printf '\n### %s\n\n' "$2"
    printf '| command | median | mean ± σ | min … max | CPU user + sys | × floor | peak RSS |\n'
    printf '|---|---:|---:|---:|---:|---:|---:|\n'
    awk -F'\t' -v g="$g" -v floor="$floor" '
        function t(s) { return s < 0.01 ? sprintf("%.2f", s * 1000) : sprintf("%.0f", s * 1000) }
        $1 == g {
            printf "| `%s` | %s ms | %s ± %s ms | %s … %s ms | %s + %s ms | %s | %.1f MiB |\n",
                $3, t($4), t($5), t($6), t($7), t($8), t($11), t($12),
                (floor == "" ? "–" : sprintf("%.2f", $4 / floor)), $9 / 1024
        }' "$RESULTS"
}

target_row() { # TEXT MEASURED MET(0/1) DETAIL
    local verdict=missed
    [ "$3" = 1 ] && verdict=met
    printf '| %s | %s | **%s** | %s |\n' "$1" "$2" "$verdict" "$4"
}

targets() {
    local nd floor cj py json_rss s25 s110 ver p1 p4 r met
    nd=$(field 25000 ndjson 4)
    floor=$(field 25000 floor 4)
    cj=$(field 25000 curljq 4)
    py=$(field 25000 python 4)
    json_rss=$(field 25000 json 9)
    s25=$(field 25000 stream 9)
    s110=$(field 110000 stream 9)
    ver=$(field startup version 4)
    p1=$(field latency p1 4)
    p4=$(field latency p4 4)
    printf '\n### Targets (issue 7)\n\n'
    printf '| target | measured | verdict | by how much |\n|---|---|---|---|\n'
    if [ -n "$nd" ] && [ -n "$floor" ]; then
        r=$(ratio "$nd" "$floor")
        met=0 && le "$(raw "$nd" "$floor")" 1.3 && met=1
        target_row "ndjson, 25 000 funnels ≤ 1.3 × the curl floor" "$(ms "$nd") ms vs $(ms "$floor") ms = ${r} ×" $met \
            "$( ((met)) && echo "within" || echo "$(ratio "$r" 1.3) × over the allowed ratio; $(ms "$(awk -v a="$nd" -v b="$floor" 'BEGIN{print a - 1.3*b}')") ms too slow")"
    fi
    if [ -n "$nd" ] && [ -n "$cj" ]; then
        r=$(ratio "$cj" "$nd")
        met=0 && le 5 "$(raw "$cj" "$nd")" && met=1
        target_row "ndjson ≥ 5 × faster than curl + jq" "$(ms "$cj") ms / $(ms "$nd") ms = ${r} ×" $met \
            "$( ((met)) && echo "$(ratio "$r" 5) × the required margin" || echo "reaches $(ratio "$r" 5) of the required 5 ×")"
    fi
    if [ -n "$nd" ] && [ -n "$py" ]; then
        r=$(ratio "$py" "$nd")
        met=0 && le 5 "$(raw "$py" "$nd")" && met=1
        target_row "ndjson ≥ 5 × faster than Python requests" "$(ms "$py") ms / $(ms "$nd") ms = ${r} ×" $met \
            "$( ((met)) && echo "$(ratio "$r" 5) × the required margin" || echo "reaches $(ratio "$r" 5) of the required 5 ×")"
    fi
    if [ -n "$json_rss" ]; then
        met=0 && le "$json_rss" $((64 * 1024)) && met=1
        target_row "peak RSS, -o json, 25 000 ≤ 64 MiB" "$(mib "$json_rss") MiB" $met \
            "$( ((met)) && echo "$(mib $((64 * 1024 - json_rss))) MiB to spare" || echo "$(mib $((json_rss - 64 * 1024))) MiB over")"
    fi
    if [ -n "$s25" ] && [ -n "$s110" ]; then
        r=$(ratio "$s110" "$s25")
        met=0 && le "$(raw "$s110" "$s25")" 1.10 && met=1
        target_row "--stream: RSS at 110 000 ≤ 1.1 × RSS at 25 000" "$(mib "$s110") MiB vs $(mib "$s25") MiB = ${r} ×" $met \
            "$( ((met)) && echo "within" || echo "$(mib $((s110 - s25 * 11 / 10))) MiB over")"
    fi
    if [ -n "$ver" ]; then
        met=0 && le "$ver" 0.003 && met=1
        target_row "funnels --version ≤ 3 ms" "$(ms "$ver") ms" $met \
            "$( ((met)) && echo "$(ms "$(awk -v a="$ver" 'BEGIN{print 0.003 - a}')") ms to spare" || echo "$(ms "$(awk -v a="$ver" 'BEGIN{print a - 0.003}')") ms over")"
    fi
    if [ -n "$p1" ] && [ -n "$p4" ]; then
        r=$(ratio "$p1" "$p4")
        met=0 && le 3 "$(raw "$p1" "$p4")" && met=1
        target_row "--parallel 4 ≥ 3 × faster than --parallel 1 (${LATENCY_MS} ms latency, 110 000)" "$(ms "$p1") ms / $(ms "$p4") ms = ${r} ×" $met \
            "$( ((met)) && echo "$(ratio "$r" 3) × the required margin" || echo "reaches $(ratio "$r" 3) of the required 3 ×")"
    fi
}

report() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    printf '<!-- generated by bench/run.sh; everything below this line is rewritten on each run -->\n'
    printf '## Results\n\n'
    printf -- '- date: %s\n' "$(cat "$OUT/date")"
    printf -- '- machine: %s cores (`nproc`), %s, Linux %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)"
    printf -- '- funnels: %s (commit %s), %s; %s; curl %s; jq %s; Python %s, requests %s\n' \
        "$("$FUNNELS" --version)" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
        "$(rustc --version | cut -d' ' -f1-2)" "$(hyperfine --version)" \
        "$(curl --version | awk 'NR == 1 { print $2 }')" "$(jq --version | sed 's/^jq-//')" \
        "$("$PY" -c 'import platform; print(platform.python_version())')" \
        "$("$PY" -c 'import requests; print(requests.__version__)')"
    printf -- '- load average (1 min) when the run started: %s, when it ended: %s (the benchmark itself adds ~1; other work on the machine inflates every number)\n' \
        "$(cat "$OUT/load-start")" "$(cat "$OUT/load-end")"
    printf -- '- runs: median of %s runs after %s warm-up runs per command (`--version`: more); peak RSS is the largest `Maximum resident set size` of `/usr/bin/time -v` over %s runs\n' \
        "$RUNS" "$WARMUP" "$RSS_RUNS"
    targets
    group_table 25000 "25 000 funnels (3 pages, 22 MB of JSON), no added latency"
    group_table 110000 "110 000 funnels (11 pages, 97 MB of JSON), no added latency"
    group_table latency "110 000 funnels, sandbox --latency-ms ${LATENCY_MS}"
    group_table diff "funnels diff of two 110 000-funnel snapshots (sandbox before and after --mutate 1)"
    group_table startup "Start-up"
}

write_benchmarks_md() { # REPORT_FILE
    local md=$ROOT/BENCHMARKS.md marker='<!-- generated by bench/run.sh'
    if [ -f "$md" ] && grep -q "^$marker" "$md"; then
        awk -v m="$marker" 'index($0, m) == 1 { exit } { print }' "$md" >"$OUT/BENCHMARKS.md.head"
    else
        printf '# Benchmarks\n\nRun `bench/run.sh`.\n\n' >"$OUT/BENCHMARKS.md.head"
    fi
    cat "$OUT/BENCHMARKS.md.head" "$1" >"$md"
}

# ---------------------------------------------------------------------------------------------

main() {
    mkdir -p "$OUT"
    if [ "${BENCH_REPORT_ONLY:-0}" != 1 ]; then
        install_tools
        build
    fi
    # Hermetic client side: no config file, no proxy, loopback straight.
    XDG_CONFIG_HOME=$(mktemp -d)
    export XDG_CONFIG_HOME NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
    unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY FUNNELS_CONFIG FUNNELS_PROFILE \
        FUNNELS_OUTPUT FUNNELS_USER_ID FUNNELS_TOKEN_FILE FUNNELS_PLATFORM
    if [ "${BENCH_REPORT_ONLY:-0}" = 1 ]; then
        [ -s "$RESULTS" ] || die "no $RESULTS to report on; run without BENCH_REPORT_ONLY first"
    else
        : >"$RESULTS"
        cut -d' ' -f1 /proc/loadavg >"$OUT/load-start"
        for n in $SIZES; do
            bench_size "$n"
        done
        bench_parallel
        bench_diff
        bench_startup
        cut -d' ' -f1 /proc/loadavg >"$OUT/load-end"
        date -u '+%Y-%m-%d %H:%M UTC' >"$OUT/date"
    fi
    report >"$OUT/report.md"
    printf '\n' >&2
    cat "$OUT/report.md"
    if [ "$WRITE" = 1 ]; then
        write_benchmarks_md "$OUT/report.md"
        say "results written to BENCHMARKS.md"
    fi
}

main "$@"
