#!/usr/bin/env bash
# Runs the portal with working defaults: local PostgreSQL (database created and migrated at
# start), demo data on first run, emails written to target/mail with links in the log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
cargo build --locked --bin yeastar-portal
./target/debug/yeastar-portal seed-demo
exec ./target/debug/yeastar-portal serve
