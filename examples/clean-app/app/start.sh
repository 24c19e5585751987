#!/bin/busybox sh
# Everything configurable comes from the environment; logs go to stdout.
set -eu
PATH=/bin
port="${PORT:-8080}"
replica="$(/bin/busybox hostname)"
echo "clean-app: starting on port ${port} (replica ${replica}, version ${APP_VERSION:-dev})"
# A heartbeat, so a log tail shows every replica at once.
( n=0; while /bin/busybox sleep 1; do n=$((n + 1)); echo "clean-app: alive ${n} (replica ${replica}, version ${APP_VERSION:-dev})"; done ) &
# httpd -f stays in the foreground; -v logs each request to stderr, which the engine collects.
exec /bin/busybox httpd -f -v -p "${port}" -h /app/www
