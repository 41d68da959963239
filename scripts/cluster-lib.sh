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
CLUSTER_PORT=${CLUSTER_PORT:-8080}
INSTANCE_BASE_PORT=${INSTANCE_BASE_PORT:-$((CLUSTER_PORT + 1))}
METRICS_BASE_PORT=${METRICS_BASE_PORT:-9101}
PORTAL_BIN=${PORTAL_BIN:-target/release/yeastar-portal}
NGINX_CONF="$CLUSTER_DIR/nginx.conf"

instance_port() { echo $((INSTANCE_BASE_PORT + $1 - 1)); }
instance_pid_file() { echo "$CLUSTER_DIR/instance-$1.pid"; }

# Starts instance $1 in the background; its log is $CLUSTER_DIR/instance-$1.log.
start_instance() {
  local i=$1 port
  port=$(instance_port "$i")
  # Every instance: the cluster's public address in links, nginx's X-Forwarded-For believed,
  # a short drain (nginx learns of a stop from the rolling restart, not from /readyz).
  BIND_ADDR="127.0.0.1:$port" \
    PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:$CLUSTER_PORT}" \
    TRUSTED_PROXIES="${TRUSTED_PROXIES:-127.0.0.1}" \
    SHUTDOWN_DRAIN_SECONDS="${SHUTDOWN_DRAIN_SECONDS:-1}" \
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

# Writes nginx.conf for instances 1..$1, marking instance $2 (if given) `down`: nginx then
# sends it nothing new once reloaded, while requests it already passed there finish.
write_nginx_conf() {
  local count=$1 down=${2:-0} servers="" i
  for i in $(seq 1 "$count"); do
    servers+="    server 127.0.0.1:$(instance_port "$i")"
    [ "$i" = "$down" ] && servers+=" down"
    servers+=";"$'\n'
  done
  local dir
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
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$CLUSTER_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    # An instance that refuses connections (stopped, crashed) is skipped: nothing was sent.
    proxy_next_upstream error timeout;
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

# Reloads nginx's configuration and returns once the workers that ran the old one have exited:
# they finish the requests they hold (and drop their keep-alive connections to the instances)
# first, so an instance marked `down` receives nothing more after this returns.
reload_nginx() {
  local master old pid
  master=$(nginx_pid)
  old=$(pgrep -P "$master" || true)
  nginx -t -q -c "$(cd "$CLUSTER_DIR" && pwd)/nginx.conf" -e "$(cd "$CLUSTER_DIR" && pwd)/nginx-error.log"
  kill -HUP "$master"
  for pid in $old; do
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
}
