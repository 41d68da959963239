#!/usr/bin/env bash
# Latency of GET /partner/customers (release build) for a partner with 10,000 customers.
# Usage: bash scripts/bench-customers.sh        (from anywhere; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

DB=yeastar_portal_bench            # a throwaway database: never touches the dev one
PORT=18080; BASE="http://127.0.0.1:$PORT"
PARTNER=partner@northwind.example
PASSWORD=Demo-Portal-2026          # demo::DEMO_PASSWORD
WORK=$(mktemp -d); JAR="$WORK/cookies.txt"; SERVER_PID=
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
psql_() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
say() { printf '\n== %s\n' "$*"; }
die() { echo "bench: $*" >&2; exit 1; }

stop_server() { [[ -z $SERVER_PID ]] || { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" || true; SERVER_PID=; }; }
trap 'stop_server; rm -rf "$WORK"' EXIT

# Starts the release server with the given RUST_LOG, logging to $WORK/server.log, and waits for
# /readyz (which also means migrations ran and the session table exists).
start_server() {
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && die "something already listens on port $PORT"
  BIND_ADDR=127.0.0.1:$PORT PUBLIC_URL=$BASE MAIL_WORKER=false RUST_LOG=$1 \
    target/release/yeastar-portal serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fs "$BASE/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
    sleep 0.2
  done
  die "server not ready after 20 s"
}

say "Prerequisites: PostgreSQL, wrk, release build"
pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --bin yeastar-portal

say "Database $DB: demo data + 10,000 customers for $PARTNER"
psql_ -c "set client_min_messages = warning" -c "drop database if exists $DB with (force)" -c "create database $DB"
target/release/yeastar-portal seed-demo >/dev/null
psql_ -d "$DB" -v customers=10000 -f benches/sql/northwind-customers.sql
echo "customers of $PARTNER: $(psql_ -d "$DB" -c "select count(*) from accounts a join accounts p
  on a.partner_id = p.id where p.email = '$PARTNER' and a.role = 'customer'")"

say "Sign in as $PARTNER"
start_server warn
csrf=$(curl -fsS -c "$JAR" "$BASE/login" | grep -o 'name="csrf_token" value="[^"]*"' | sed -n 1p | cut -d'"' -f4)
[[ -n $csrf ]] || die "no csrf_token on /login"
login=$(curl -sS -b "$JAR" -c "$JAR" -o /dev/null -w '%{http_code} %{redirect_url}' \
  --data-urlencode "csrf_token=$csrf" --data-urlencode "email=$PARTNER" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "next=" "$BASE/login")
[[ $login == "303 $BASE/partner/customers" ]] || die "sign-in answered: $login"
# The jar's 6th/7th columns are name/value (HttpOnly lines carry a "#HttpOnly_" prefix, same columns).
COOKIE="portal_session=$(awk '$6 == "portal_session" { v = $7 } END { print v }' "$JAR")"
[[ $COOKIE != "portal_session=" ]] || die "no portal_session cookie"

# Each target must be a real 200 page with 25 rows, or wrk would happily time a redirect.
page() { curl -sS -H "Cookie: $COOKIE" -o "$WORK/page.html" -w '%{http_code}' "$BASE$1"; }
check() {
  local status rows want=${2:-25}
  status=$(page "$1")
  rows=$(sed -n '/<tbody>/,/<\/tbody>/p' "$WORK/page.html" | grep -c '<tr>' || true)
  [[ $status == 200 && $rows == "$want" ]] || die "$1: HTTP $status with $rows rows (want 200, $want)"
  echo "$1: HTTP 200, $rows rows"
}
check /partner/customers
after=$(grep -o 'after=[0-9]*\.[0-9a-f-]*' "$WORK/page.html" | sed -n 1p | cut -d= -f2)
[[ -n $after ]] || die "no Next page link on the first page"
# A term that matches nothing is the worst case for a "contains" search: every one of the
# partner's customers must be ruled out.
TARGETS=(/partner/customers "/partner/customers?q=acme" "/partner/customers?after=$after" "/partner/customers?q=zzzz")
LABELS=("first page" "search ?q=acme" "page 2 (?after=)" "search, no match ?q=zzzz")
for t in "${TARGETS[@]:1:2}"; do check "$t"; done
check "/partner/customers?q=zzzz" 0

say "wrk: 5 s warm-up, then -t2 -c16 -d20s per target"
wrk -t2 -c16 -d5s -H "Cookie: $COOKIE" "$BASE/partner/customers" >/dev/null
SUMMARY=()
for i in "${!TARGETS[@]}"; do
  t=${TARGETS[$i]}
  out=$(wrk -t2 -c16 -d20s --latency -H "Cookie: $COOKIE" "$BASE$t")
  echo "$out"
  ! grep -q 'Non-2xx' <<<"$out" || die "$t: wrk saw non-2xx responses"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  SUMMARY+=("$(printf '%-18s %9s req/s   p50 %8s   p99 %8s' "${LABELS[$i]}" "$rps" "$p50" "$p99")")
done

say "SQL statements per page view (RUST_LOG=sqlx::query=debug)"
stop_server
# yeastar_portal::web=info keeps the per-request span (an info span) so each statement's log
# line carries our request id; without it the span is filtered out and lines carry no context.
start_server 'warn,yeastar_portal::web=info,sqlx::query=debug'
# sqlx looks up enum type OIDs once per pooled connection; a short burst at the benchmark's
# concurrency warms the pool so the counted request shows the steady state, as under wrk.
wrk -t1 -c16 -d2s -H "Cookie: $COOKIE" "$BASE/partner/customers" >/dev/null
rid="bench-count-$$"   # SetRequestIdLayer keeps a request id the client sends
[[ $(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" -H "x-request-id: $rid" \
  "$BASE/partner/customers") == 200 ]] || die "counted request did not answer 200"
sleep 0.5   # let the log writer flush
# One event per statement (db.statement is escaped onto one line); strip ANSI colours in case
# stderr formatting has them, keep only target sqlx::query inside our request's span.
sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log" | grep -F "request_id=$rid}" | grep ' sqlx::query: ' >"$WORK/sql.log" || true
STATEMENTS=$(wc -l <"$WORK/sql.log")
((STATEMENTS > 0)) || die "no sqlx::query lines for request $rid: has the log format changed?"
CATALOG=$(grep -c 'pg_catalog' "$WORK/sql.log" || true)
sed -E 's/.* summary="(([^"\\]|\\.)*)".*/  \1/' "$WORK/sql.log"
stop_server

say "Summary ($(nproc) CPUs; wrk, server and PostgreSQL share them)"
printf '%s\n' "${SUMMARY[@]}"
note=""; ((CATALOG == 0)) || note=" ($CATALOG of them sqlx's one-time per-connection type lookups)"
echo "SQL statements per /partner/customers page view: $STATEMENTS$note"
