#!/usr/bin/env bash
# Starts the local PostgreSQL cluster when it is not answering (machines of this kind run it,
# but a stopped server must not fail the run or the tests).
set -euo pipefail
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  exit 0
fi
echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it" >&2
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && exit 0
  sleep 1
done
echo "PostgreSQL did not start" >&2
exit 1
