#!/usr/bin/env bash
# The cost of compressing responses on the fly: wrk on the partner's customer list (a page
# rendered per request) and on the main stylesheet (a static file), asking for no encoding,
# gzip and br. One line per run:
#
#   COMPRESSION target=<page|css> encoding=<identity|gzip|br> rps=<n> p99_ms=<x> bytes=<n> cpu_ms=<x>
#
# bytes is the body of one response as sent; cpu_ms the portal's CPU time (user + system) per
# request. Release build, throwaway database with the demo data, one instance on a free
# loopback port. The machine is shared, so compare lines of one run, not runs of different days.
#
#   bash benches/compression.sh [SECONDS]     (per run; default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
DB=yeastar_portal_compression
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export RUST_LOG=warn MAIL_WORKER=false SCHEDULED_JOBS=false
BIN=target/release/yeastar-portal
WORK=$(mktemp -d /tmp/yeastar-compression.XXXXXX)
SERVER_PID=
stop_server() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
  return 0
}
trap stop_server EXIT

bash scripts/ensure-postgres.sh >/dev/null
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
cargo build --locked --release --bin yeastar-portal

psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -c "set client_min_messages = warning" \
  -c "drop database if exists $DB with (force)" -c "create database $DB"
"$BIN" seed-demo >/dev/null

# A free loopback port: the kernel picks one for a moment's listener.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
BIND_ADDR="127.0.0.1:$PORT" PUBLIC_URL="$BASE" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$BASE/healthz" || { cat "$WORK/server.log" >&2; exit 1; }

# shellcheck source=scripts/load-lib.sh
source scripts/load-lib.sh
sign_in partner partner@northwind.example >/dev/null
COOKIE=$SOAK_PARTNER_COOKIE
CSS=$(curl -fsS -H "Cookie: $COOKIE" "$BASE/partner/customers" |
  grep -o '/static/css/app\.[0-9a-f]*\.css' | sed -n 1p)
[ -n "$CSS" ] || load_die "no hashed stylesheet URL on /partner/customers"

ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
HZ=$(getconf CLK_TCK)

# wrk on $2 (a path) asking for encoding $3; prints one COMPRESSION line labelled $1.
measure() {
  local target=$1 path=$2 encoding=$3 accept=() head bytes out before after
  [ "$encoding" != identity ] && accept=(-H "Accept-Encoding: $encoding")
  head=$(curl -sS -o "$WORK/body" -D - -w '%{http_code} %{size_download}' -H "Cookie: $COOKIE" \
    "${accept[@]}" "$BASE$path")
  bytes=${head##* }
  [[ ${head##*$'\n'} == "200 "* ]] || load_die "$path answered: ${head##*$'\n'}"
  if [ "$encoding" = identity ]; then
    ! grep -qi '^content-encoding:' <<<"$head" || load_die "$path was encoded unasked"
  else
    grep -qi "^content-encoding: $encoding" <<<"$head" || load_die "$path was not sent as $encoding"
  fi
  wrk -t2 -c16 -d2s -H "Cookie: $COOKIE" "${accept[@]}" "$BASE$path" >/dev/null
  before=$(ticks)
  out=$(wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $COOKIE" "${accept[@]}" "$BASE$path")
  after=$(ticks)
  ! grep -q 'Non-2xx' <<<"$out" || { echo "$out" >&2; load_die "$path: non-2xx answers"; }
  awk -v t="$target" -v e="$encoding" -v b="$bytes" -v ticks=$((after - before)) -v hz="$HZ" '
    /^Requests\/sec:/ { rps = $2 }
    /requests in/ { n = $1 }
    $1 == "99%" { p = $2; ms = p + 0
      if (p ~ /us$/) ms /= 1000; else if (p ~ /[^m]s$/) ms *= 1000 }
    END { printf "COMPRESSION target=%s encoding=%s rps=%.0f p99_ms=%.2f bytes=%d cpu_ms=%.3f\n",
      t, e, rps, ms, b, ticks * 1000 / hz / n }' <<<"$out"
}

echo "# $(nproc) CPUs shared by wrk, the portal and PostgreSQL; load before: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "${SECONDS_PER_RUN} s per run, 16 connections; css is $CSS"
for encoding in identity gzip br; do measure page /partner/customers "$encoding"; done
for encoding in identity gzip br; do measure css "$CSS" "$encoding"; done
