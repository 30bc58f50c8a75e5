#!/usr/bin/env bash
# Reproduces the figures in bench/platform/README.md: API throughput and latency with wrk
# (SQLite and PostgreSQL), cold start of `centinela demo`, release build time, binary size.
#
#   bench/platform/run.sh                 build + throughput + coldstart
#   bench/platform/run.sh build           release build of the workspace's own crates, size
#   bench/platform/run.sh throughput      wrk against `serve` on SQLite and on PostgreSQL
#   bench/platform/run.sh coldstart       `centinela demo` on an empty data dir to first 200
#   bench/platform/run.sh fullbuild       from-scratch release build in a throwaway target dir
#                                         (several minutes on 2 cores; also run by `all` when
#                                         FULL_BUILD=1)
#
# Env (defaults in brackets):
#   CARGO_TARGET_DIR [/var/tmp/centinela-target]   W, work dir and results.md [/var/tmp/centinela-platform-bench]
#   PG, server URL [postgres://postgres@127.0.0.1:5432]   PGDB [centinela_bench], dropped and recreated
#   BACKENDS ["sqlite postgres"]   PORT [18431]   DURATION, whole seconds >= 4 [20s]   CONNS [64]
#   THREADS [2]   RUNS, cold starts [5]   FULL_BUILD [0]
#   SNAPSHOT [0]: 1 builds the committed HEAD, exported with `git archive` to $W/src, instead of
#   the working tree (for a shared checkout that others are editing).
# Everything listens on 127.0.0.1 only; every server started here is stopped on exit. Results
# are appended to $W/results.md; raw wrk output is left in $W.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/centinela-target}
W=${W:-/var/tmp/centinela-platform-bench}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
PGDB=${PGDB:-centinela_bench}
PORT=${PORT:-18431}
DURATION=${DURATION:-20s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
RUNS=${RUNS:-5}
BACKENDS=${BACKENDS:-sqlite postgres}
HOST=127.0.0.1
BASE=http://$HOST:$PORT
B=$CARGO_TARGET_DIR/release/centinela
TICK=$(getconf CLK_TCK)
if ! [[ $DURATION =~ ^[0-9]+s$ ]] || [ "${DURATION%s}" -lt 4 ]; then
    echo "DURATION must be whole seconds, at least 4, e.g. 20s" >&2
    exit 2
fi
RESULTS=$W/results.md
mkdir -p "$W"
exec 9>"$W/.lock"
flock -n 9 || { echo "another run.sh is using $W (set W to run elsewhere)" >&2; exit 1; }
SRC=$ROOT
if [ "${SNAPSHOT:-0}" = 1 ]; then
    SRC=$W/src
    head=$(git -C "$ROOT" rev-parse HEAD)
    if [ "$(cat "$W/src.commit" 2>/dev/null)" != "$head" ]; then # keep mtimes if unchanged
        rm -rf "$SRC"
        mkdir -p "$SRC"
        git -C "$ROOT" archive HEAD | tar -x -C "$SRC"
        echo "$head" >"$W/src.commit"
    fi
fi

# ---- cleanup: every server we start is recorded here and stopped on exit --------------------
PIDS=()
TMPS=()
stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid t
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    for t in "${TMPS[@]}"; do rm -rf "$t"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '\n== %s\n' "$*" >&2; }
now_ns() { date +%s%N; }
ms_since() { echo $((($(now_ns) - $1) / 1000000)); }

machine() {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD) ($([ "$SRC" = "$ROOT" ] && echo 'working tree' || echo "HEAD exported to $SRC"))"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "mem: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel: $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "wrk: $(wrk -v 2>&1 | head -1 || true)"
    echo "postgres: $(psql "$PG/postgres" -Atc 'show server_version' 2>/dev/null || echo unavailable)"
}

