#!/usr/bin/env bash
# Restarts the instances of a running `scripts/cluster.sh` one at a time, the way an upgrade is
# rolled out: build the new binary first (`cargo build --release`), then run this. For each
# instance: SIGTERM; it drains (its first refused page view takes it out of nginx's rotation,
# forms in hand are still served, requests in flight finish) and exits; the new binary starts
# (applying any pending migration under sqlx's lock) and answers /readyz; and the script waits
# for nginx to take it back (fail_timeout) before the next, so two are never out at once.
# nginx itself is not reloaded: a reload closes the clients' idle keep-alive connections.
#
#   bash scripts/rolling-restart.sh           restart only
#   bash scripts/rolling-restart.sh --load    restart under traffic and count what was lost
#
# With --load it drives the mixed traffic of benches/soak.lua through nginx (signed-in pages of
# all three portals, searches, form posts with CSRF, new customers, PBX heartbeats) during the
# whole restart, then prints the requests sent and failed (anything but 2xx/3xx, or a socket
# error), and exits non-zero when one failed. It needs the demo data (cluster.sh seeds it) and
# adds a few "soak-…@soak.example" customers to the demo partner.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/cluster-lib.sh
source scripts/cluster-lib.sh
LOAD=${1:-}
[ -f "$CLUSTER_DIR/instances" ] && [ -n "$(nginx_pid)" ] ||
  { echo "no cluster runs in $CLUSTER_DIR: start scripts/cluster.sh first" >&2; exit 1; }
COUNT=$(cat "$CLUSTER_DIR/instances")
BASE="http://127.0.0.1:$CLUSTER_PORT"
WORK=$(mktemp -d /tmp/yeastar-rolling.XXXXXX)
LOAD_PID=

if [ "$LOAD" = --load ]; then
  bash scripts/ensure-cluster-deps.sh
  # shellcheck source=scripts/load-lib.sh
  source scripts/load-lib.sh
  sign_in_demo_accounts >/dev/null
  issue_pbx_token >/dev/null
  # A long run, stopped with SIGINT once the restart is over (wrk then prints its summary).
  wrk -t2 -c"${LOAD_CONNECTIONS:-16}" -d1h --timeout 10s -s benches/soak.lua "$BASE" >"$WORK/wrk.txt" 2>&1 &
  LOAD_PID=$!
  trap '[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true' EXIT
  sleep 2
fi

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
started=$EPOCHREALTIME
for i in $(seq 1 "$COUNT"); do
  step=$EPOCHREALTIME
  stop_instance "$i"
  start_instance "$i"
  wait_ready "$i"
  sleep $((NGINX_FAIL_TIMEOUT + 1))
  echo "instance $i restarted in $(since "$step") s"
done
echo "rolling restart of $COUNT instances: $(since "$started") s"

if [ -n "$LOAD_PID" ]; then
  sleep 2
  kill -INT "$LOAD_PID"
  wait "$LOAD_PID" || true
  LOAD_PID=
  grep '^SOAK' "$WORK/wrk.txt" | sed 's/^SOAK //'
  summary=$(grep '^SOAK requests=' "$WORK/wrk.txt") ||
    { cat "$WORK/wrk.txt" >&2; echo "wrk printed no summary" >&2; exit 1; }
  sent=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.*bad_status=([0-9]+).*/\1/' <<<"$summary")
  socket=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$summary")
  echo "requests sent: $sent, failed: $((bad + socket))"
  [ $((bad + socket)) -eq 0 ] || exit 1
fi
