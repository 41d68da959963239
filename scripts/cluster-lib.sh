# Shared by scripts/cluster.sh and scripts/rolling-restart.sh: where the cluster keeps its
# state, how one instance is started and stopped, and nginx's configuration. Sourced, not run.
#
# Settings (environment), with their defaults:
#   CLUSTER_DIR          target/cluster          logs, pid files, nginx.conf
#   CLUSTER_PORT         8080                    nginx, the one address people open
#   INSTANCE_BASE_PORT   CLUSTER_PORT + 1        instance i listens on INSTANCE_BASE_PORT + i - 1
#   METRICS_BASE_PORT    9101                    instance i serves /metrics on METRICS_BASE_PORT + i - 1
#   PORTAL_BIN           target/release/yeastar-portal (built when missing)
#   DATABASE_URL, SMTP_URL, SECRET_KEY, …  passed to every instance as they are

CLUSTER_DIR=${CLUSTER_DIR:-target/cluster}
CLUSTER_ENV="$CLUSTER_DIR/cluster.env"
# A running cluster's settings win over the caller's shell: an instance restarted later must
# join the same database with the same keys as the others.
if [ "${CLUSTER_STARTING:-0}" != 1 ] && [ -f "$CLUSTER_ENV" ]; then
  # shellcheck disable=SC1090
  source "$CLUSTER_ENV"
fi
CLUSTER_PORT=${CLUSTER_PORT:-8080}
INSTANCE_BASE_PORT=${INSTANCE_BASE_PORT:-$((CLUSTER_PORT + 1))}
METRICS_BASE_PORT=${METRICS_BASE_PORT:-9101}
PORTAL_BIN=${PORTAL_BIN:-target/release/yeastar-portal}
# Links in emails (and those seed-demo prints) name the cluster's address, not an instance's.
export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$CLUSTER_PORT}
NGINX_CONF="$CLUSTER_DIR/nginx.conf"

# The portal's settings (see `yeastar-portal --help`) and the cluster's own, as set now.
CLUSTER_SETTINGS=(DATABASE_URL PUBLIC_URL SMTP_URL MAIL_FROM MAIL_DIR SECRET_KEY SECRET_KEY_PREVIOUS
  TRUSTED_PROXIES COOKIE_SECURE SESSION_IDLE_MINUTES SESSION_ABSOLUTE_HOURS DATABASE_MAX_CONNECTIONS
  MAIL_WORKER SCHEDULED_JOBS SHUTDOWN_DRAIN_SECONDS SHUTDOWN_TIMEOUT_SECONDS RUST_LOG LOG_FORMAT
  PORTAL_BIN CLUSTER_PORT INSTANCE_BASE_PORT METRICS_BASE_PORT)

# Writes the settings to $CLUSTER_ENV (only its owner may read it: it may hold SECRET_KEY).
save_cluster_env() {
  local name
  (umask 077 && : >"$CLUSTER_ENV")
  for name in "${CLUSTER_SETTINGS[@]}"; do
    [ -n "${!name+x}" ] && declare -p "$name" | sed 's/^declare -[a-zA-Z-]* /export /' >>"$CLUSTER_ENV"
  done
  return 0
}

instance_port() { echo $((INSTANCE_BASE_PORT + $1 - 1)); }
instance_pid_file() { echo "$CLUSTER_DIR/instance-$1.pid"; }

# Starts instance $1 in the background; its log is $CLUSTER_DIR/instance-$1.log.
start_instance() {
  local i=$1 port
  port=$(instance_port "$i")
  # Every instance: the cluster's public address in links, nginx's X-Forwarded-For believed,
  # and a drain on SIGTERM longer than nothing and shorter than nginx's fail_timeout: its first
  # refused page view takes it out of nginx's rotation, and it closes before nginx tries again.
  BIND_ADDR="127.0.0.1:$port" \
    TRUSTED_PROXIES="${TRUSTED_PROXIES:-127.0.0.1}" \
    SHUTDOWN_DRAIN_SECONDS="${SHUTDOWN_DRAIN_SECONDS:-2}" \
    METRICS_ADDR="127.0.0.1:$((METRICS_BASE_PORT + i - 1))" \
    "$PORTAL_BIN" serve >>"$CLUSTER_DIR/instance-$i.log" 2>&1 &
  echo $! >"$(instance_pid_file "$i")"
}

# Waits until instance $1 answers /readyz with 200 (at most 60 s).
wait_ready() {
  local port
  port=$(instance_port "$1")
  for _ in $(seq 1 600); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; then
      return 0
    fi
    sleep 0.1
  done
  echo "instance $1 did not become ready; see $CLUSTER_DIR/instance-$1.log" >&2
  return 1
}

# Sends SIGTERM to instance $1 and waits for it to drain and exit.
stop_instance() {
  local pid_file pid
  pid_file=$(instance_pid_file "$1")
  [ -f "$pid_file" ] || return 0
  pid=$(cat "$pid_file")
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$pid_file"
}

# How long nginx keeps an instance out of rotation after one failed attempt (a refused
# connection, a timeout, or a 503 from a draining instance).
NGINX_FAIL_TIMEOUT=3

# Writes nginx.conf for instances 1..$1.
write_nginx_conf() {
  local count=$1 servers="" i dir
  for i in $(seq 1 "$count"); do
    servers+="    server 127.0.0.1:$(instance_port "$i") max_fails=1 fail_timeout=${NGINX_FAIL_TIMEOUT}s;"$'\n'
  done
  dir=$(cd "$CLUSTER_DIR" && pwd)
  mkdir -p "$dir/nginx-temp"
  cat >"$NGINX_CONF.new" <<CONF
# Written by scripts/cluster-lib.sh: round-robin over the instances, no stickiness (any
# instance serves any session: they share PostgreSQL).
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx-temp/body;
  proxy_temp_path $dir/nginx-temp/proxy;
  fastcgi_temp_path $dir/nginx-temp/fastcgi;
  uwsgi_temp_path $dir/nginx-temp/uwsgi;
  scgi_temp_path $dir/nginx-temp/scgi;
  # A profile image is at most 2 MiB; the form around it adds a little.
  client_max_body_size 3m;
  # Floods of the PBX API from one address are refused here, before any instance; the
  # per-PBX limit is the instances' own (in the row each heartbeat writes).
  limit_req_zone \$binary_remote_addr zone=pbx_api:10m rate=200r/s;
  limit_req_status 429;
  upstream portal {
    # Failures are shared by nginx's workers, so one refused attempt takes an instance out.
    zone portal 64k;
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$CLUSTER_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    # nginx is the edge: the client's own X-Forwarded-For is replaced, never passed on, so
    # nobody can claim another address to the instances (which trust only nginx).
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header X-Forwarded-Proto \$scheme;
    # Tried on the next instance: a refused connection (nothing was sent), a timeout, and a
    # 503, which a draining instance answers to page views before running anything (a POST is
    # never retried: nginx keeps non-idempotent requests where they were sent).
    proxy_next_upstream error timeout http_503;
    proxy_connect_timeout 2s;
    location / { proxy_pass http://portal; }
    location /api/pbx/ {
      limit_req zone=pbx_api burst=400 nodelay;
      proxy_pass http://portal;
    }
  }
}
CONF
  mv "$NGINX_CONF.new" "$NGINX_CONF"
}

nginx_pid() { cat "$CLUSTER_DIR/nginx.pid" 2>/dev/null; }