# Other compilers on the same 2 cores distort every figure: say so in the output.
busy_note() {
    local others
    others=$(ps -eo comm= | grep -cxE 'rustc|cargo|cc1|cc1plus|ld|chromium|chrome' || true)
    echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg); other compiler/browser processes: ${others:-0}"
}

need_wrk() {
    command -v wrk >/dev/null && return
    log "installing wrk"
    apt-get install -y -o DPkg::Lock::Timeout=300 wrk >/dev/null ||
        { apt-get update >/dev/null && apt-get install -y -o DPkg::Lock::Timeout=300 wrk >/dev/null; }
}

build_release() {
    log "cargo build --release -p centinela (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    cargo build --release -p centinela --manifest-path "$SRC/Cargo.toml"
}

port_free() {
    if curl -s -o /dev/null --max-time 1 "$BASE/"; then
        echo "something already answers on $BASE; set PORT" >&2
        exit 1
    fi
}

# wait_200 URL SECONDS: poll until the URL answers 200.
wait_200() {
    local deadline=$(($(date +%s) + $2))
    until curl -fs -o /dev/null --max-time 1 "$1"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.01
    done
}

# ---- 1. throughput ------------------------------------------------------------------------------
# CPU time (USER_HZ ticks) of the given processes; of the whole machine (busy, not idle/iowait).
cpu_ticks() {
    local p s=0 t
    for p in "$@"; do
        t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
        s=$((s + t))
    done
    echo "$s"
}
# Machine: busy ticks (user, nice, system, irq, softirq; not idle, iowait or steal), and irq +
# softirq alone (loopback TCP is processed there; tick accounting also charges it to whichever
# process was interrupted, so it is part of the process columns, not in addition to them).
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $7 + $8}' /proc/stat; }
cores() { awk -v d="$1" -v t="$TICK" -v s="$2" 'BEGIN {printf "%.2f", d / t / s}'; }

label() {
    if [ -n "$2" ]; then echo ' + token'; elif [ "$1" = no-token ]; then echo ' without token (401)'; fi
}

pg_pids() {
    psql "$1" -Atc "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
}

# bench NAME PATH TOKEN(or "") BACKEND SERVER_PID [DATABASE_URL for postgres]
# One wrk run, and the CPU used by the server, its PostgreSQL backends, wrk, and everything
# else on the machine (other users of a shared box show up in the last column), sampled over
# the run less its first and last second: when wrk stops it drops connections with requests in
# flight, and sqlx then closes the PostgreSQL connections those requests held, whose backends
# exit and take their CPU counters with them.
bench() {
    local name=$1 path=$2 token=$3 backend=$4 pid=$5 url=${6:-} out hdr=() secs=${DURATION%s}
    out=$W/wrk-$backend-$name.txt
    [ -n "$token" ] && hdr=(-H "Authorization: Bearer $token")
    wrk -t"$THREADS" -c"$CONNS" -d2s "${hdr[@]}" "$BASE$path" >/dev/null # warm-up, fills the pool
    wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --latency "${hdr[@]}" "$BASE$path" >"$out" &
    local wpid=$! p t0 t1 s0 s1 w0 w1 m0 m1 q0 q1 pg=0
    local -A pg0=()
    PIDS+=("$wpid")
    sleep 1
    t0=$(now_ns)
    s0=$(cpu_ticks "$pid")
    w0=$(cpu_ticks "$wpid")
    read -r m0 q0 < <(machine_ticks)
    if [ -n "$url" ]; then for p in $(pg_pids "$url"); do pg0[$p]=$(cpu_ticks "$p"); done; fi
    sleep $((secs - 2))
    t1=$(now_ns)
    s1=$(cpu_ticks "$pid")
    w1=$(cpu_ticks "$wpid")
    read -r m1 q1 < <(machine_ticks)
    if [ -n "$url" ]; then for p in $(pg_pids "$url"); do pg=$((pg + $(cpu_ticks "$p") - ${pg0[$p]:-0})); done; fi
    wait "$wpid"
    local win rps p50 p99 non2xx errors
    win=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$out")
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
    errors=$(awk '/Socket errors/ {sub(/^ *Socket errors: /, ""); print}' "$out")
    local srv pgc wrkc mach irq other us
    srv=$(cores $((s1 - s0)) "$win")
    pgc=$(cores "$pg" "$win")
    wrkc=$(cores $((w1 - w0)) "$win")
    mach=$(cores $((m1 - m0)) "$win")
    irq=$(cores $((q1 - q0)) "$win")
    other=$(awk -v m="$mach" -v a="$srv" -v b="$pgc" -v c="$wrkc" 'BEGIN {printf "%.2f", m - a - b - c}')
    us=$(awk -v c="$srv" -v r="$rps" 'BEGIN {if (r > 0) printf "%.0f", c / r * 1e6; else print "-"}')
    [ -z "$url" ] && pgc=-
    printf '| %s | `GET %s`%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$backend" "$path" "$(label "$name" "$token")" "$rps" "$p50" "$p99" \
        "$srv" "$us" "$pgc" "$wrkc" "$irq" "$other" "${non2xx:-0}${errors:+; $errors}" >>"$RESULTS"
    echo "$backend $path: $rps req/s, p50 $p50, p99 $p99; cores: server $srv ($us µs/req), postgres $pgc, wrk $wrkc, irq $irq, other $other" >&2
}

