#!/usr/bin/env bash
# The funnels benchmark (issue 7). One entry point; see BENCHMARKS.md for what it measures and why.
#
#   bench/run.sh                      # everything, ~8 min on 2 cores; rewrites BENCHMARKS.md's results
#   BENCH_RUNS=20 bench/run.sh        # more runs per command (default 10, the issue's minimum)
#   BENCH_ONLY=agency bench/run.sh    # one scenario only; prints, leaves BENCHMARKS.md alone
#
# Knobs (environment): BENCH_RUNS (10), BENCH_WARMUP (2), BENCH_RSS_RUNS (3: peak RSS is the largest
# of these), BENCH_SIZES ("25000 110000"), BENCH_LATENCY_MS (100), BENCH_USERS (200: client users of
# the agency scenario), BENCH_WRITE (1: 0 leaves BENCHMARKS.md alone and only prints; 0 by default
# with BENCH_ONLY), BENCH_ONLY (the scenarios to run, of "sizes latency agency diff startup"; default all;
# the other scenarios' rows of results.tsv are kept), BENCH_REPORT_ONLY (1: measure nothing, rewrite
# the report from the last run's target/bench/results.tsv).
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
USERS=${BENCH_USERS:-200}
ONLY=${BENCH_ONLY:-"sizes latency agency diff startup"}
# A run of some scenarios only would replace every other result in BENCHMARKS.md with nothing.
WRITE=${BENCH_WRITE:-$([ -n "${BENCH_ONLY:-}" ] && echo 0 || echo 1)}
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
    # Only the size scenarios race Python.
    only sizes || return 0
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

