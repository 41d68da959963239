#!/usr/bin/env bash
# Security scan: wapiti and sqlmap against a seeded portal (release build), signed in as each
# role and signed out. Exits non-zero on any scanner finding or any 5xx in the server log, and
# prints counts per scanner and role.
#
# Usage: bash scripts/scan.sh          (from anywhere; 6-7 minutes plus the release build, at most
#                                      ~11: every scanner run is bounded in time)
#
# Everything the scanners touch runs inside a network namespace that has only `lo`
# (`unshare --net`): the server, the scanners, a session-keeping proxy per role
# (scripts/scan-proxy.py) and a socat bridge from 127.0.0.1:5432 in the namespace to
# PostgreSQL's Unix socket outside it. Nothing in there can reach another host, so wapiti's
# update and bug-report uploads (off anyway: --no-bugreport, no `wapp` module) cannot leak.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=yeastar_portal_scan             # a throwaway database: never touches the dev one
PORT=18090                         # the server, inside the namespace
PASSWORD=Demo-Portal-2026          # demo::DEMO_PASSWORD
PG_SOCKET=/var/run/postgresql/.s.PGSQL.5432
# Per role: the proxy's port, the account (none for the signed-out scan), wapiti's folder scope
# and start pages. The customer belongs to the *other* demo partner (Blue Sky), so nothing the
# partner scan does (removal requests the manager scan may then approve) touches its account.
ROLES=(public customer partner manager)
declare -A PROXY=([public]=18091 [customer]=18092 [partner]=18093 [manager]=18094)
declare -A ACCOUNT=([public]="" [customer]=it@harbour-clinic.example
  [partner]=partner@northwind.example [manager]=manager@demo.yeastar.example)
