#!/usr/bin/env bash
# The example apps are built offline, FROM scratch: their only binary is Debian's busybox-static,
# which this script copies into each example's bin/ (ignored by git). Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=${PRODLIKE_BUSYBOX:-/bin/busybox}
if ! [ -x "$src" ] || ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
  else
    echo "prepare-examples: needs a static busybox at $src (Debian: apt-get install busybox-static)" >&2
    exit 2
  fi
fi
for app in "$root"/examples/*/; do
  [ -f "$app/Dockerfile" ] || continue
  mkdir -p "$app/bin"
  cmp -s "$src" "$app/bin/busybox" || cp "$src" "$app/bin/busybox"
done
