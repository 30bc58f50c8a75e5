#!/usr/bin/env bash
# Runs every test of Centinela on a fresh machine: installs what the tests need (Chromium and
# its driver, Go for the transparency-log interop test, cargo-nextest, schemathesis), starts
# PostgreSQL if it is down, then runs formatting, lints, the whole suite against SQLite and
# PostgreSQL, doc tests and the API fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/centinela-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n== %s\n' "$*"; }

step "system packages"
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod ] || need+=(golang-golang-x-mod-dev)
command -v pg_isready >/dev/null || need+=(postgresql-client)
command -v openssl >/dev/null || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

step "Python peers (rfc3161-client for the TSA, stix2 and pymisp for incident exchange, compliance-trestle for OSCAL and openpyxl for XLSX, aiosmtpd for e-mail)"
# venv DIR "IMPORTS" PACKAGES…: installs only when the imports fail.
venv() {
  local dir="$1" imports="$2"; shift 2
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "import $imports" >/dev/null 2>&1; then
    return 0
  fi
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q "$@"
}
venv /var/tmp/centinela-venv-trust "rfc3161_client" rfc3161-client
venv /var/tmp/centinela-venv-incidents "stix2, stix2validator, pymisp" stix2 stix2-validator pymisp
venv /var/tmp/centinela-venv-assess "trestle, openpyxl" compliance-trestle openpyxl
venv /var/tmp/centinela-venv-mail "aiosmtpd" aiosmtpd

step "PostgreSQL"
if [ -z "${CENTINELA_TEST_POSTGRES:-}" ]; then
  export CENTINELA_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/test"
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
echo "CENTINELA_TEST_POSTGRES=$CENTINELA_TEST_POSTGRES"

step "cargo-nextest"
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi

step "format"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests (SQLite and PostgreSQL)"
cargo nextest run --workspace --locked --no-fail-fast

step "doc tests"
cargo test --workspace --doc --locked

step "API fuzzing (schemathesis)"
bash scripts/fuzz-api.sh
