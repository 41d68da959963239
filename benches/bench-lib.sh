# Functions of benches/run.sh: the seeded database, the release server, wrk and pgbench runs,
# and the table of figures. Sourced, not run.

PORT=18400
BASE="http://127.0.0.1:$PORT"
DB=yp_bench_run
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
WORK=$(mktemp -d /tmp/yeastar-bench.XXXXXX)
SERVER_PID=
ROWS=()
SEED_FILES=(benches/sql/northwind-customers.sql benches/sql/other-partners.sql benches/sql/northwind-licences.sql)

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
psql_() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

# shellcheck source=scripts/load-lib.sh
source scripts/load-lib.sh

stop_server() {
  [ -z "$SERVER_PID" ] && return 0
  kill -INT "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
trap 'stop_server; rm -rf "$WORK"' EXIT

# The release server on $PORT with the given RUST_LOG, logging to $WORK/server.log.
start_server() {
  curl -fs "$BASE/readyz" >/dev/null 2>&1 && die "something already listens on port $PORT"
  BIND_ADDR=127.0.0.1:$PORT PUBLIC_URL=$BASE MAIL_WORKER=false SCHEDULED_JOBS=false RUST_LOG=$1 \
    target/release/yeastar-portal serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    curl -fs "$BASE/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
    sleep 0.2
  done
  die "server not ready after 20 s"
}

# The seeded data of a mode as a template database, made once per version of the seed files and
# brought up to the current migrations before each run; the run's own database is a fresh
# copy of it.
prepare_database() {
  local template="yp_bench_$1_template" marker
  marker="$(cat "${SEED_FILES[@]}" | sha256sum | cut -c1-16) $CUSTOMERS/$PARTNERS/$PER_PARTNER/$LICENCES"
  if [ "$(psql_ -c "select shobj_description(oid, 'pg_database') from pg_database where datname = '$template'")" != "$marker" ]; then
    echo "seeding $template (once; a full seed takes several minutes)" >&2
    psql_ -c "set client_min_messages = warning" -c "drop database if exists $template with (force)" \
      -c "create database $template"
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/$template" target/release/yeastar-portal seed-demo >/dev/null
    psql_ -d "$template" -v customers="$CUSTOMERS" -f benches/sql/northwind-customers.sql
    psql_ -d "$template" -v partners="$PARTNERS" -v per_partner="$PER_PARTNER" -f benches/sql/other-partners.sql
    psql_ -d "$template" -v licences="$LICENCES" -f benches/sql/northwind-licences.sql
    psql_ -d "$template" -c "vacuum analyze"
    psql_ -c "comment on database $template is '$marker'"
  fi
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$template" target/release/yeastar-portal migrate >/dev/null
  psql_ -c "set client_min_messages = warning" -c "drop database if exists $DB with (force)" \
    -c "create database $DB template $template"
}

# Fails unless PATH answers 200 with WANT rows carrying MARKER (so wrk never times a redirect).
expect_rows() {
  local path=$1 cookie=$2 marker=$3 want=$4 status rows
  status=$(curl -sS -H "Cookie: $cookie" -o "$WORK/page.html" -w '%{http_code}' "$BASE$path")
  rows=$(grep -c "$marker" "$WORK/page.html" || true)
  [ "$status" = 200 ] && [ "$rows" = "$want" ] || die "$path: HTTP $status with $rows rows (want 200, $want)"
}

# Writes to the session table so far (flushed to the statistics when the server stops).
session_writes() {
  psql_ -d "$DB" -c "select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) from pg_stat_user_tables
    where relname in ('session', 'web_sessions')"
}

# wrk on PATH as COOKIE at CONNECTIONS (16): sets RPS, P50 and P99 (ms), and FAILED (answers
# outside 2xx/3xx and socket errors, counted as a figure, not hidden). The page must answer 200
# before the run.
measure() {
  local path=$1 cookie=$2 connections=${3:-16} out status
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$BASE$path")
  [ "$status" = 200 ] || die "$path answered $status, not 200"
  wrk -t2 -c"$connections" -d1s --timeout 10s -H "Cookie: $cookie" "$BASE$path" >/dev/null
  local busy_before
  busy_before=$(cpu_busy_ticks)
  out=$(wrk -t2 -c"$connections" -d"${DURATION}s" --timeout 10s --latency -H "Cookie: $cookie" "$BASE$path")
  CPU_MS=$(awk -v b="$(( $(cpu_busy_ticks) - busy_before ))" -v hz="$(getconf CLK_TCK)" \
    '/ requests in / { printf "%.2f", (b / hz * 1000) / $1; exit }' <<<"$out")
  CONNECTIONS=$connections
  FAILED=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")
  RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  P50=$(wrk_ms 50% <<<"$out")
  P99=$(wrk_ms 99% <<<"$out")
  # Little's law for a closed loop: mean latency × rate = requests in flight ≤ connections
  # (with room for wrk's rounding of the mean). Well above that, wrk's latency figures cannot
  # be right: seen a few times on this machine under the sign-in load, a mean latency six
  # times what its rate allows. CONSISTENT says whether they hold.
  MEAN_MS=$(wrk_ms Latency <<<"$out")
  MAX_MS=$(wrk_ms Latency 4 <<<"$out")
  IN_FLIGHT=$(awk -v m="$MEAN_MS" -v r="$RPS" 'BEGIN { printf "%.1f", m / 1000 * r }')
  CONSISTENT=$(awk -v n="$IN_FLIGHT" -v c="$connections" 'BEGIN { print (n <= c * 1.5) ? "yes" : "no" }')
}

# The machine's busy CPU time so far, in clock ticks (/proc/stat: user, nice, system, irq,
# softirq, steal; not idle or waiting for I/O). Over a wrk run, divided by its requests, it is
# what one answer costs the machine: the server, PostgreSQL and wrk itself (CPU_MS).
cpu_busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# A line of wrk's output in milliseconds: a percentile of --latency ("99%") or the mean
# ("Latency", the first line so named).
wrk_ms() {
  awk -v q="$1" -v col="${2:-2}" '$1 == q { v = $col; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
    f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.2f", v * f; exit }'
}

# pgbench -M prepared at 16 clients of FILE (under benches/sql/, or an absolute path) with -D VARS: sets TPS. With
# the plan cache setting the portal's connections have (db::connect), so both run one plan.
pgbench_tps() {
  local file=$1 path=benches/sql/$1 defines=() v
  if [ "${file:0:1}" = / ]; then path=$file; fi
  shift
  for v in "$@"; do defines+=(-D "$v"); done
  TPS=$(PGOPTIONS="-c plan_cache_mode=force_generic_plan" pgbench -n -M prepared -c16 -j2 -T "$DURATION" -h 127.0.0.1 -U postgres "${defines[@]}" \
    -f "$path" "$DB" 2>/dev/null | awk '/^tps = / { printf "%.0f", $3 }')
  [ -n "$TPS" ] || die "pgbench failed on $file"
}

# ", N failed" after a measurement that had failures, and a warning when wrk's own figures
# contradict each other (see `measure`).
failures() {
  [ "${FAILED:-0}" = 0 ] || echo ", $FAILED FAILED"
  [ "${CONSISTENT:-yes}" = yes ] || echo ", wrk's latencies inconsistent (mean × rate = $IN_FLIGHT in flight)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
fmt_rps() { awk -v a="$1" 'BEGIN { printf "%.0f/s", a }'; }
fmt_ms() { echo "$1 ms"; }
verdict_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes (≤ " b ")" : "NO (goal ≤ " b ")" }'; }
verdict_ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "yes (≥ " b ")" : "NO (goal ≥ " b ")" }'; }
verdict_lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b) ? "yes (< " b ")" : "NO (goal < " b ")" }'; }

