#!/usr/bin/env bash
# Latency of GET /partner/products/cloud_pbx (release build) for a partner with 100,000 licences.
# Usage: bash scripts/bench-licenses.sh        (from anywhere; takes a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

DB=yeastar_portal_bench_licenses   # a throwaway database: never touches the dev one
PORT=18081; BASE="http://127.0.0.1:$PORT"   # not 18080, so it can run beside bench-customers.sh
PARTNER=partner@northwind.example
PASSWORD=Demo-Portal-2026          # demo::DEMO_PASSWORD
LIST=/partner/products/cloud_pbx
CUSTOMER_TERM="falcon telecom"     # the company of 7 of the 2,000 extra customers (see below)
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

say "Database $DB: demo data + 2,000 customers, ~1,250 orders, 100,000 licences for $PARTNER"
psql_ -c "set client_min_messages = warning" -c "drop database if exists $DB with (force)" -c "create database $DB"
target/release/yeastar-portal seed-demo >/dev/null
psql_ -d "$DB" <<'SQL'
-- 1. 2,000 extra active customers, as in bench-customers.sh (they reuse the partner's argon2
-- hash). Companies cycle with periods 16 and 19, so each of the 304 combinations belongs to
-- 6 or 7 customers: "Falcon Telecom" (i = 14 mod 304) to 7, the "handful" searched for.
with p as (select id, password_hash from accounts where email = 'partner@northwind.example'),
n as (
  select i,
    (array['Alice','Ben','Chloe','David','Emma','Felix','Greta','Hugo','Ines','Jonas','Karin',
      'Liam','Maya','Noah','Olga','Pavel','Rosa','Sven','Tara','Yuki'])[1 + i % 20] as first,
    (array['Martin','Berg','Rivera','Sato','Baker','Obi','Dubois','Chen','Novak','Schmidt',
      'Rossi','Silva','Kowalski','Jensen','Murphy','Ivanova','Tanaka','Costa','Weber','Nagy',
      'Lund','Haddad','Moreau','Khan','Fischer'])[1 + i % 25] as last,
    (array['Acme','Northern','Blue River','Summit','Harbour','Pixel','Granite','Lakeside',
      'Redwood','Silverline','Orbit','Cedar','Atlas','Beacon','Falcon','Meridian'])[1 + i % 16]
      || ' ' || (array['Logistics','Dental','Legal','Hotels','Bakery','Clinic','Studio','Farms',
      'Motors','Consulting','Foods','Textiles','Pharma','Realty','Telecom','Travel','Media',
      'Energy','Insurance'])[1 + i % 19] as company,
    now() - interval '2 years' - random() * interval '365 days' as created_at
  from generate_series(1, 2000) as i
)
insert into accounts (id, role, status, email, password_hash, first_name, last_name, company,
  phone, country, city, partner_id, created_by, created_at, updated_at, activated_at)
select gen_random_uuid(), 'customer', 'active', format('%s.%s.%s@%s.example', lower(first),
    lower(last), i, regexp_replace(lower(company), '[^a-z]+', '-', 'g')),
  p.password_hash, first, last, company, '+49 40 ' || (1000000 + i), 'DE', 'Hamburg', p.id, p.id,
  created_at, created_at, created_at + interval '1 day'
from n, p;

SQL
psql_ -d "$DB" -v licences=100000 -f benches/sql/northwind-licences.sql

read -r n_orders n_lic n_assoc n_cust < <(psql_ -d "$DB" -F ' ' <<SQL
select (select count(*) from orders o join accounts p on p.id = o.partner_id where p.email = '$PARTNER'),
  (select count(*) from licenses l join accounts p on p.id = l.partner_id where p.email = '$PARTNER'),
  (select count(l.customer_id) from licenses l join accounts p on p.id = l.partner_id where p.email = '$PARTNER'),
  (select count(*) from accounts a join accounts p on p.id = a.partner_id
    where p.email = '$PARTNER' and a.role = 'customer' and a.status = 'active')
SQL
)
echo "$PARTNER: $n_orders orders, $n_lic licences ($n_assoc associated), $n_cust active customers"

# How many rows the app's search predicate (licenses::list) matches for a term: the key prefix,
# the plan name, or the partner's customers. (The terms used here contain no LIKE wildcards.)
matches() {
  psql_ -d "$DB" -v term="$1" -v partner="$PARTNER" <<'SQL'
select count(*) from licenses l join plans pl on pl.code = l.plan_code
where l.partner_id = (select id from accounts where email = :'partner') and l.product_type = 'cloud_pbx'
  and (l.key like upper(:'term') || '%' or lower(pl.name) like '%' || lower(:'term') || '%'
    or l.customer_id in (select a.id from accounts a where a.partner_id = l.partner_id
      and lower(a.first_name || ' ' || a.last_name || ' ' || a.company || ' ' || a.email)
        like '%' || lower(:'term') || '%'));
SQL
}
# An existing key from the middle of the list (the position does not matter: with ~1.5 matches
# the newest-first scan has to go through every licence to look for a 26th).
KEY=$(psql_ -d "$DB" -c "select key from licenses order by created_at desc, id desc offset 50000 limit 1")
KEY_TERM=${KEY:0:7}
KEY_MATCHES=$(matches "$KEY_TERM"); CUSTOMER_MATCHES=$(matches "$CUSTOMER_TERM")
echo "?q=$KEY_TERM (prefix of $KEY) matches $KEY_MATCHES licences;" \
  "?q=$CUSTOMER_TERM matches $CUSTOMER_MATCHES licences of" \
  "$(psql_ -d "$DB" -v term="$CUSTOMER_TERM" <<<"select count(*) from accounts where role = 'customer'
     and lower(first_name || ' ' || last_name || ' ' || company || ' ' || email) like '%' || :'term' || '%'") customers"