# start_sandbox FUNNELS LATENCY_MS [USERS]: sets ENDPOINT. Point budgets are raised far beyond what
# the runs spend, so no run waits for a quota window. USERS more client users of the agent
# (`--users`, 10 funnels each), for the agency scenario.
start_sandbox() {
    stop_sandbox
    local users=${3:-0}
    local log=$OUT/sandbox-$1-$2-$users
    "$SANDBOX" --port 0 --funnels "$1" --latency-ms "$2" --users "$users" \
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

# measure GROUP ID LABEL COMMAND [RUNS] [WARMUP] [EXIT]: hyperfine (no shell, stdout to /dev/null)
# for the median, then /usr/bin/time -v for the peak RSS; one row of results.tsv. EXIT (default 0)
# is the exit status every run must end with: hyperfine is told to accept any, so the RSS runs check
# it (and the scenario has checked its output before timing it).
measure() {
    local group=$1 id=$2 label=$3 cmd=$4 runs=${5:-$RUNS} warmup=${6:-$WARMUP} exit=${7:-0}
    say "$group: $label"
    local accept=()
    [ "$exit" = 0 ] || accept=(--ignore-failure)
    hyperfine -N --style basic --runs "$runs" --warmup "$warmup" "${accept[@]}" \
        --export-json "$OUT/$group-$id.json" --command-name "$label" -- "$cmd" >&2
    local rss=0 kib argv status
    read -r -a argv <<<"$cmd"
    for _ in $(seq "$RSS_RUNS"); do
        status=0
        /usr/bin/time -v -o "$OUT/$group-$id.time" "${argv[@]}" >/dev/null 2>"$OUT/$group-$id.err" || status=$?
        [ "$status" = "$exit" ] || die "$label exited $status, not $exit: $(tail -n 3 "$OUT/$group-$id.err")"
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
    measure "$g" default "funnels list --all -o ndjson (default: --parallel 4)" "$f list --all -o ndjson" "$runs" 1
    stop_sandbox
}

# The agency: an agent account with USERS client users of 10 funnels each (and the sandbox's own
# users 12, 13, 14 and 99), 100 ms away. `list --all-users` at default settings (users fetched
# --parallel 4 at a time) against `--parallel 1`. The sandbox's user 99 always answers -32008
# (component disabled), as such a client would: both runs skip it with --keep-going and exit 9.
bench_agency() {
    local g=agency f=$FUNNELS
    start_sandbox 10 "$LATENCY_MS" "$USERS"
    local -x FUNNELS_TOKEN=demo-agent
    check_agency
    local runs
    runs=$(agency_runs)
    measure "$g" default "funnels list --all-users --keep-going" "$f list --all-users --keep-going" "$runs" 0 9
    measure "$g" p1 "funnels list --all-users --keep-going --parallel 1" \
        "$f list --all-users --keep-going --parallel 1" "$runs" 0 9
    stop_sandbox
}

# About 1 + USERS + 4 round trips at --parallel 1 (20 s and more for 200 users): few runs.
agency_runs() { echo $((RUNS < 3 ? RUNS : 3)); }

# Like check_outputs: both agency runs print the same bytes (the default table), every client's
# funnels included, before either is timed.
check_agency() {
    local ref=$OUT/check-agency.txt out=$OUT/check-agency-p1.txt status n want
    want=$((10 + 7 + 3 + USERS * 10))
    status=0
    "$FUNNELS" list --all-users --keep-going -o ndjson >"$ref" 2>/dev/null || status=$?
    [ "$status" = 9 ] || die "list --all-users --keep-going -o ndjson exited $status, not 9 (user 99 skipped)"
    n=$(wc -l <"$ref")
    [ "$n" = "$want" ] || die "list --all-users printed $n funnels, not $want"
    status=0
    "$FUNNELS" list --all-users --keep-going >"$ref" 2>/dev/null || status=$?
    [ "$status" = 9 ] || die "list --all-users --keep-going exited $status, not 9"
    status=0
    "$FUNNELS" list --all-users --keep-going --parallel 1 >"$out" 2>/dev/null || status=$?
    [ "$status" = 9 ] || die "list --all-users --keep-going --parallel 1 exited $status, not 9"
    cmp -s "$ref" "$out" || die "list --all-users at default settings differs from --parallel 1"
    rm -f "$ref" "$out"
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

group_table() { # GROUP TITLE (nothing for a group not measured)
    local g=$1
    awk -F'\t' -v g="$g" '$1 == g { found = 1 } END { exit !found }' "$RESULTS" || return 0
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

# A ratio target: ratio_target TEXT A B OP LIMIT [UNIT_A UNIT_B]; met when A / B OP LIMIT (OP is le
# or ge). A and B are results.tsv values (seconds or KiB), shown as ms or MiB by UNIT (ms|mib).
ratio_target() {
    local text=$1 a=$2 b=$3 op=$4 limit=$5 unit=${6:-ms}
    [ -n "$a" ] && [ -n "$b" ] || return 0
    local r met=0 shown
    r=$(ratio "$a" "$b")
    case $op in
        le) le "$(raw "$a" "$b")" "$limit" && met=1 ;;
        ge) le "$limit" "$(raw "$a" "$b")" && met=1 ;;
    esac
    if [ "$unit" = mib ]; then shown="$(mib "$a") MiB / $(mib "$b") MiB = ${r} ×"; else shown="$(ms "$a") ms / $(ms "$b") ms = ${r} ×"; fi
    target_row "$text" "$shown" $met "$( ((met)) && echo within || echo "$(ratio "$r" "$limit") of the allowed ${limit} ×")"
}

# An absolute target: abs_target TEXT VALUE LIMIT UNIT (ms: VALUE in seconds, LIMIT in ms; mib:
# VALUE in KiB, LIMIT in MiB); met when VALUE <= LIMIT.
abs_target() {
    local text=$1 value=$2 limit=$3 unit=$4
    [ -n "$value" ] || return 0
    local met=0 shown v
    if [ "$unit" = mib ]; then
        v=$(awk -v k="$value" 'BEGIN { print k / 1024 }')
        shown="$(mib "$value") MiB"
    else
        v=$(awk -v s="$value" 'BEGIN { print s * 1000 }')
        shown="$(ms "$value") ms"
    fi
    le "$v" "$limit" && met=1
    local label=ms
    [ "$unit" = mib ] && label=MiB
    target_row "$text" "$shown" $met "$( ((met)) && echo "$(awk -v a="$limit" -v b="$v" 'BEGIN { printf "%.1f", a - b }') $label to spare" || echo "$(awk -v a="$limit" -v b="$v" 'BEGIN { printf "%.1f", b - a }') $label over")"
}

targets() {
    printf '\n### Targets (issues 14 and 15)\n\n'
    printf '| target | measured | verdict | by how much |\n|---|---|---|---|\n'
    ratio_target "\`list --all-users\`, 200 users, ${LATENCY_MS} ms latency: \`--parallel 1\` / default ≥ 3 ×" \
        "$(field agency p1 4)" "$(field agency default 4)" ge 3
    ratio_target "ndjson, 110 000, ${LATENCY_MS} ms latency: \`--parallel 1\` / default ≥ 2.5 ×" \
        "$(field latency p1 4)" "$(field latency default 4)" ge 2.5
    ratio_target "ndjson, 25 000: funnels / curl floor ≤ 2.0 ×" "$(field 25000 ndjson 4)" "$(field 25000 floor 4)" le 2.0
    abs_target "table, 25 000: peak RSS ≤ 64 MiB" "$(field 25000 table 9)" 64 mib
    ratio_target "table, 25 000: time ≤ 3 × ndjson" "$(field 25000 table 4)" "$(field 25000 ndjson 4)" le 3
    ratio_target "table, 110 000: peak RSS ≤ 1.3 × ndjson's" "$(field 110000 table 9)" "$(field 110000 ndjson 9)" le 1.3 mib
    abs_target "json, 25 000: peak RSS ≤ 40 MiB" "$(field 25000 json 9)" 40 mib
    ratio_target "\`--stream\` peak RSS, 110 000 / 25 000 ≤ 1.10 ×" "$(field 110000 stream 9)" "$(field 25000 stream 9)" le 1.10 mib
    ratio_target "curl + jq loop / ndjson, 25 000 ≥ 10 ×" "$(field 25000 curljq 4)" "$(field 25000 ndjson 4)" ge 10
    ratio_target "Python requests loop / ndjson, 25 000 ≥ 12 ×" "$(field 25000 python 4)" "$(field 25000 ndjson 4)" ge 12
    abs_target "\`funnels --version\` ≤ 3 ms" "$(field startup version 4)" 3 ms
    abs_target "\`diff\` of two 110 000-funnel json snapshots ≤ 0.5 s (median)" "$(field diff json 4)" 500 ms
    abs_target "\`diff\` of two 110 000-funnel ndjson snapshots ≤ 0.5 s (median)" "$(field diff ndjson 4)" 500 ms
    local format bytes
    for format in json ndjson; do
        [ -f "$OUT/diff/old.$format" ] && [ -f "$OUT/diff/new.$format" ] || continue
        bytes=$(($(stat -c %s "$OUT/diff/old.$format") + $(stat -c %s "$OUT/diff/new.$format")))
        abs_target "\`diff\` ($format): peak RSS ≤ 2 × the two files (together $(mib $((bytes / 1024))) MiB)" \
            "$(field diff "$format" 9)" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", 2 * b / 1048576 }')" mib
    done
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
        "$("$PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '–')" \
        "$("$PY" -c 'import requests; print(requests.__version__)' 2>/dev/null || echo '–')"
    printf -- '- load average (1 min) when the run started: %s, when it ended: %s (the benchmark itself adds ~1; other work on the machine inflates every number)\n' \
        "$(cat "$OUT/load-start")" "$(cat "$OUT/load-end")"
    printf -- '- runs: median of %s runs after %s warm-up runs per command (`--version`: more); peak RSS is the largest `Maximum resident set size` of `/usr/bin/time -v` over %s runs\n' \
        "$RUNS" "$WARMUP" "$RSS_RUNS"
    targets
    group_table 25000 "25 000 funnels (3 pages, 22 MB of JSON), no added latency"
    group_table 110000 "110 000 funnels (11 pages, 97 MB of JSON), no added latency"
    group_table latency "110 000 funnels, sandbox --latency-ms ${LATENCY_MS}"
    group_table agency "Agency: ${USERS} client users with 10 funnels each (and 4 of the sandbox's own), sandbox --users ${USERS} --latency-ms ${LATENCY_MS}; median of $(agency_runs) runs, no warm-up"
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

only() { [[ " $ONLY " == *" $1 "* ]]; }

main() {
    for scenario in $ONLY; do
        case $scenario in sizes | latency | agency | diff | startup) ;; *) die "BENCH_ONLY: no scenario $scenario" ;; esac
    done
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
        if [ -n "${BENCH_ONLY:-}" ] && [ -f "$RESULTS" ]; then
            # Keep the rows of the scenarios not run, so that BENCH_REPORT_ONLY=1 reports them all.
            local groups=""
            only sizes && groups+=" $SIZES"
            only latency && groups+=" latency"
            only agency && groups+=" agency"
            only diff && groups+=" diff"
            only startup && groups+=" startup"
            awk -F'\t' -v groups="$groups " 'index(groups, " " $1 " ") == 0' "$RESULTS" >"$RESULTS.kept"
            mv "$RESULTS.kept" "$RESULTS"
        else
            : >"$RESULTS"
        fi
        cut -d' ' -f1 /proc/loadavg >"$OUT/load-start"
        if only sizes; then
            for n in $SIZES; do
                bench_size "$n"
            done
        fi
        if only latency; then bench_parallel; fi
        if only agency; then bench_agency; fi
        if only diff; then bench_diff; fi
        if only startup; then bench_startup; fi
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
