#!/usr/bin/env bash
# A real multi-node swarm on one machine, for the fault tests: N Docker engines, each in a network
# namespace of its own on a private bridge, joined into one swarm, with a registry on the bridge that
# every node pulls from. Faults are injected with `kill`, `ip link set … down` and restarts.
#
#   scripts/swarm-cluster.sh up [NODES] [MANAGERS]   default 3 nodes, 1 manager (3 3: three managers)
#   scripts/swarm-cluster.sh down                   stop engines, remove namespaces, veths, bridge, files
#   scripts/swarm-cluster.sh env                    variables for tests (PRODLIKE_SWARM_NODE1_HOST=… …)
#   scripts/swarm-cluster.sh stop-node N | start-node N | restart-node N | cut N | heal N
#
# stop-node is a power loss: every process in the node's namespace (engine, containerd, shims, the
# tasks' processes) is killed at once. restart-node is an orderly engine restart (SIGTERM, then
# start again): what an upgrade of a manager's engine does. cut/heal take the node's link down/up.
#
# Traffic stays on the bridge this script creates (10.231.0.0/24 by default) and on loopback.
set -euo pipefail

DIR=${PRODLIKE_SWARM_DIR:-/tmp/prodlike-swarm}
NET=${PRODLIKE_SWARM_NET:-10.231.0}
BR=plbr0
REG_PORT=5000
IMAGE_NAME=prodlike-test/busybox:1

