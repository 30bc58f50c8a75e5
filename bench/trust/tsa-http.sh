#!/usr/bin/env bash
# POST /tsa over HTTP with a load generator (wrk): time-stamp tokens per second served by
# `centinela demo` (release build) on loopback, the TSA's log statement included, beside
# `openssl speed ecdsap256` as the signing ceiling. Figures go to bench/trust/README.md.
#
#   bench/trust/tsa-http.sh            # 20 s per run, 64 connections, 2 wrk threads
#   DURATION=30s CONNS=128 bench/trust/tsa-http.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/centinela-target}"
DURATION="${DURATION:-20s}"
CONNS="${CONNS:-64}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18432}"
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
command -v openssl >/dev/null || apt-get install -y -q openssl >/dev/null
cargo build --release -q -p centinela --locked
BIN="$CARGO_TARGET_DIR/release/centinela"
WORK="$(mktemp -d /var/tmp/centinela-tsa-http.XXXXXX)"
cd "$WORK"
CENTINELA_LOG=warn "$BIN" demo --listen "127.0.0.1:$PORT" >server.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

# One request made by OpenSSL (SHA-256, nonce, certReq): wrk sends it again and again, which
# is what a TSA sees from a busy client (it does not cache by request).
echo "informe" >doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out query.tsq
cat >post.lua <<'LUA'
local f = io.open("query.tsq", "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "application/timestamp-query"
function response(status, headers, body)
  if status ~= 200 then error("status " .. status) end
end
LUA
# A reply made under load must still verify with OpenSSL.
curl -sf -H 'Content-Type: application/timestamp-query' --data-binary @query.tsq \
  "http://127.0.0.1:$PORT/tsa" -o reply.tsr
curl -sf "http://127.0.0.1:$PORT/tsa/certificate" -o chain.pem
openssl ts -verify -data doc.txt -in reply.tsr -CAfile <(awk '/BEGIN/{n++} n==2' chain.pem) \
  -untrusted <(awk '/BEGIN/{n++} n==1' chain.pem) >/dev/null && echo "reply verifies with openssl ts -verify"

wrk -t"$THREADS" -c"$CONNS" -d2s -s post.lua "http://127.0.0.1:$PORT/tsa" >/dev/null # warm-up
for run in 1 2 3; do
  echo "-- run $run: wrk -t$THREADS -c$CONNS -d$DURATION POST /tsa"
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s post.lua "http://127.0.0.1:$PORT/tsa" |
    grep -E "Requests/sec|Latency|50%|99%|Non-2xx|errors"
done
echo "-- ceiling: openssl speed ecdsap256 (1 thread, sign)"
openssl speed -seconds 5 ecdsap256 2>/dev/null | tail -1
echo "loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
