#!/usr/bin/env bash
# What running the portal as a cluster needs and a fresh machine lacks: nginx in front of the
# instances and wrk to drive traffic through it (Debian's packages).
set -euo pipefail
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
