#!/bin/busybox sh
set -eu
PATH=/bin
port="${PORT:-8080}"
replica="$(/bin/busybox hostname)"
# Violation: reads FEATURE_FLAGS, which the production manifest never sets.
flags="${FEATURE_FLAGS:-none}"
greeting="$(/bin/busybox sed -n 's/^greeting=//p' /app/app.conf)"
echo "drifty-app: starting on port ${port} (flags ${flags}, greeting ${greeting})"
# Violation: the heartbeat goes to a log file inside the container, not to stdout.
( n=0; while /bin/busybox sleep 1; do n=$((n + 1)); echo "drifty-app: alive ${n} (replica ${replica})" >> /var/log/drifty/app.log; done ) &
exec /bin/busybox httpd -f -p "${port}" -h /app/www