# The verdict on the last measurement's p99 (ms) against a goal of GOAL ms, with the reason
# when the machine cannot meet it: at CPU_MS of busy CPU per answer, its CPUs serve at most
# nproc / CPU_MS answers a millisecond, so CONNECTIONS requests always in flight wait at least
# FLOOR = CONNECTIONS × CPU_MS / nproc on average (Little's law). With a mean that high, a p99
# under the goal needs the slowest 1 % to average at least (FLOOR − 0.99 × GOAL) / 0.01 (the
# other 99 % being under the goal); the row prints that beside the slowest answer wrk saw.
# Otherwise it prints what the goal asks of this machine: with the run's own spread (p99 ÷
# mean), a mean under GOAL ÷ spread, i.e. CONNECTIONS ÷ that mean answers a second, against
# the RPS served.
verdict_p99() {
  local goal=$1
  awk -v p="$P99" -v g="$goal" -v c="$CPU_MS" -v n="$CONNECTIONS" -v m="$MAX_MS" -v cpus="$(nproc)" \
    -v mean="$MEAN_MS" -v rps="$RPS" 'BEGIN {
    if (p < g) { print "yes (< " g ")"; exit }
    floor = n * c / cpus
    if (floor >= g)
      printf "NO (goal < %s); cannot be met here: at %.2f ms of CPU per answer %d CPUs serve at most %.0f/s, so %d connections wait ≥ %.1f ms on average, and a p99 under %s would need the slowest 1 %% to average ≥ %.0f ms (the slowest took %s ms)\n", g, c, cpus, cpus * 1000 / c, n, floor, g, (floor - 0.99 * g) / 0.01, m
    else {
      spread = p / mean; need = n * 1000 / (g / spread)
      printf "NO (goal < %s); the CPU bound allows a mean of %.1f ms; at the spread of this run (p99 = %.2f × the mean of %.2f ms) the goal needs a mean under %.2f ms, %.0f answers/s, %.0f %% more than the %.0f/s served\n", g, floor, spread, mean, g / spread, need, (need / rps - 1) * 100, rps
    }
  }'
}

