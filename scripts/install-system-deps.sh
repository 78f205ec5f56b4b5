#!/usr/bin/env bash
# System packages the tests (and the benchmark) need beyond Node, PostgreSQL and Redis:
#   chromium  - Debian's browser, driven by playwright-core in test/browser (never a downloaded browser)
#   prometheus - only for its promtool, which checks deploy/prometheus/alerts.yml (test/monitoring.e2e-spec.ts)
#   postfix   - only for its smtp-sink/smtp-source tools used by `npm run bench` (the mail system is not started)
# Idempotent: installs only what is missing. Needs root (or sudo) and Debian's package sources.
set -euo pipefail
missing=()
[ -x /usr/lib/chromium/chromium ] || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ "${1:-}" = "--bench" ] && [ ! -x /usr/sbin/smtp-sink ]; then missing+=(postfix); fi
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "== installing ${missing[*]}"
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
