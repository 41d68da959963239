#!/usr/bin/env bash
# The one command that runs every test: unit tests, the HTTP integration suite (real server, a
# fresh PostgreSQL database per test, a real SMTP listener) and the browser journeys (headless
# Chromium over WebDriver, audited with axe-core).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-postgres.sh
bash scripts/ensure-browser-deps.sh
cargo test --locked "$@"