declare -A FOLDER=([public]=/ [customer]=/customer/ [partner]=/partner/ [manager]=/manager/)
declare -A STARTS=(
  [public]="/login /forgot-password /reset-password/scan-token /activate/scan-token /login/two-factor"
  [customer]="/customer/account /customer/products /customer/trials /customer/subscribe
    /customer/estimate /customer/central-management /customer/security /customer/partnership"
  [partner]="/partner/customers /partner/customers/new /partner/products /partner/purchase
    /partner/orders /partner/audit /partner/central-management /partner/security"
  [manager]="/manager/partners /manager/partners/new /manager/activations /manager/removals
    /manager/applications /manager/audit /manager/security")
# Default wapiti modules plus the other offline ones that fit a bounded run, minus `wapp` (it
# downloads Wappalyzer data) and `ssrf`/`xxe` (they need an external callback endpoint).
# Left out for time: `buster`, `nikto` (file brute force), `brute_login_form` (the throttle).
WAPITI_MODULES=sql,blindsql,xss,permanentxss,exec,file,redirect,crlf,csrf,backup,htaccess
WAPITI_MODULES+=,methods,shellshock,http_headers,cookieflags,csp
WAPITI_CRAWL_SECONDS=60            # --max-scan-time bounds the crawl
WAPITI_ATTACK_SECONDS=60           # --max-attack-time bounds each module
WAPITI_SECONDS=600                 # wall-clock bound of each wapiti run (crawl + 16 modules)
SQLMAP_SECONDS=420                 # wall-clock bound of each sqlmap run
SQLMAP_MULTIPART_SECONDS=150       # ... and of the partner's extra Add Partner run

say() { printf '\n== %s\n' "$*"; }
die() { echo "scan: $*" >&2; exit 1; }

if [[ ${1:-} != --inside ]]; then
  say "Prerequisites: PostgreSQL, wapiti, sqlmap, socat, release build"
  bash scripts/ensure-postgres.sh
  missing=()
  for tool in wapiti:wapiti sqlmap:sqlmap socat:socat curl:curl ip:iproute2 unshare:util-linux; do
    command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
  done
  if ((${#missing[@]})); then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
  [[ -S $PG_SOCKET ]] || die "no PostgreSQL socket at $PG_SOCKET"
  cargo build --locked --release --bin yeastar-portal

  say "Database $DB: demo data"
  psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -c "set client_min_messages = warning" \
    -c "drop database if exists $DB with (force)" -c "create database $DB"
  # A key of production strength, so the server runs as it would be deployed.
  SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export SECRET_KEY DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
  target/release/yeastar-portal seed-demo >/dev/null
  # The rest runs in a namespace of its own with only loopback (we are root here; `-r` maps
  # root for a non-root caller).
  flags=(--net); ((EUID == 0)) || flags+=(-r)
  exec unshare "${flags[@]}" bash "$0" --inside
fi

# ---- inside the network namespace ------------------------------------------------------------
WORK=$(mktemp -d /tmp/yeastar-scan.XXXXXX)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
ip link set lo up
[[ $(ip -o link show | wc -l) == 1 ]] || die "the namespace has more than lo"

socat TCP-LISTEN:5432,bind=127.0.0.1,reuseaddr,fork "UNIX-CONNECT:$PG_SOCKET" &
PIDS+=($!)
for _ in $(seq 50); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.1; done
pg_isready -h 127.0.0.1 -p 5432 -q || die "socat bridge to PostgreSQL not answering"

say "Server on 127.0.0.1:$PORT (release, COOKIE_SECURE=true, log: $WORK/server.log)"
# tower_http=debug logs every response's status; the 5xx check below reads it.
BIND_ADDR=127.0.0.1:$PORT PUBLIC_URL=http://127.0.0.1:$PORT COOKIE_SECURE=true \
  MAIL_DIR="$WORK/mail" RUST_LOG='info,tower_http=debug,sqlx=warn' \
  target/release/yeastar-portal serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || die "server not ready after 20 s"

say "Session-keeping proxies (sign in as each role)"
declare -A PROXY_PID
for role in "${ROLES[@]}"; do
  SCAN_DATABASE_URL="$DATABASE_URL" python3 scripts/scan-proxy.py "${PROXY[$role]}" "$PORT" "$role" \
    ${ACCOUNT[$role]:+"${ACCOUNT[$role]}" "$PASSWORD"} 2>"$WORK/proxy-$role.log" &
  PROXY_PID[$role]=$!
  PIDS+=($!)
done
for role in "${ROLES[@]}"; do
  first=${STARTS[$role]%% *}
  for _ in $(seq 100); do
    grep -q -- '->' "$WORK/proxy-$role.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q -- '->' "$WORK/proxy-$role.log" || { cat "$WORK/proxy-$role.log" >&2; die "proxy for $role did not start"; }
  landing=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PROXY[$role]}$first")
  [[ $landing == 200 ]] || die "$role: $first answered $landing through the proxy"
  echo "$role: ${ACCOUNT[$role]:-signed out}; $first answers 200"
done

wapiti_run() {
  local role=$1 base="http://127.0.0.1:${PROXY[$1]}" starts=()
  for page in ${STARTS[$role]}; do starts+=(-s "$base$page"); done
  # wapiti 3.0.4 builds every module, even unused ones, and `wapp` then downloads its
  # Wappalyzer data unless a database is already there: give it an empty one.
  mkdir -p "$WORK/wapiti-config-$role" && echo '{}' >"$WORK/wapiti-config-$role/apps.json"
  # --skip csrf_token: a tampered token is refused (403) before any handler runs, so payloads
  # there only spend the time bound; the `csrf` module still checks that the token is enforced.
  timeout --kill-after=10 "$WAPITI_SECONDS" \
    wapiti -u "$base${FOLDER[$role]}" --scope folder "${starts[@]}" -m "$WAPITI_MODULES" \
    --skip csrf_token \
    --no-bugreport --flush-session --store-session "$WORK/wapiti-$role" \
    --store-config "$WORK/wapiti-config-$role" -d 4 --max-links-per-page 50 \
    --max-scan-time "$WAPITI_CRAWL_SECONDS" --max-attack-time "$WAPITI_ATTACK_SECONDS" \
    -t 10 -f json -o "$WORK/wapiti-$role.json" -v 1 >"$WORK/wapiti-$role.log" 2>&1
}

sqlmap_run() {
  local role=$1 base="http://127.0.0.1:${PROXY[$1]}" first=${STARTS[$1]%% *} page id token
  # The role's pages, plus for partners one customer's page and removal-request form (ids are
  # only known from the list). --forms tests every form on them, searches (GET forms) included.
  # Add Partner's multipart form gets its own run below.
  for page in ${STARTS[$role]}; do
    [[ $page == /partner/customers/new ]] || echo "$base$page"
  done >"$WORK/sqlmap-$role.targets"
  if [[ $role == partner ]]; then
    id=$(curl -fsS "$base/partner/customers" | grep -o '/partner/customers/[0-9a-f-]\{36\}' | sed -n 1p)
    [[ -z $id ]] || printf '%s\n' "$base$id" "$base$id/removal-request" >>"$WORK/sqlmap-$role.targets"
  fi
  # The CSRF token comes fresh from a page of the same session (--csrf-url rules out --threads).
  # --union-cols keeps level 1's 1-10 columns: a search whose page changes with the term once
  # made sqlmap's ORDER BY probe "find" 169 columns and spend the whole time bound on them.
  local common=(--batch --ignore-stdin --level=1 --risk=1 --union-cols=1-10 --timeout=10
    --retries=0 --time-sec=2 --csrf-token=csrf_token --csrf-url="$base$first"
    --answers='fill=Y,follow=N' --disable-coloring --output-dir="$WORK/sqlmap-$role")
  timeout --kill-after=10 "$SQLMAP_SECONDS" sqlmap -m "$WORK/sqlmap-$role.targets" --forms \
    "${common[@]}" --results-file="$WORK/sqlmap-$role.csv" >"$WORK/sqlmap-$role.log" 2>&1 || true
  # sqlmap 1.7's --forms loses the boundary of multipart forms, so every such request is refused
  # (403, unreadable token): Add Partner gets its own raw multipart request instead. sqlmap does
  # not refresh a token inside multipart either, so the request carries the session's token
  # (if the proxy signs in again, it supplies the new one).
  if [[ $role == partner ]]; then
    token=$(curl -fsS "$base/partner/customers/new" | grep -o 'name="csrf_token" value="[^"]*"' |
      sed -n 1p | cut -d'"' -f4)
    add_partner_request "${PROXY[$role]}" "$token" >"$WORK/sqlmap-partner-add.req"
    timeout --kill-after=10 "$SQLMAP_MULTIPART_SECONDS" sqlmap -r "$WORK/sqlmap-partner-add.req" \
      "${common[@]}" --results-file="$WORK/sqlmap-partner-add.csv" \
      >"$WORK/sqlmap-partner-add.log" 2>&1 || true
  fi
}

# A raw Add Partner request (multipart, CRLF line ends) for sqlmap -r. Usage: PORT TOKEN
add_partner_request() {
  local field
  printf 'POST /partner/customers/new HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n' "$1"
  printf 'Content-Type: multipart/form-data; boundary=scanboundary\r\n\r\n'
  for field in "csrf_token=$2" user_type=customer email=scan.add@scan.example first_name=Scan \
    last_name=Tester "company=Scan GmbH" "phone=+49 40 555" country=DE "address=Street 1" \
    city=Hamburg state=HH postcode=20457; do
    printf -- '--scanboundary\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' \
      "${field%%=*}" "${field#*=}"
  done
  printf -- '--scanboundary--\r\n'
}

# All at once. A session that ends anyway (e.g. after wrong current passwords on the Security
# page, or a partnership the manager scan approves) is re-established by the proxy.
say "wapiti and sqlmap, all roles at once (at most $((WAPITI_SECONDS > SQLMAP_SECONDS ? WAPITI_SECONDS : SQLMAP_SECONDS)) s)"
started=$SECONDS
scans=()
for role in "${ROLES[@]}"; do
  wapiti_run "$role" & scans+=($!)
  sqlmap_run "$role" & scans+=($!)
done
PIDS+=("${scans[@]}")
for pid in "${scans[@]}"; do wait "$pid" || true; done
echo "scanners done after $((SECONDS - started)) s"
# The proxies print their counters (sign-ins, blocked sign-outs) when stopped.
for role in "${ROLES[@]}"; do kill -TERM "${PROXY_PID[$role]}" 2>/dev/null || true; done
for role in "${ROLES[@]}"; do wait "${PROXY_PID[$role]}" 2>/dev/null || true; done

say "Findings"
python3 scripts/scan-report.py "$WORK" "${ROLES[@]}"
