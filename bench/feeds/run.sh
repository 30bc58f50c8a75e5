#!/usr/bin/env bash
# Reproduces the figures in bench/feeds/README.md. Everything generated (CSV inputs, owner
# tables, JSONL outputs, the IntelMQ venv) goes under /var/tmp, never into the repository.
#
#   bench/feeds/run.sh            ours: lookups, parse-only, route-only, end to end, peak RSS
#   bench/feeds/run.sh peer       IntelMQ 3.5.0 on the same 100k input, then the equivalence check
#
# Env: W (work dir, /var/tmp/feeds-bench), IMQ (IntelMQ dir, /var/tmp/imq), CPU (core to pin, 1),
# PEER (the peer recipe, ../shared/peers/intelmq beside the repository).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${W:-/var/tmp/feeds-bench}
IMQ=${IMQ:-/var/tmp/imq}
CPU=${CPU:-1}
PEER=${PEER:-$ROOT/../shared/peers/intelmq}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/centinela-helpers-target}
mkdir -p "$W"
pin() { taskset -c "$CPU" "$@"; }
csv() { echo "$W/2024-05-01-scan_http-xx-$1.csv"; }

inputs() {
    for n in 100000 1000000 10000000; do
        [ -s "$(csv $n)" ] || python3 "$PEER/gen_scan_http.py" $n "$(csv $n)"
    done
    printf 'kind,value,owner\ncidr,10.0.0.0/10,ministry-a\ncidr,10.64.0.0/10,ministry-b\ncidr,10.128.0.0/9,agency-c\n' >"$W/owners-3.csv"
    [ -s "$W/owners-100k.csv" ] || "$B" gen-owners 100000 "$W/owners-100k.csv"
}

ours() {
    echo "== owner lookups, 100,000 mixed IPv4/IPv6 prefixes"
    for _ in 1 2 3; do pin "$B" lookup "$W/owners-100k.csv"; done
    for n in 100000 1000000; do
        echo "== parse-only, $n rows"
        for _ in 1 2 3; do pin "$B" parse "$(csv $n)"; done
        echo "== route-only, $n rows (peer's 3 prefixes, then 100k prefixes)"
        for o in owners-3 owners-100k; do for _ in 1 2 3; do pin "$B" route "$(csv $n)" "$W/$o.csv"; done; done
        echo "== end to end, $n rows: ext4 file, tmpfs file, /dev/null"
        for out in "$W/ours-$n.jsonl" "/dev/shm/ours-$n.jsonl" /dev/null; do
            for _ in 1 2 3; do pin "$B" e2e "$(csv $n)" "$W/owners-3.csv" "$out"; done
        done
        rm -f "/dev/shm/ours-$n.jsonl"
    done
    echo "== peak RSS (end to end to ext4, 100k-prefix table)"
    for n in 100000 1000000 10000000; do
        /usr/bin/time -v taskset -c "$CPU" "$B" e2e "$(csv $n)" "$W/owners-100k.csv" "$W/ours-rss.jsonl" 2>&1 |
            grep -E '^e2e|Maximum resident|Elapsed|User time|System time'
    done
    rm -f "$W/ours-rss.jsonl"
}

peer() {
    if [ ! -x "$IMQ/venv/bin/python" ]; then
        /usr/bin/python3 -m venv "$IMQ/venv"
        "$IMQ/venv/bin/pip" install intelmq==3.5.0 pendulum 'textX>=1.5.1'
    fi
    export INTELMQ_ROOT_DIR=$IMQ/root IMQ_LOG_DIR=$IMQ/log/ PATH=$IMQ/venv/bin:$PATH
    mkdir -p "$INTELMQ_ROOT_DIR/etc" "$INTELMQ_ROOT_DIR/var/lib/bots" "$INTELMQ_ROOT_DIR/var/log" "$IMQ_LOG_DIR" "$IMQ/work"
    cp "$IMQ"/venv/lib/python3.*/site-packages/intelmq/etc/harmonization.conf "$INTELMQ_ROOT_DIR/etc/"
    cp "$PEER"/*.py "$PEER/sieve.rules" "$IMQ/work/"
    cd "$IMQ/work"
    python make_schema.py "$INTELMQ_ROOT_DIR/var/lib/bots/shadowserver-schema.json"
    cp "$(csv 100000)" 2024-05-01-scan_http-xx-geo.csv
    echo "== IntelMQ 3.5.0 library mode, 100000 rows, pinned to CPU $CPU"
    for _ in 1 2 3; do
        rm -f out.jsonl # IntelMQ's file output appends
        /usr/bin/time -v taskset -c "$CPU" python bench_lib.py 2024-05-01-scan_http-xx-geo.csv out.jsonl 2>&1 |
            grep -E '^events=|Maximum resident|Elapsed|User time|System time'
    done
    echo "== equivalence (jq -cS, ignoring time.observation; see README for the two renames)"
    pin "$B" e2e "$(csv 100000)" "$W/owners-3.csv" "$W/ours-100000.jsonl"
    jq -cS 'del(."time.observation", .severity)
            | with_entries(if .key == "extra.source.naics" then .key = "extra.naics" else . end)' \
        "$W/ours-100000.jsonl" >"$W/ours.norm.jsonl"
    jq -cS 'del(."time.observation")' out.jsonl >"$W/peer.norm.jsonl"
    if cmp -s "$W/ours.norm.jsonl" "$W/peer.norm.jsonl"; then echo "outputs identical: $(wc -l <"$W/peer.norm.jsonl") events"; else echo "outputs DIFFER"; fi
}

cargo build --release -p feeds --example feeds_bench --manifest-path "$ROOT/Cargo.toml"
B=$CARGO_TARGET_DIR/release/examples/feeds_bench
inputs
case "${1:-ours}" in
    ours) ours ;;
    peer) peer ;;
    *) echo "usage: $0 [ours|peer]" >&2; exit 2 ;;
esac
