#!/usr/bin/env bash
# npm run demo — prodlike's main job, start to finish, on a real swarm:
#   build examples/clean-app, push it to a local registry, run it as a 2-replica swarm service,
#   show it healthy, ship a changed version (new digest), tail the logs of every replica, roll back,
#   show the history. Every step is the prodlike CLI (dist/cli.js) printing what a user sees.
#
# Where it runs: the Docker engine of DOCKER_HOST (or /var/run/docker.sock) when it answers and is a
# swarm manager. Otherwise, as root, the private test engine of scripts/test-infra.sh (its own
# dockerd, swarm and registry under /tmp; the machine's own engine is never touched). Making a
# user's engine a swarm is `prodlike local init`: never a side effect of a demo.
#
# It works in a scratch git repository holding a copy of examples/clean-app, so the images get
# immutable tags from commits and the checkout stays untouched. It removes what it created (the
# service, its history configs, the images it built and pushed, its scratch folder, a registry it
# started) on success, on failure and on Ctrl-C.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
started_at=$(date +%s)
REGISTRY=127.0.0.1:5055
REPOSITORY=$REGISTRY/examples/clean-app
SERVICE=${PRODLIKE_DEMO_SERVICE:-clean-app}

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
say() { printf '\n'; bold "== $*"; }
note() { printf 'demo: %s\n' "$*" >&2; }
die() { note "$*"; exit 2; }
# Each step is the real CLI, shown with the command a user would type.
prodlike() { printf '$ prodlike %s\n' "$*"; (cd "$work" && node "$root/dist/cli.js" "$@"); }
dk() { docker "$@"; }

