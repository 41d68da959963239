#!/usr/bin/env bash
# PBX heartbeats one instance accepts a second: 10,000 Cloud PBXs reporting in turn to the
# release build (wrk -t2 -c16, benches/heartbeats.lua), beside a reference measured in the same
# run: pgbench running the heartbeat's own UPDATE alone against the same database
# (benches/sql/heartbeat-update.pgbench). The machine is shared and its figures noisy; compare
# the app with the reference printed next to it, not with another day's run.
#
#   bash benches/heartbeats.sh [SECONDS]      (each measured run; default 8, at most 12)
#   HEARTBEATS_PERF=1 bash benches/heartbeats.sh   also profiles the server (perf, cpu-clock)
#   PORTAL_BIN=/tmp/old/yeastar-portal bash benches/heartbeats.sh   measures that binary (no build)
#
# Prints `HEARTBEATS pbxs=… accepted_per_second=… refused=… p99_ms=…` and
# `HEARTBEATS_REFERENCE pgbench_updates_per_second=…`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-8}
# A PBX may send 12 beats a minute (pbx::heartbeat::BEATS_PER_MINUTE) and the run sends each
# instance one beat in turn: a run of S seconds stays within every instance's limit up to
# 120,000 / S beats a second (15,000 for the default 8 s); beyond, the extra beats answer 429.
[[ $SECONDS_PER_RUN =~ ^[0-9]+$ ]] && ((SECONDS_PER_RUN >= 1 && SECONDS_PER_RUN <= 12)) ||
  { echo "heartbeats: SECONDS must be 1 to 12" >&2; exit 2; }
PBXS=10000 THREADS=2 CONNECTIONS=16
DB=yeastar_portal_heartbeats        # a throwaway database: never the dev one
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
WORK=$(mktemp -d /tmp/yeastar-heartbeats.XXXXXX)
SERVER_PID=
# A key of production strength, so the server runs as deployed (and logs no warning about it).
SECRET_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'); export SECRET_KEY
say() { printf '\n== %s\n' "$*"; }
die() { echo "heartbeats: $*" >&2; exit 1; }
stop() { [[ -z $SERVER_PID ]] || { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }; }
trap stop EXIT
psql_db() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -d "$DB" "$@"; }

say "Prerequisites: PostgreSQL, wrk, pgbench, release build"
bash scripts/ensure-postgres.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
command -v pgbench >/dev/null || die "pgbench is missing (it comes with postgresql-contrib / postgresql-15)"
# PORTAL_BIN: a binary built earlier (e.g. of another commit, to compare), used as it is.
if [[ -z ${PORTAL_BIN:-} ]]; then
  cargo build --locked --release --bin yeastar-portal
  PORTAL_BIN=target/release/yeastar-portal
fi

say "Database $DB: demo data + $PBXS running Cloud PBXs with tokens bench-token-1…$PBXS"
psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt -c "set client_min_messages = warning" \
  -c "drop database if exists $DB with (force)" -c "create database $DB"
"$PORTAL_BIN" seed-demo >/dev/null
psql_db -f benches/sql/pbx-fleet.sql
[[ $(psql_db -c "select count(*) from pbx_instances where token_hash is not null") == "$PBXS" ]] ||
  die "the fleet was not created"

# A loopback port nobody listens on.
PORT=
for candidate in $(seq 18190 18290); do
  ss -Hltn "sport = :$candidate" | grep -q . || { PORT=$candidate; break; }
done
[[ -n $PORT ]] || die "no free port in 18190-18290"
BASE="http://127.0.0.1:$PORT"
BIND_ADDR=127.0.0.1:$PORT PUBLIC_URL=$BASE MAIL_DIR="$WORK/mail" RUST_LOG=warn MAIL_WORKER=false \
  SCHEDULED_JOBS=false "$PORTAL_BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
  sleep 0.2
done
curl -fs "$BASE/readyz" >/dev/null || die "server not ready after 20 s"
echo "server on $BASE (log: $WORK/server.log)"

# The token must be accepted before it is sent 100,000 times.
reply=$(curl -sS -w ' %{http_code}' -H 'Authorization: Bearer bench-token-1' -H 'Content-Type: application/json' \
  -d '{"version": "37.20.0.16", "extensions_in_use": 12, "active_calls": 3}' "$BASE/api/pbx/heartbeat")
[[ $reply == '{"commands":[]} 200' ]] || die "a fleet token was not accepted: $reply"

# Every rate window closed, and the table vacuumed, so each run starts from the same state.
reset_windows() {
  psql_db -c "update pbx_instances set beats_in_window = 0, beat_window_started_at = null \
    where beat_window_started_at is not null" -c "vacuum analyze pbx_instances"
}
ticks() { # clock ticks (user + system) the given processes spent so far
  local total=0 pid
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] && total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
export HEARTBEAT_PBXS=$PBXS HEARTBEAT_THREADS=$THREADS

