#!/usr/bin/env bash
# Soak: mixed traffic of all three portals (signed-in page views, list searches, form posts
# with CSRF, PBX heartbeats) against the release build for MINUTES minutes, then prints
# requests, errors by status, connection errors, p99 latency and the server's RSS over time.
# Exits non-zero on any error. Goal: 0 errors and flat memory.
#
# Usage: bash scripts/soak.sh MINUTES     (from anywhere; e.g. 10)
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${1:?usage: scripts/soak.sh MINUTES}
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || { echo "soak: MINUTES must be a whole number" >&2; exit 2; }
DB=yeastar_portal_soak             # a throwaway database: never touches the dev one
PORT=18095; BASE="http://127.0.0.1:$PORT"
# Bounded load: the server, PostgreSQL and wrk share a small machine with other work.
THREADS=2; CONNECTIONS=8
WORK=$(mktemp -d /tmp/yeastar-soak.XXXXXX); SERVER_PID=; SAMPLER_PID=
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
# A key of production strength, so the server runs as it would be deployed.
SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'); export SECRET_KEY
say() { printf '\n== %s\n' "$*"; }
die() { echo "soak: $*" >&2; exit 1; }
stop() {
  [[ -z $SAMPLER_PID ]] || kill "$SAMPLER_PID" 2>/dev/null || true
  [[ -z $SERVER_PID ]] || { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
}
trap stop EXIT

say "Prerequisites: PostgreSQL, wrk, release build"
bash scripts/ensure-postgres.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --locked --release --bin yeastar-portal

say "Database $DB: demo data; server on $BASE (log: $WORK/server.log)"
psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -c "set client_min_messages = warning" \
  -c "drop database if exists $DB with (force)" -c "create database $DB"
target/release/yeastar-portal seed-demo >/dev/null
curl -fs "$BASE/readyz" >/dev/null 2>&1 && die "something already listens on port $PORT"
# Warnings only, but inside the request span (an info span of yeastar_portal::web), so each
# one names the request it came from.
BIND_ADDR=127.0.0.1:$PORT PUBLIC_URL=$BASE MAIL_DIR="$WORK/mail" RUST_LOG='warn,yeastar_portal::web=info' \
  target/release/yeastar-portal serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
  sleep 0.2
done
curl -fs "$BASE/readyz" >/dev/null || die "server not ready after 20 s"

# shellcheck source=scripts/load-lib.sh
source scripts/load-lib.sh
sign_in_demo_accounts
issue_pbx_token

# Every request of the mix must work before it is repeated thousands of times.
say "Smoke test of the mix (2 s, 1 connection)"
wrk -t1 -c1 -d2s -s benches/soak.lua "$BASE" | grep '^SOAK' | tee "$WORK/smoke.txt"
grep -q 'bad_status=0 socket_errors=0' "$WORK/smoke.txt" || die "the mix already fails at 1 connection"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
say "Soak: ${MINUTES} min, wrk -t$THREADS -c$CONNECTIONS ($(nproc) CPUs shared with PostgreSQL and wrk)"
RSS_START=$(rss_kib)
( while sleep 30; do echo "$(date -u +%T) $(rss_kib)"; done ) >"$WORK/rss.txt" 2>/dev/null &
SAMPLER_PID=$!
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${MINUTES}m" --timeout 10s --latency -s benches/soak.lua "$BASE" \
  | tee "$WORK/wrk.txt"
RSS_END=$(rss_kib)
kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=

say "Summary"
grep '^SOAK' "$WORK/wrk.txt" | sed 's/^SOAK //'
echo "server RSS: start $((RSS_START / 1024)) MiB, end $((RSS_END / 1024)) MiB;" \
  "every 30 s (MiB): $(awk '{ printf "%d ", $2 / 1024 }' "$WORK/rss.txt")"
server_errors=$(grep -c -E ' ERROR ' "$WORK/server.log" || true)
server_warnings=$(grep -c -E ' WARN ' "$WORK/server.log" || true)
echo "server log: $server_errors ERROR line(s), $server_warnings WARN line(s) ($WORK/server.log)"
{ grep -E ' (ERROR|WARN) ' "$WORK/server.log" || true; } | sed -E 's/^[^ ]+ +//; s/request_id=[0-9a-f-]+//' | sort | uniq -c |
  sort -rn | head -10
kill -0 "$SERVER_PID" 2>/dev/null || die "the server died during the soak"
if ! grep -q 'bad_status=0 socket_errors=0' "$WORK/wrk.txt" || ((server_errors > 0)); then
  die "errors during the soak"
fi
echo "soak: 0 errors"