# One row of the table: figure, measured, reference, ratio or detail, goal met.
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 |"); echo "  $1: $2 ($3) $4 $5" >&2; }

# A page's throughput against pgbench of its data query, and its p99. SESSION is the page's
# session id: pgbench of the session statement (sql/session.pgbench) followed by the data query
# gives the page's statements alone, and with the HTTP exchange alone (HTTP_RPS, GET /healthz,
# measured first) the page's ceiling on this machine: their costs add, 1 / (1/http +
# 1/statements). That ceiling against the data query alone says how far the ≥ 0.6 goal is
# reachable here at all.
page_row() {
  local name=$1 path=$2 cookie=$3 file=$4 session=$5
  shift 5
  measure "$path" "$cookie"
  printf -v "RPS_${name// /_}" '%s' "$RPS"
  local rps=$RPS p99=$P99 p50=$P50 failed p99_verdict
  failed=$(failures)
  p99_verdict=$(verdict_p99 10)
  pgbench_tps "$file" "$@"
  local data=$TPS
  { sed '/^--/d' benches/sql/session.pgbench; sed '/^--/d' "benches/sql/$file"; } >"$WORK/with-session.pgbench"
  pgbench_tps "$WORK/with-session.pgbench" "session=$session" "$@"
  local both=$TPS ceiling
  ceiling=$(awk -v h="$HTTP_RPS" -v d="$both" 'BEGIN { printf "%.0f", 1 / (1 / h + 1 / d) }')
  local reached ceiling_ratio
  reached=$(ratio "$rps" "$data")
  ceiling_ratio=$(ratio "$ceiling" "$data")
  row "$name: pages/s" "$(fmt_rps "$rps")" "pgbench: $(fmt_rps "$data")" \
    "${reached}×; ceiling here $(fmt_rps "$ceiling") = ${ceiling_ratio}× (both statements $(fmt_rps "$both"), HTTP alone $(fmt_rps "$HTTP_RPS")), the page reaches $(ratio "$rps" "$ceiling")× of it" \
    "$(awk -v r="$reached" -v c="$ceiling_ratio" 'BEGIN {
      if (r >= 0.6) print "yes (≥ 0.6)"
      else if (c < 0.6) print "NO (goal ≥ 0.6); cannot be met here: the ceiling is " c "×"
      else printf "NO (goal ≥ 0.6); it needs the page at %.2f× of its ceiling\n", 0.6 / c }')"
  row "$name: p99" "$(fmt_ms "$p99")" "—" "p50 $(fmt_ms "$p50"), $CPU_MS ms CPU per answer$failed" "$p99_verdict"
}

# A search's p99 beside page 1's (measured at the start).
search_row() {
  measure "$2" "$3"
  row "$1: p99" "$(fmt_ms "$P99")" "—" "$(fmt_rps "$RPS"), p50 $(fmt_ms "$P50"), $CPU_MS ms CPU per answer$(failures)" "$(verdict_p99 15)"
}

# Statements the server ran for one request of PATH (the pool warmed first).
statements_of() {
  local path=$1 cookie=$2 id="bench-$RANDOM-$RANDOM"
  wrk -t1 -c16 -d1s -H "Cookie: $cookie" "$BASE$path" >/dev/null
  curl -fsS -o /dev/null -H "Cookie: $cookie" -H "x-request-id: $id" "$BASE$path"
  sleep 0.5
  sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log" | grep -F "request_id=$id}" | grep ' sqlx::query: ' |
    grep -vc 'pg_catalog' || true
}

print_table() {
  echo
  echo "## benches/run.sh $MODE — $(date -u +%F), $(nproc) CPUs shared by wrk, pgbench, the server and PostgreSQL"
  echo
  echo "| figure | measured | reference (same run) | ratio / detail | goal met |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
}