# throughput_on BACKEND DATABASE_URL
throughput_on() {
    local backend=$1 url=$2 token pid body pgurl=
    [ "$backend" = postgres ] && pgurl=$url
    log "$backend: seed-demo, token, serve ($url)"
    "$B" seed-demo --database "$url"
    token=$("$B" token create --database "$url" --email coordinador@centinela.example --name bench)
    port_free
    "$B" serve --database "$url" --listen "$HOST:$PORT" >"$W/serve-$backend.log" 2>&1 9>&- &
    pid=$!
    PIDS+=("$pid")
    wait_200 "$BASE/healthz" 30 || { cat "$W/serve-$backend.log" >&2; exit 1; }
    body=$(curl -fsS -H "Authorization: Bearer $token" "$BASE/api/v1/institutions")
    echo "sanity: $(grep -o '"total":[0-9]*' <<<"$body"), $(grep -o '"id":' <<<"$body" | wc -l) ids on the first page, $(wc -c <<<"$body") bytes" >&2
    echo "$backend: $(busy_note)" >>"$W/notes.txt"
    bench healthz /healthz "" "$backend" "$pid" "$pgurl"
    bench no-token /api/v1/institutions "" "$backend" "$pid" "$pgurl"
    bench me /api/v1/me "$token" "$backend" "$pid" "$pgurl"
    bench institutions-1 "/api/v1/institutions?limit=1" "$token" "$backend" "$pid" "$pgurl"
    bench institutions-10 "/api/v1/institutions?limit=10" "$token" "$backend" "$pid" "$pgurl"
    bench institutions /api/v1/institutions "$token" "$backend" "$pid" "$pgurl"
    bench institutions-all "/api/v1/institutions?limit=200" "$token" "$backend" "$pid" "$pgurl"
    stop_pid "$pid"
}

throughput() {
    need_wrk
    : >"$W/notes.txt"
    {
        echo
        echo "### Throughput: wrk -t$THREADS -c$CONNS -d$DURATION --latency (after a 2 s warm-up)"
        echo
        echo "| backend | request | req/s | p50 | p99 | server (cores) | server CPU µs/req | postgres (cores) | wrk (cores) | of which irq+softirq (cores) | other processes (cores) | non-2xx; socket errors |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    } >>"$RESULTS"
    if [[ " $BACKENDS " == *" sqlite "* ]]; then
        rm -rf "$W/sqlite"
        mkdir -p "$W/sqlite"
        throughput_on sqlite "sqlite://$W/sqlite/centinela.db"
    fi
    if [[ " $BACKENDS " == *" postgres "* ]]; then
        log "postgres: dropping and creating $PGDB"
        psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)"
        psql "$PG/postgres" -qc "CREATE DATABASE $PGDB"
        throughput_on postgres "$PG/$PGDB"
    fi
    { echo; sed 's/^/    /' "$W/notes.txt"; } >>"$RESULTS"
}