log() { printf 'swarm-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
dk() { local n=$1; shift; docker --host "unix://$DIR/node$n.sock" "$@"; }
wait_for() { local secs=$1 what=$2; shift 2; for _ in $(seq 1 $((secs * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; die "$what did not come up within ${secs}s"; }

need() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, veths, a bridge)"
  local missing=()
  command -v ip >/dev/null || missing+=(iproute2)
  command -v nsenter >/dev/null || missing+=(util-linux)
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
  if [ ${#missing[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

start_engine() { # start_engine N
  local n=$1
  alive "$DIR/node$n.pid" && return 0
  mkdir -p "$DIR/node$n" "$DIR/node$n-exec"
  # nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then fails (TESTING.md).
  # Its own UTS namespace too, so each node has its own hostname (node1, node2…) as a real host would.
  setsid nsenter --net="/var/run/netns/pl-node$n" unshare --uts -- sh -c 'hostname "$0" && exec "$@"' "node$n" dockerd --host "unix://$DIR/node$n.sock" \
    --data-root "$DIR/node$n" --exec-root "$DIR/node$n-exec" --pidfile "$DIR/node$n.pid" \
    --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
    --insecure-registry "$NET.1:$REG_PORT" >"$DIR/node$n.log" 2>&1 < /dev/null 9>&- &
  wait_for 60 "dockerd on node$n (log $DIR/node$n.log)" dk "$n" version
}

up() {
  local nodes=${1:-3} managers=${2:-1}
  need
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"; flock 9
  echo "$nodes $managers" > "$DIR/shape"
  ip link show "$BR" >/dev/null 2>&1 || {
    ip link add "$BR" type bridge
    ip addr add "$NET.1/24" dev "$BR"
    ip link set "$BR" up
  }
  for n in $(seq 1 "$nodes"); do
    if ! ip netns list | grep -qw "pl-node$n"; then
      ip netns add "pl-node$n"
      ip link add "plv$n" type veth peer name "ple$n"
      ip link set "ple$n" netns "pl-node$n"
      ip link set "plv$n" master "$BR" up
      ip netns exec "pl-node$n" ip addr add "$NET.1$n/24" dev "ple$n"
      ip netns exec "pl-node$n" ip link set "ple$n" up
      ip netns exec "pl-node$n" ip link set lo up
      ip netns exec "pl-node$n" ip route add default via "$NET.1"
    fi
    start_engine "$n"
  done

  if ! alive "$DIR/registry.pid"; then
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s:%s\n' "$DIR/registry" "$NET.1" "$REG_PORT" > "$DIR/registry.yml"
    setsid docker-registry serve "$DIR/registry.yml" >"$DIR/registry.log" 2>&1 < /dev/null 9>&- &
    echo $! > "$DIR/registry.pid"
    wait_for 30 registry curl -fsS "http://$NET.1:$REG_PORT/v2/"
  fi

  if [ "$(dk 1 info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    dk 1 swarm init --advertise-addr "$NET.11" --listen-addr "$NET.11:2377" >/dev/null
  fi
  # A 2 s heartbeat: swarm notices a lost node in about 3 heartbeats (6 s) instead of 15 s.
  dk 1 swarm update --dispatcher-heartbeat "${PRODLIKE_SWARM_HEARTBEAT:-2s}" >/dev/null
  local wtoken mtoken
  wtoken=$(dk 1 swarm join-token -q worker)
  mtoken=$(dk 1 swarm join-token -q manager)
  for n in $(seq 2 "$nodes"); do
    [ "$(dk "$n" info --format '{{.Swarm.LocalNodeState}}')" = active ] && continue
    local token=$wtoken; [ "$n" -le "$managers" ] && token=$mtoken
    dk "$n" swarm join --token "$token" --advertise-addr "$NET.1$n" --listen-addr "$NET.1$n:2377" "$NET.11:2377" >/dev/null
  done

  # The busybox test image, in the bridge registry so every node can pull it.
  local ref="$NET.1:$REG_PORT/$IMAGE_NAME"
  if ! curl -fsS "http://$NET.1:$REG_PORT/v2/${IMAGE_NAME%%:*}/manifests/${IMAGE_NAME##*:}" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null 2>&1; then
    local ctx="$DIR/image-context"
    mkdir -p "$ctx"; cp /bin/busybox "$ctx/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nENV PATH=/bin\nCMD ["sh"]\n' > "$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 dk 1 build -q -t "$ref" "$ctx" >/dev/null 2>&1
    dk 1 push "$ref" >/dev/null
  fi
  write_env "$nodes"
}

write_env() {
  local nodes=$1
  {
    echo "export PRODLIKE_SWARM_DIR='$DIR'"
    echo "export PRODLIKE_SWARM_NODES='$nodes'"
    echo "export PRODLIKE_SWARM_REGISTRY='$NET.1:$REG_PORT'"
    echo "export PRODLIKE_SWARM_IMAGE='$NET.1:$REG_PORT/$IMAGE_NAME'"
    for n in $(seq 1 "$nodes"); do echo "export PRODLIKE_SWARM_NODE${n}_HOST='unix://$DIR/node$n.sock'"; done
  } > "$DIR/env"
}

stop_pid() { alive "$1" || return 0; local pid; pid=$(cat "$1"); kill "${2:--TERM}" "$pid" 2>/dev/null || true; for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done; kill -9 "$pid" 2>/dev/null || true; }

# Every process whose network namespace is node N's: its engine, containerd, shims and tasks.
node_pids() { ip netns pids "pl-node$1" 2>/dev/null || true; }

power_off() {
  local pids; pids=$(node_pids "$1")
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(node_pids "$1")" ] && break; sleep 0.1; done
  rm -f "$DIR/node$1.pid"
}

down() {
  # Teardown is a power loss of every node: quick, and nothing of a failed test can hold it up.
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^pl-node' || true); do power_off "${ns#pl-node}"; done
  stop_pid "$DIR/registry.pid"
  pkill -f "containerd.*$DIR/node" 2>/dev/null || true
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^pl-node' || true); do ip netns del "$ns" 2>/dev/null || true; done
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^plv[0-9]+$' || true); do ip link del "$l" 2>/dev/null || true; done
  ip link del "$BR" 2>/dev/null || true
  if [ -d "$DIR" ]; then
    { grep -F " $DIR/" /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$DIR"
  fi
  log "stopped"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  env) cat "$DIR/env" ;;
  stop-node) power_off "$2" ;;                      # a node failure: everything on it dies at once
  start-node) start_engine "$2" ;;
  restart-node) stop_pid "$DIR/node$2.pid"; start_engine "$2" ;;
  cut) ip link set "plv$2" down ;;                  # a partition: the node's link goes down
  heal) ip link set "plv$2" up ;;
  *) echo "usage: $0 up [NODES] [MANAGERS] | down | env | stop-node N | start-node N | restart-node N | cut N | heal N" >&2; exit 2 ;;
esac
