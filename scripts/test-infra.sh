#!/usr/bin/env bash
# The real parts prodlike's tests run against, owned by the tests themselves:
#   a private dockerd (vfs, no iptables, no bridge; its own socket and data under $PRODLIKE_TEST_DIR),
#   swarm mode on that engine, a registry on 127.0.0.1 and a second one that demands basic auth,
#   and the shared busybox test image (FROM scratch + busybox-static).
#
#   scripts/test-infra.sh up      start what is not running (idempotent); prints "started" or "reused"
#   scripts/test-infra.sh down    stop everything it started and remove its folder
#   scripts/test-infra.sh env     print the variables tests read (source it: eval "$(… env)")
#   scripts/test-infra.sh status  say what is running
#
# A user's own Docker engine is never touched. To run the tests against another engine on purpose,
# set PRODLIKE_TEST_DOCKER_HOST (for example unix:///var/run/docker.sock); then no dockerd is started.
set -euo pipefail

DIR=${PRODLIKE_TEST_DIR:-/tmp/prodlike-test}
REG_PORT=${PRODLIKE_TEST_REGISTRY_PORT:-5055}
AUTH_REG_PORT=${PRODLIKE_TEST_AUTH_REGISTRY_PORT:-5056}
AUTH_USER=prodlike-test
AUTH_PASS=not-a-real-secret-0451
IMAGE=prodlike-test/busybox:1
SOCK="$DIR/docker.sock"
OWN_ENGINE=1
if [ -n "${PRODLIKE_TEST_DOCKER_HOST:-}" ]; then OWN_ENGINE=0; fi
ENDPOINT=${PRODLIKE_TEST_DOCKER_HOST:-unix://$SOCK}

log() { printf 'test-infra: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
dk() { docker --host "$ENDPOINT" "$@"; }
engine_up() { dk version >/dev/null 2>&1; }
http_ok() { curl -fsS -o /dev/null --max-time 2 "$@" 2>/dev/null; }

install_missing() {
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v docker-registry >/dev/null || need+=(docker-registry)
  # The test image copies /bin/busybox into an image FROM scratch: it must be the static build.
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
  command -v htpasswd >/dev/null || need+=(apache2-utils)
  command -v curl >/dev/null || need+=(curl)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${need[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    die "missing ${need[*]}: install them (Debian: apt-get install ${need[*]}) or run as root"
  fi
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  for _ in $(seq 1 $((secs * 5))); do "$@" && return 0; sleep 0.2; done
  die "$what did not come up within ${secs}s"
}

start_engine() {
  if [ $OWN_ENGINE = 0 ]; then
    dk version >/dev/null 2>&1 || die "PRODLIKE_TEST_DOCKER_HOST=$ENDPOINT does not answer"
    return 0
  fi
  if alive "$DIR/docker.pid" && engine_up; then return 1; fi
  mkdir -p "$DIR/data" "$DIR/exec"
  log "starting dockerd on $SOCK"
  setsid dockerd --host "unix://$SOCK" --data-root "$DIR/data" --exec-root "$DIR/exec" \
    --pidfile "$DIR/docker.pid" --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
    --userland-proxy=false >"$DIR/dockerd.log" 2>&1 < /dev/null 9>&- &
  wait_for 60 "dockerd (log: $DIR/dockerd.log)" engine_up
  return 0
}

start_swarm() {
  local state
  state=$(dk info --format '{{.Swarm.LocalNodeState}}')
  if [ "$state" != active ]; then
    log "initialising swarm mode"
    dk swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null
  fi
}

start_registry() { # start_registry NAME PORT [htpasswd]
  local name=$1 port=$2 auth=${3:-}
  if alive "$DIR/$name.pid" && http_ok "http://127.0.0.1:$port/v2/" ${auth:+-u "$AUTH_USER:$AUTH_PASS"}; then return; fi
  mkdir -p "$DIR/$name"
  {
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$DIR/$name/data"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
    if [ -n "$auth" ]; then
      htpasswd -Bbc "$DIR/$name/htpasswd" "$AUTH_USER" "$AUTH_PASS" 2>/dev/null
      printf 'auth:\n  htpasswd:\n    realm: prodlike-test\n    path: %s\n' "$DIR/$name/htpasswd"
    fi
  } > "$DIR/$name/config.yml"
  log "starting $name on 127.0.0.1:$port"
  setsid docker-registry serve "$DIR/$name/config.yml" >"$DIR/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$DIR/$name.pid"
  if [ -n "$auth" ]; then
    wait_for 30 "$name" http_ok "http://127.0.0.1:$port/v2/" -u "$AUTH_USER:$AUTH_PASS"
  else
    wait_for 30 "$name" http_ok "http://127.0.0.1:$port/v2/"
  fi
}

build_test_image() {
  dk image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  log "building $IMAGE (FROM scratch + busybox-static)"
  local ctx="$DIR/image-context"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp /bin/busybox "$ctx/busybox"
  cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/bin
CMD ["sh"]
DOCKERFILE
  DOCKER_BUILDKIT=0 dk build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$DIR/image-build.log" || { cat "$DIR/image-build.log" >&2; die "building $IMAGE failed"; }
}

write_env() {
  cat > "$DIR/env" <<ENV
export PRODLIKE_TEST_DIR='$DIR'
export DOCKER_HOST='$ENDPOINT'
export PRODLIKE_TEST_DOCKER_HOST='$ENDPOINT'
export PRODLIKE_TEST_REGISTRY='127.0.0.1:$REG_PORT'
export PRODLIKE_TEST_AUTH_REGISTRY='127.0.0.1:$AUTH_REG_PORT'
export PRODLIKE_TEST_AUTH_USER='$AUTH_USER'
export PRODLIKE_TEST_AUTH_PASSWORD='$AUTH_PASS'
export PRODLIKE_TEST_IMAGE='$IMAGE'
ENV
}

up() {
  install_missing
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"; flock 9   # two test runs starting at once share one engine
  local started=reused
  if start_engine; then started=started; fi
  start_swarm
  start_registry registry "$REG_PORT"
  start_registry auth-registry "$AUTH_REG_PORT" htpasswd
  build_test_image
  write_env
  echo "$started"
}

stop_pid() { # stop_pid PIDFILE SECONDS
  alive "$1" || return 0
  local pid; pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 $(($2 * 5))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

down() {
  [ -d "$DIR" ] || return 0
  stop_pid "$DIR/registry.pid" 5
  stop_pid "$DIR/auth-registry.pid" 5
  if [ $OWN_ENGINE = 1 ]; then
    if alive "$DIR/docker.pid"; then
      # Leave no service behind so the next start is clean and fast.
      dk swarm leave --force >/dev/null 2>&1 || true
    fi
    stop_pid "$DIR/docker.pid" 30
    pkill -f "containerd.*$DIR/exec" 2>/dev/null || true
    # dockerd can leave mounts (netns, shm) under its folders; unmount before removing.
    { grep -F " $DIR/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$DIR"
  else
    rm -f "$DIR/env"
  fi
  log "stopped"
}

status() {
  alive "$DIR/docker.pid" && echo "dockerd: running ($SOCK)" || echo "dockerd: not running"
  alive "$DIR/registry.pid" && echo "registry: 127.0.0.1:$REG_PORT" || echo "registry: not running"
  alive "$DIR/auth-registry.pid" && echo "auth registry: 127.0.0.1:$AUTH_REG_PORT" || echo "auth registry: not running"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) [ -f "$DIR/env" ] && cat "$DIR/env" || die "not up: run scripts/test-infra.sh up" ;;
  status) status ;;
  *) echo "usage: $0 up|down|env|status" >&2; exit 2 ;;
esac
