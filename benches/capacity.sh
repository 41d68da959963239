#!/usr/bin/env bash
# Capacity of the portal as a cluster on this machine (docs/CAPACITY.md): for one instance
# reached directly and for nginx in front of 1, 2 and 3 instances, wrk at 16 connections on the
# main pages, with the CPU each part of the system spent per request (instances, PostgreSQL,
# nginx, wrk), then the SQL statements each page runs. Release build, throwaway database
# (demo data + 10,000 customers of the demo partner).
#
#   bash benches/capacity.sh [SECONDS]     (per page and configuration; default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
DB=yeastar_portal_capacity
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export CLUSTER_PORT=18180 METRICS_BASE_PORT=19180 CLUSTER_SEED=0 RUST_LOG=warn
export PORTAL_BIN=target/release/yeastar-portal
WORK=$(mktemp -d /tmp/yeastar-capacity.XXXXXX)
CLUSTER_PID=
say() { printf '\n== %s\n' "$*"; }
stop_cluster() {
  [ -z "$CLUSTER_PID" ] && return 0
  kill -TERM "$CLUSTER_PID" 2>/dev/null || true
  wait "$CLUSTER_PID" 2>/dev/null || true
  CLUSTER_PID=
}
trap stop_cluster EXIT

say "Prerequisites: PostgreSQL, nginx, wrk, release build"
bash scripts/ensure-postgres.sh
bash scripts/ensure-cluster-deps.sh
cargo build --locked --release --bin yeastar-portal

say "Database $DB: demo data + 10,000 customers of partner@northwind.example"
psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -c "set client_min_messages = warning" \
  -c "drop database if exists $DB with (force)" -c "create database $DB"
"$PORTAL_BIN" seed-demo >/dev/null
psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -d "$DB" -v customers=10000 -f benches/sql/northwind-customers.sql

# Clock ticks (user + system) of the given processes so far.
ticks() {
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)

PAGES=(/partner/customers /customer /manager/activations /login)
ROLES=(partner customer manager "")
RESULTS=()

# wrk on every page against $1 (a base URL), labelled $2, with the CPU of each part.
measure() {
  local base=$1 label=$2 i page role cookie out rps p50 p99 reqs
  BASE=$base
  # shellcheck source=scripts/load-lib.sh
  source scripts/load-lib.sh
  sign_in_demo_accounts >/dev/null
  for i in "${!PAGES[@]}"; do
    page=${PAGES[$i]}; role=${ROLES[$i]}; cookie=
    [ -n "$role" ] && { var="SOAK_${role^^}_COOKIE"; cookie=${!var}; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$page")" = 200 ] ||
      { echo "$page did not answer 200 on $label" >&2; exit 1; }
    wrk -t2 -c16 -d2s -H "Cookie: $cookie" "$base$page" >/dev/null
    local app_pids nginx_pids pg_pids before_app before_pg before_nginx
    app_pids=$(cat "$CLUSTER_DIR"/instance-*.pid 2>/dev/null || true)
    nginx_pids=$(pgrep -x nginx || true)
    pg_pids=$(pgrep -x postgres || true)
    before_app=$(ticks $app_pids); before_pg=$(ticks $pg_pids); before_nginx=$(ticks $nginx_pids)
    out=$(wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: $cookie" "$base$page")
    ! grep -q 'Non-2xx' <<<"$out" || { echo "$out" >&2; echo "$page: non-2xx answers" >&2; exit 1; }
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    local app pg ngx
    app=$(( $(ticks $app_pids) - before_app )); pg=$(( $(ticks $pg_pids) - before_pg ))
    ngx=$(( $(ticks $nginx_pids) - before_nginx ))
    RESULTS+=("$(awk -v l="$label" -v p="$page" -v r="$rps" -v a="$p50" -v b="$p99" -v n="$reqs" \
      -v app="$app" -v pg="$pg" -v ngx="$ngx" -v hz="$HZ" -v s="$SECONDS_PER_RUN" 'BEGIN {
        ms = 1000 / hz / n
        printf "| %-16s | %-20s | %8.0f | %7s | %7s | %5.2f | %5.2f | %5.2f | %4.2f |", l, p, r, a, b,
          app * ms, pg * ms, ngx * ms, (app + pg + ngx) / hz / s }')")
  done
}

start_cluster() {
  export CLUSTER_DIR="$WORK/cluster-$1"
  mkdir -p "$CLUSTER_DIR"
  bash scripts/cluster.sh "$1" >"$WORK/cluster-$1.log" 2>&1 &
  CLUSTER_PID=$!
  for _ in $(seq 1 300); do
    grep -q "cluster ready" "$WORK/cluster-$1.log" && return 0
    sleep 0.2
  done
  cat "$WORK/cluster-$1.log" >&2
  exit 1
}

for n in 1 2 3; do
  say "nginx + $n instance(s)"
  start_cluster "$n"
  # shellcheck source=scripts/cluster-lib.sh
  source scripts/cluster-lib.sh
  if [ "$n" = 1 ]; then
    measure "http://127.0.0.1:$(instance_port 1)" "1 instance, direct"
  fi
  measure "http://127.0.0.1:$CLUSTER_PORT" "nginx + $n"
  stop_cluster
done

say "SQL statements per page view (one instance, sqlx's statement log)"
export RUST_LOG='warn,yeastar_portal::web=info,sqlx::query=debug'
start_cluster 1
BASE="http://127.0.0.1:$(instance_port 1)"
sign_in_demo_accounts >/dev/null
STATEMENTS=()
for i in "${!PAGES[@]}"; do
  page=${PAGES[$i]}; role=${ROLES[$i]}; cookie=
  [ -n "$role" ] && { var="SOAK_${role^^}_COOKIE"; cookie=${!var}; }
  # Warm every pooled connection (sqlx looks up enum types once per connection).
  wrk -t1 -c16 -d1s -H "Cookie: $cookie" "$BASE$page" >/dev/null
  rid="capacity-$i-$$"
  curl -s -o /dev/null -H "Cookie: $cookie" -H "x-request-id: $rid" "$BASE$page"
  sleep 0.3
  count=$(sed 's/\x1b\[[0-9;]*m//g' "$CLUSTER_DIR/instance-1.log" | grep -F "request_id=$rid}" |
    grep -c ' sqlx::query: ' || true)
  STATEMENTS+=("$(printf '| %-20s | %d |' "$page" "$count")")
done
stop_cluster

say "Summary ($(nproc) CPUs shared by wrk, nginx, the instances and PostgreSQL; ${SECONDS_PER_RUN} s per run, 16 connections)"
echo "| configuration    | page                 |    req/s |     p50 |     p99 | app ms/req | db ms/req | nginx ms/req | CPUs busy |"
echo "| ---------------- | -------------------- | -------: | ------: | ------: | ----: | ----: | ----: | ---: |"
printf '%s\n' "${RESULTS[@]}"
echo
echo "| page                 | SQL statements per view |"
echo "| -------------------- | ---: |"
printf '%s\n' "${STATEMENTS[@]}"
