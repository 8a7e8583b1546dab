#!/usr/bin/env bash
# Load: a release-mode demo server under a mixed dashboard-and-writes load from wrk, for
# LOAD_DURATION seconds (default 60; or the first argument). Prints requests/s, p50/p99 and
# error counts, and exits non-zero if any request failed (any non-2xx answer counts).
#
#   scripts/load.sh            # 60 s
#   scripts/load.sh 10         # a quick look
#   LOAD_CONNECTIONS=64 LOAD_THREADS=2 scripts/load.sh
#
# Not part of CI: it takes a minute and a release build. The per-token rate limit is turned
# off for the run, since the point is what the server answers, not what one token may ask.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-${LOAD_DURATION:-60}}"
connections="${LOAD_CONNECTIONS:-32}"
threads="${LOAD_THREADS:-2}"

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing wrk"
    apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else
    echo "wrk is needed: apt-get install wrk (or brew install wrk)" >&2
    exit 2
  fi
fi

cargo build --quiet --release -p welfare-ledger
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
binary="$target_dir/release/welfare-ledger"

work="$(mktemp -d)"
server=""
stop_server() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
  fi
  [[ -z "$server" ]] || wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop_server EXIT

RUST_LOG=warn "$binary" serve --demo --listen 127.0.0.1:0 --rate-limit-per-second 0 \
  --database-url "sqlite://$work/load.db" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 600); do
  grep -q '^try: ' "$work/serve.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.out" "$work/serve.err" >&2; exit 1; }
  sleep 0.2
done
grep -q '^try: ' "$work/serve.out" || { echo "the demo server was not ready in 120 s" >&2; exit 1; }
address="$(sed -n 's|^welfare-ledger serving on http://\([^ ]*\) .*|\1|p' "$work/serve.out")"
token_of() { awk -v r="$1" '$1 == r && $2 ~ /^wl_/ { print $2 }' "$work/serve.out"; }
# Dashboard reads aggregates; the recorder writes and reads the feed.
export LOAD_TOKEN_READ="$(token_of dashboard)" LOAD_TOKEN_WRITE="$(token_of recorder)"

echo "wrk: ${duration}s, $threads threads, $connections connections against http://$address"
wrk --threads "$threads" --connections "$connections" --duration "${duration}s" --timeout 10s \
  --script scripts/load.lua "http://$address" | tee "$work/wrk.out"

errors="$(sed -n 's/^errors: \([0-9]*\).*/\1/p' "$work/wrk.out")"
if [[ -z "$errors" ]]; then
  echo "wrk printed no summary" >&2
  exit 1
fi
if grep -qE 'panicked|ERROR' "$work/serve.err"; then
  echo "the server logged errors:" >&2
  grep -E 'panicked|ERROR' "$work/serve.err" | head -20 >&2
  exit 1
fi
if [[ "$errors" -ne 0 ]]; then
  echo "FAILED: $errors requests errored" >&2
  exit 1
fi
echo "ok: no request errored"
