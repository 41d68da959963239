#!/usr/bin/env bash
# The one command that runs every test: unit tests and the integration suite (real server,
# a fresh PostgreSQL database per test, a real SMTP listener).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
cargo test --locked "$@"