work=''
scratch=''
service_id=''
registry_pid=''
pushed=()
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  say "cleaning up"
  if [ -n "$service_id" ]; then
    dk service rm "$SERVICE" >/dev/null 2>&1 && note "removed service $SERVICE" || true
    mapfile -t configs < <(dk config ls -q --filter "label=dev.prodlike.history.service-id=$service_id" 2>/dev/null || true)
    if [ ${#configs[@]} -gt 0 ]; then dk config rm "${configs[@]}" >/dev/null 2>&1 || true; note "removed ${#configs[@]} history record(s)"; fi
  fi
  if [ ${#pushed[@]} -gt 0 ]; then
    for ref in "${pushed[@]}"; do
      local digest=${ref##*@}
      curl -fsS -o /dev/null -X DELETE "http://$REGISTRY/v2/examples/clean-app/manifests/$digest" 2>/dev/null || true
      dk image rm -f "${ref%@*}" >/dev/null 2>&1 || true
    done
    note "removed ${#pushed[@]} image(s) from the engine and the registry"
  fi
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; fi
  if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
  note "done in $(( $(date +%s) - started_at )) s"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the engine, the swarm and the registry ------------------------------------------------------
say "prodlike demo: preparing"
command -v docker >/dev/null || die "needs the docker command line (Debian: apt-get install docker.io)"
command -v git >/dev/null || die "needs git"
swarm_manager() { [ "$(dk info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" = "active true" ]; }
if dk version >/dev/null 2>&1 && swarm_manager; then
  note "using the Docker engine at ${DOCKER_HOST:-unix:///var/run/docker.sock} (a swarm manager)"
elif [ "$(id -u)" = 0 ]; then
  if dk version >/dev/null 2>&1; then note "the engine at ${DOCKER_HOST:-unix:///var/run/docker.sock} is not a swarm manager (\`prodlike local init\` makes it one); using the private test engine instead"; fi
  bash "$root/scripts/test-infra.sh" up >/dev/null
  eval "$(bash "$root/scripts/test-infra.sh" env)"
  note "using the private engine at $DOCKER_HOST"
else
  die "no Docker engine in swarm mode answers. Start Docker and run \`prodlike local init\`, or run the demo as root to use a private engine."
fi
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}

if ! curl -fsS -o /dev/null --max-time 2 "http://$REGISTRY/v2/"; then
  command -v docker-registry >/dev/null || die "no registry answers on $REGISTRY and docker-registry is not installed (Debian: apt-get install docker-registry)"
  regdir=$(mktemp -d /tmp/prodlike-demo-registry.XXXXXX)
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n' "$regdir/data" "$REGISTRY" > "$regdir/config.yml"
  docker-registry serve "$regdir/config.yml" >"$regdir/log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null && break; sleep 0.2; done
  note "started a registry on $REGISTRY"
fi

if dk service inspect "$SERVICE" >/dev/null 2>&1; then
  die "a service named $SERVICE already exists on this engine; the demo does not touch it (PRODLIKE_DEMO_SERVICE=<name> picks another name)"
fi

bash "$root/scripts/prepare-examples.sh"
(cd "$root" && npm run --silent build >/dev/null)

# A scratch repository with the example: commits give the images their immutable tags.
scratch=$(mktemp -d /tmp/prodlike-demo.XXXXXX)
work=$scratch/clean-app
mkdir "$work"
cp -R "$root/examples/clean-app/." "$work/"
printf 'bin/\n' > "$work/.gitignore"
# The example's prodlike.yaml, naming the service this demo creates.
sed "s/^\(    workload: \)clean-app$/\1$SERVICE/" "$root/examples/clean-app/prodlike.yaml" > "$work/prodlike.yaml"
set_version() {
  if grep -q '^APP_VERSION=' "$work/app/start.sh"; then sed -i "s/^APP_VERSION=.*\$/APP_VERSION=\${APP_VERSION:-$1}/" "$work/app/start.sh"
  else sed -i "s/^set -eu\$/set -eu\nAPP_VERSION=\${APP_VERSION:-$1}/" "$work/app/start.sh"; fi
}
commit() { git -C "$work" -c user.name=prodlike-demo -c user.email=demo@prodlike.invalid "$@"; }
set_version 1.0
commit init -q
commit add -A
commit commit -q -m "clean-app 1.0"

# ---- 1. build and push -----------------------------------------------------------------------------
say "1. build examples/clean-app and push it to the local registry"
prodlike push --build | tee "$scratch/push.out"
pinned=$(tail -n 1 "$scratch/push.out" | tr -d '[:space:]')
[[ $pinned == *@sha256:* ]] || die "push did not print a pinned reference"
pushed+=("$pinned")

# ---- 2. run it on the swarm ---------------------------------------------------------------------
say "2. run it on the local swarm: a service with 2 replicas, pinned by digest"
# Each task gets its own network namespace (no network attachment, nothing published), so both
# replicas serve on the app's port 8080. The hostname names the replica in the logs.
printf '$ docker service create --name %s --replicas 2 %s\n' "$SERVICE" "$pinned"
dk service create --quiet --name "$SERVICE" --replicas 2 --hostname '{{.Service.Name}}.{{.Task.Slot}}' \
  --label dev.prodlike.demo=1 --health-interval 1s --health-timeout 1s --health-retries 3 \
  --stop-grace-period 2s "$pinned" >/dev/null
service_id=$(dk service inspect --format '{{.ID}}' "$SERVICE")

say "3. healthy"
prodlike status local

# ---- 3. ship a change ------------------------------------------------------------------------------
say "4. ship a changed version (APP_VERSION 2.0: a new commit, a new tag, a new digest)"
set_version 2.0
commit commit -q -am "clean-app 2.0"
prodlike ship local
v2=$(dk service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$SERVICE")
pushed+=("$v2")

say "5. logs from every replica (5 s)"
printf '$ prodlike logs --follow --since 5s\n'
(cd "$work" && timeout --signal=INT 5 node "$root/dist/cli.js" logs --follow --since 5s) || true

# ---- 4. roll back ----------------------------------------------------------------------------------
say "6. roll back to the previous revision"
prodlike rollback local

say "7. history"
prodlike history local
prodlike status local
