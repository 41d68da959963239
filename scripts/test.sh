#!/usr/bin/env bash
# The one command that runs every test: unit tests, the HTTP integration suite (real server, a
# fresh PostgreSQL database per test, a real SMTP listener) and the browser journeys (headless
# Chromium over WebDriver, audited with axe-core), and the cluster tests (scripts/cluster.sh:
# instances of the binary behind nginx, a rolling restart under wrk's traffic).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
bash scripts/ensure-browser-deps.sh
bash scripts/ensure-cluster-deps.sh
cargo test --locked "$@"