# ---- 2. cold start ------------------------------------------------------------------------------
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
minimum() { sort -n | head -1; }

# start_once DATA_DIR: sets MS to the milliseconds from exec to the first 200 on /healthz.
# (Runs in this shell, not in $(...), so the EXIT trap knows the server's pid.)
start_once() {
    local dir=$1 t0 pid
    port_free
    t0=$(now_ns)
    "$B" demo --listen "$HOST:$PORT" --data-dir "$dir" >"$W/demo.log" 2>&1 9>&- &
    pid=$!
    PIDS+=("$pid")
    if ! wait_200 "$BASE/healthz" 30; then cat "$W/demo.log" >&2; exit 1; fi
    MS=$(ms_since "$t0")
    stop_pid "$pid"
}

coldstart() {
    local i tmp cold=() warm=() seed=() mig=() t0
    log "cold start: centinela demo on an empty data dir, $RUNS runs"
    echo "coldstart: $(busy_note)" >>"$W/notes-cold.txt"
    for i in $(seq "$RUNS"); do
        tmp=$(mktemp -d /var/tmp/centinela-cold.XXXXXX)
        TMPS+=("$tmp")
        start_once "$tmp/data"
        cold+=("$MS")
        start_once "$tmp/data" # the same dir again: migrations and seed already done
        warm+=("$MS")
        rm -rf "$tmp"
        tmp=$(mktemp -d /var/tmp/centinela-seed.XXXXXX)
        TMPS+=("$tmp")
        t0=$(now_ns)
        "$B" seed-demo --database "sqlite://$tmp/c.db" >/dev/null
        seed+=("$(ms_since "$t0")")
        t0=$(now_ns)
        "$B" migrate --database "sqlite://$tmp/m.db" >/dev/null
        mig+=("$(ms_since "$t0")")
        rm -rf "$tmp"
        echo "run $i: cold ${cold[-1]} ms, restart ${warm[-1]} ms, seed-demo alone ${seed[-1]} ms, migrate alone ${mig[-1]} ms" >&2
    done
    row() {
        local label=$1
        shift
        printf '| %s | %s | %s | %s |\n' "$label" "$(printf '%s\n' "$@" | minimum)" \
            "$(printf '%s\n' "$@" | median)" "$*" >>"$RESULTS"
    }
    {
        echo
        echo "### Cold start ($RUNS runs, ms; polling \`curl $BASE/healthz\` every 10 ms)"
        echo
        echo "| measurement | min | median | all runs |"
        echo "|---|---:|---:|---|"
    } >>"$RESULTS"
    row '`centinela demo`, empty data dir → first 200 on /healthz' "${cold[@]}"
    row '`centinela demo`, same dir again (already seeded) → first 200' "${warm[@]}"
    row '`centinela seed-demo` on an empty SQLite file (migrate + seed, exits)' "${seed[@]}"
    row '`centinela migrate` on an empty SQLite file (exits)' "${mig[@]}"
    rm -f "$W/notes-cold.txt"
}

# ---- 3. build time and size --------------------------------------------------------------------
# timed_build LABEL: times `cargo build --release -p centinela` and appends a table row.
timed_build() {
    local t0 s log=$W/build.log n
    echo "build: $(busy_note)" >&2
    log "timed: cargo build --release -p centinela"
    t0=$(now_ns)
    cargo build --release -p centinela --manifest-path "$SRC/Cargo.toml" 2>&1 | tee "$log" >&2
    s=$(awk -v ms="$(ms_since "$t0")" 'BEGIN {printf "%.1f", ms / 1000}')
    n=$(grep -c '^ *Compiling' "$log" || true)
    echo "| \`cargo build --release -p centinela\` after $1 ($n crates compiled) | ${s} s$(grep -q Blocking "$log" && echo ' (includes waiting for another build lock)') |" >>"$RESULTS"
}