((CUSTOMER_MATCHES > 25)) || die "?q=$CUSTOMER_TERM should match more than one page"

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

# Each target must be a real 200 page with the expected rows, or wrk would happily time a
# redirect to /login or an empty page.
page() { curl -sS -H "Cookie: $COOKIE" -o "$WORK/page.html" -w '%{http_code}' "$BASE$1"; }
check() {
  local status rows want=$2
  status=$(page "$1")
  rows=$(grep -c '<td data-label="Licence key">' "$WORK/page.html" || true)
  [[ $status == 200 && $rows == "$want" ]] || die "$1: HTTP $status with $rows rows (want 200, $want)"
  echo "$1: HTTP 200, $rows rows"
}
check "$LIST" 25
after=$(grep -o 'after=[0-9]*\.[0-9a-f-]*' "$WORK/page.html" | sed -n 1p | cut -d= -f2)
[[ -n $after ]] || die "no Next page link on the first page"
check "$LIST?after=$after" 25
check "$LIST?q=$KEY_TERM" $((KEY_MATCHES < 25 ? KEY_MATCHES : 25))
grep -qF "<code>$KEY</code>" "$WORK/page.html" || die "?q=$KEY_TERM does not list $KEY"
check "$LIST?q=${CUSTOMER_TERM// /+}" 25
# A term that matches nothing: every one of the partner's licences must be ruled out.
check "$LIST?q=zzzz" 0
TARGETS=("$LIST" "$LIST?after=$after" "$LIST?q=$KEY_TERM" "$LIST?q=${CUSTOMER_TERM// /+}" "$LIST?q=zzzz")
LABELS=("first page" "page 2 (?after=)" "key prefix ?q=$KEY_TERM" "customer ?q=${CUSTOMER_TERM// /+}"
  "no match ?q=zzzz")

say "wrk: 5 s warm-up, then -t2 -c16 -d20s per target"
wrk -t2 -c16 -d5s -H "Cookie: $COOKIE" "$BASE$LIST" >/dev/null
SUMMARY=()
for i in "${!TARGETS[@]}"; do
  t=${TARGETS[$i]}
  # --timeout 10s: slow searches queue up at 16 connections; wrk's default 2 s timeout would drop
  # exactly the slowest requests from the latency figures.
  out=$(wrk -t2 -c16 -d20s --timeout 10s --latency -H "Cookie: $COOKIE" "$BASE$t")
  echo "$out"
  ! grep -q 'Non-2xx' <<<"$out" || die "$t: wrk saw non-2xx responses"
  ! grep -q 'Socket errors' <<<"$out" || echo "bench: warning: $t: wrk saw socket errors (timeouts?)" >&2
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  SUMMARY+=("$(printf '%-26s %9s req/s   p50 %8s   p99 %8s' "${LABELS[$i]}" "$rps" "$p50" "$p99")")
done

say "SQL statements per page view (RUST_LOG=sqlx::query=debug)"
stop_server
# yeastar_portal::web=info keeps the per-request span (an info span) so each statement's log
# line carries our request id; without it the span is filtered out and lines carry no context.
start_server 'warn,yeastar_portal::web=info,sqlx::query=debug'
# sqlx looks up enum type OIDs once per pooled connection; a short burst at the benchmark's
# concurrency warms the pool so the counted request shows the steady state, as under wrk.
wrk -t1 -c16 -d2s -H "Cookie: $COOKIE" "$BASE$LIST" >/dev/null
COUNTS=()
for i in "${!TARGETS[@]}"; do
  rid="bench-count-$$-$i"   # SetRequestIdLayer keeps a request id the client sends
  [[ $(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" -H "x-request-id: $rid" \
    "$BASE${TARGETS[$i]}") == 200 ]] || die "counted request ${TARGETS[$i]} did not answer 200"
  sleep 0.5   # let the log writer flush
  # One event per statement (db.statement is escaped onto one line); strip ANSI colours in case
  # stderr formatting has them, keep only target sqlx::query inside our request's span.
  sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log" | grep -F "request_id=$rid}" | grep ' sqlx::query: ' >"$WORK/sql.log" || true
  n=$(wc -l <"$WORK/sql.log")
  ((n > 0)) || die "no sqlx::query lines for request $rid: has the log format changed?"
  catalog=$(grep -c 'pg_catalog' "$WORK/sql.log" || true)
  echo "${LABELS[$i]}:"
  sed -E 's/.* summary="(([^"\\]|\\.)*)".*/  \1/' "$WORK/sql.log"
  note=""; ((catalog == 0)) || note=" ($catalog of them sqlx's one-time per-connection type lookups)"
  COUNTS+=("$(printf '  %-26s %s%s' "${LABELS[$i]}" "$n" "$note")")
done
stop_server

say "Summary ($(nproc) CPUs; wrk, server and PostgreSQL share them; 100,000 licences)"
printf '%s\n' "${SUMMARY[@]}"
echo "SQL statements per $LIST page view:"
printf '%s\n' "${COUNTS[@]}"
