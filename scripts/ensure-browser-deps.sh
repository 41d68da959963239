#!/usr/bin/env bash
# What the browser tests need and a fresh machine lacks: Debian's Chromium and ChromeDriver,
# and axe-core (pinned in tests/a11y/package-lock.json) from the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "installing chromium and chromium-driver" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  echo "installing axe-core for the accessibility audit" >&2
  npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error
fi