build() {
    local stripped=$W/centinela.stripped
    build_release
    {
        echo
        echo "### Release build and binary"
        echo
        echo "| measurement | value |"
        echo "|---|---|"
    } >>"$RESULTS"
    log "cargo clean --release -p centinela -p centinela-web -p centinela-store -p centinela-core"
    cargo clean --release --manifest-path "$SRC/Cargo.toml" \
        -p centinela -p centinela-web -p centinela-store -p centinela-core
    timed_build '`cargo clean --release -p centinela -p centinela-web -p centinela-store -p centinela-core`'
    log "cargo clean --release --workspace"
    cargo clean --release --workspace --manifest-path "$SRC/Cargo.toml"
    timed_build '`cargo clean --release --workspace` (every workspace crate the binary links)'
    strip -o "$stripped" "$B"
    {
        echo "| binary size (\`ls -l\`) | $(stat -c %s "$B") bytes ($(awk -v b="$(stat -c %s "$B")" 'BEGIN {printf "%.1f MiB", b / 1048576}')) |"
        echo "| \`size\` (text / data / bss) | $(size "$B" | awk 'NR == 2 {print $1 " / " $2 " / " $3}') |"
        echo "| \`file\` | $(file -b "$B" | sed 's/, BuildID[^,]*//') |"
        echo "| size after \`strip\` (a copy) | $(stat -c %s "$stripped") bytes ($(awk -v b="$(stat -c %s "$stripped")" 'BEGIN {printf "%.1f MiB", b / 1048576}')) |"
    } >>"$RESULTS"
    rm -f "$stripped"
    ls -l "$B" >&2
    size "$B" >&2
}

fullbuild() {
    local dir t0 s log=$W/fullbuild.log
    dir=$(mktemp -d /var/tmp/centinela-fullbuild.XXXXXX)
    TMPS+=("$dir")
    if [ "$what" = fullbuild ]; then
        printf '\n### Release build\n\n| measurement | value |\n|---|---|\n' >>"$RESULTS"
    fi
    log "from-scratch release build in $dir (deleted afterwards)"
    echo "fullbuild: $(busy_note)" >&2
    t0=$(now_ns)
    CARGO_TARGET_DIR=$dir cargo build --release -p centinela --manifest-path "$SRC/Cargo.toml" 2>&1 | tee "$log" >&2
    s=$(awk -v ms="$(ms_since "$t0")" 'BEGIN {printf "%.0f", ms / 1000}')
    echo "| from-scratch \`cargo build --release -p centinela\` (empty target dir, $(grep -c '^ *Compiling' "$log") crates) | ${s} s |" >>"$RESULTS"
    rm -rf "$dir"
}

# ---- main -----------------------------------------------------------------------------------------
what=${1:-all}
case "$what" in
all | build | fullbuild | throughput | coldstart) ;;
*)
    echo "usage: $0 [all|build|fullbuild|throughput|coldstart]" >&2
    exit 2
    ;;
esac
case "$what" in all | throughput) need_wrk ;; esac
{
    echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC'): $what"
    echo
    machine | sed 's/^/    /'
} >>"$RESULTS"
case "$what" in
all)
    build
    [ "${FULL_BUILD:-0}" = 1 ] && fullbuild
    throughput
    coldstart
    ;;
build) build ;;
fullbuild) fullbuild ;;
throughput) build_release && throughput ;;
coldstart) build_release && coldstart ;;
esac
echo >>"$RESULTS"
log "results appended to $RESULTS"
