#!/usr/bin/env bash
# Runs the portal as a cluster on this machine: N instances (default 3) over one PostgreSQL
# database, behind nginx on one port (round-robin, no stickiness). Ctrl-C stops everything.
#
#   bash scripts/cluster.sh [N]        then open http://127.0.0.1:8080
#
# Starts PostgreSQL if needed, installs nginx if missing, builds the release binary (unless
# PORTAL_BIN names one), migrates once, seeds the demo data on first run (CLUSTER_SEED=0 skips
# it), then starts the instances and nginx. Settings: see scripts/cluster-lib.sh.
# `bash scripts/rolling-restart.sh` restarts the running instances one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-3}
# shellcheck source=scripts/cluster-lib.sh
CLUSTER_STARTING=1 source scripts/cluster-lib.sh

bash scripts/ensure-postgres.sh
bash scripts/ensure-cluster-deps.sh
if [ "$PORTAL_BIN" = target/release/yeastar-portal ]; then
  cargo build --locked --release --bin yeastar-portal
fi
mkdir -p "$CLUSTER_DIR"
echo "$COUNT" >"$CLUSTER_DIR/instances"
save_cluster_env

stop_all() {
  trap - INT TERM EXIT
  echo "stopping the cluster" >&2
  [ -n "$(nginx_pid)" ] && kill -QUIT "$(nginx_pid)" 2>/dev/null || true
  for i in $(seq 1 "$COUNT"); do stop_instance "$i" & done
  wait
  rm -f "$CLUSTER_DIR/instances" "$CLUSTER_ENV"
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# Once, before any instance: the instances would each wait on the migration lock otherwise.
"$PORTAL_BIN" migrate
if [ "${CLUSTER_SEED:-1}" = 1 ]; then
  "$PORTAL_BIN" seed-demo
fi
for i in $(seq 1 "$COUNT"); do start_instance "$i"; done
for i in $(seq 1 "$COUNT"); do wait_ready "$i"; done
write_nginx_conf "$COUNT"
nginx -c "$(cd "$CLUSTER_DIR" && pwd)/nginx.conf" -e "$(cd "$CLUSTER_DIR" && pwd)/nginx-error.log"
for _ in $(seq 1 50); do [ -n "$(nginx_pid)" ] && break; sleep 0.1; done

echo "cluster of $COUNT instances behind nginx: http://127.0.0.1:$CLUSTER_PORT" >&2
for i in $(seq 1 "$COUNT"); do
  echo "  instance $i: http://127.0.0.1:$(instance_port "$i")  metrics: http://127.0.0.1:$((METRICS_BASE_PORT + i - 1))/metrics  log: $CLUSTER_DIR/instance-$i.log" >&2
done
echo "cluster ready" >&2
# The instances are not all children of this shell (a rolling restart replaces them), so wait
# for a signal rather than for them.
while true; do sleep 1; done