say "Warm-up: 2 s (every pooled connection prepares the statement)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s benches/heartbeats.lua "$BASE" | grep '^HEARTBEATS' | sed 's/^/warm-up: /'
reset_windows

say "Heartbeats: wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_RUN}s, $PBXS PBXs in turn"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# The server's connections and the processes that write for them (the cluster is shared).
PG_PIDS=$(psql_db -c "select pid from pg_stat_activity where datname = '$DB' and pid <> pg_backend_pid() \
  or backend_type in ('walwriter', 'checkpointer', 'background writer')" | tr '\n' ' ')
# Updates of the table so far, and how many were HOT (no index touched).
updates() { sleep 1; psql_db -c "select n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where relname = 'pbx_instances'"; }
UPDATES_BEFORE=$(updates)
APP_BEFORE=$(ticks "$SERVER_PID"); PG_BEFORE=$(ticks $PG_PIDS)
PERF_PID=
if [[ ${HEARTBEATS_PERF:-} == 1 ]]; then
  perf record -e cpu-clock -g -o "$WORK/perf.data" -p "$SERVER_PID" -- sleep "$SECONDS_PER_RUN" \
    >"$WORK/perf.log" 2>&1 &
  PERF_PID=$!
fi
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s benches/heartbeats.lua "$BASE" \
  >"$WORK/wrk.txt"
APP_CPU=$(($(ticks "$SERVER_PID") - APP_BEFORE)); PG_CPU=$(($(ticks $PG_PIDS) - PG_BEFORE))
[[ -z $PERF_PID ]] || wait "$PERF_PID" || true
RESULT=$(grep '^HEARTBEATS ' "$WORK/wrk.txt") || { cat "$WORK/wrk.txt" >&2; die "wrk printed no result"; }
UPDATES_AFTER=$(updates)
ACCEPTED=$(psql_db -c "select coalesce(sum(beats_in_window), 0) from pbx_instances")
OVER=$(psql_db -c "select count(*) from pbx_instances where beats_in_window > 12")
stop; SERVER_PID=

say "Reference: pgbench -M prepared -c$CONNECTIONS -j$THREADS -T$SECONDS_PER_RUN, the heartbeat's UPDATE alone"
reset_windows
pgbench -h 127.0.0.1 -U postgres -n -M prepared -c"$CONNECTIONS" -j"$THREADS" -T"$SECONDS_PER_RUN" \
  -f benches/sql/heartbeat-update.pgbench "$DB" >"$WORK/pgbench.txt" 2>&1 ||
  { cat "$WORK/pgbench.txt" >&2; die "pgbench failed"; }
TPS=$(awk '/^tps = / { print $3; exit }' "$WORK/pgbench.txt")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

say "Result ($(nproc) CPUs shared by wrk, the server and PostgreSQL; load average $LOAD_BEFORE before, $LOAD_AFTER after)"
awk -v a="$APP_CPU" -v p="$PG_CPU" -v n="$ACCEPTED" -v hz="$(getconf CLK_TCK)" 'BEGIN {
  if (n > 0) printf "CPU per accepted beat: app %.3f ms, PostgreSQL %.3f ms (%d beats recorded in the rows)\n",
    a * 1000 / hz / n, p * 1000 / hz / n, n }'
awk -F'|' -v b="$UPDATES_BEFORE" -v a="$UPDATES_AFTER" 'BEGIN { split(b, x, "|"); split(a, y, "|")
  n = y[1] - x[1]; if (n > 0) printf "HOT updates of pbx_instances: %.1f %% of %d\n", (y[2] - x[2]) * 100 / n, n }'
((OVER == 0)) || echo "warning: $OVER PBXs recorded more than 12 beats in their window"
[[ $RESULT != *429:* ]] || echo "note: the run outpaced the fleet's limit of 12 beats a minute per PBX;" \
  "accepted_per_second is capped at $((120000 / SECONDS_PER_RUN)): run fewer seconds"
if [[ -n $PERF_PID ]]; then
  perf report -i "$WORK/perf.data" --stdio --no-children --percent-limit 1.5 2>/dev/null \
    | grep -v '^$' | head -150 >"$WORK/perf.txt" || true
  echo "profile of the server: $WORK/perf.txt (perf report -i $WORK/perf.data --stdio --no-children)"
fi
server_errors=$(grep -c -E ' (ERROR|WARN) ' "$WORK/server.log" || true)
echo "server log: $server_errors ERROR/WARN line(s) ($WORK/server.log)"
echo "$RESULT"
echo "HEARTBEATS_REFERENCE pgbench_updates_per_second=${TPS%.*}"
