#!/bin/sh
# Gives `docker compose up` its secrets: appends a random value to .env (read by docker compose) for each
# of SECRET_KEY, ADMIN_API_TOKEN, BOUNCE_WEBHOOK_SECRET, METRICS_TOKEN, POSTGRES_PASSWORD and
# GF_SECURITY_ADMIN_PASSWORD (the monitoring profile's Grafana) that .env does
# not set yet. Never overwrites a value already there (rotating SECRET_KEY would kill every emailed link),
# so running it again is harmless. Usage: scripts/init-env.sh [file]   (default: .env next to docker-compose.yml)
set -eu
file="${1:-$(dirname "$0")/../.env}"
umask 077
touch "$file"
# 32 random bytes as 64 hex characters: URL-safe (POSTGRES_PASSWORD goes into DATABASE_URL) and long enough.
random() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
# a file not ending in a newline would glue the first new line onto its last one
if [ -s "$file" ] && [ -n "$(tail -c 1 "$file")" ]; then echo >>"$file"; fi
for name in SECRET_KEY ADMIN_API_TOKEN BOUNCE_WEBHOOK_SECRET METRICS_TOKEN POSTGRES_PASSWORD GF_SECURITY_ADMIN_PASSWORD; do
  if grep -q "^${name}=." "$file"; then
    echo "init-env: $name already set in $file, kept"
  else
    printf '%s=%s\n' "$name" "$(random)" >>"$file"
    echo "init-env: wrote a random $name to $file"
  fi
done
