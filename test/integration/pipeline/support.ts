// A clean-app work tree of its own (a git repository, so images get immutable tags) and a
// 2-replica swarm service for it. The docker CLI is a fixture builder and an oracle here only.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testInfra, uniqueName } from '../../support/infra';
import { HISTORY_SERVICE_LABEL } from '../../../src/core/swarm/history';
import { docker } from '../swarm/fixtures';

const root = join(__dirname, '..', '..', '..');

export interface AppRepo {
  dir: string;
  repository: string;
  /** Changes the app so the next build has new content (a new dirty tag, a new digest). */
  version(v: string): void;
  /** Makes the app exit at start: its rollout must fail. */
  breakIt(): void;
  /** Writes the `environments:` part of prodlike.yaml. */
  configure(environments: string): void;
  remove(): void;
}

function git(dir: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.email=test@prodlike.invalid', '-c', 'user.name=test', ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** Copies examples/clean-app (with its busybox, from scripts/prepare-examples.sh) into a fresh git repository. */
export function appRepo(environments: string): AppRepo {
  const infra = testInfra();
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-ship-'));
  for (const p of ['Dockerfile', '.dockerignore', 'app', 'bin']) cpSync(join(root, 'examples', 'clean-app', p), join(dir, p), { recursive: true });
  const repository = `${infra.registry}/prodlike-pipeline-test/${uniqueName('clean-app')}`;
  writeFileSync(join(dir, 'prodlike.yaml'), `image: ${repository}\n${environments}`);
  writeFileSync(join(dir, '.gitignore'), 'bin/\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'clean-app');
  const start = join(dir, 'app', 'start.sh');
  const original = readFileSync(start, 'utf8');
  return {
    dir,
    repository,
    version(v) {
      writeFileSync(start, original.replace('set -eu', `set -eu\nAPP_VERSION=\${APP_VERSION:-${v}}`));
    },
    configure(environments) {
      writeFileSync(join(dir, 'prodlike.yaml'), `image: ${repository}\n${environments}`);
    },
    breakIt() {
      writeFileSync(start, original.replace('set -eu', 'set -eu\necho "clean-app: cannot start: DATABASE_URL is not set" >&2\nexit 1'));
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
      const images = spawnSync('docker', ['--host', infra.dockerHost, 'image', 'ls', '-q', '--filter', `reference=${repository}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (images.length) spawnSync('docker', ['--host', infra.dockerHost, 'image', 'rm', '-f', ...new Set(images)], { encoding: 'utf8' });
    },
  };
}

export interface AppService {
  name: string;
  image(): string;
  remove(): void;
}

/**
 * A 2-replica service with no network attachment: on the test engine (no bridge) each task gets
 * its own network namespace, so both replicas bind the app's port 8080 — unlike the host network.
 * Checks every second so rollouts take seconds.
 */
export function appService(image: string): AppService {
  const infra = testInfra();
  const name = uniqueName('ship');
  docker(
    'service', 'create', '--detach', '--quiet', '--name', name, '--replicas', '2',
    '--hostname', '{{.Service.Name}}.{{.Task.Slot}}', '--restart-delay', '200ms', '--stop-grace-period', '1s',
    '--health-interval', '1s', '--health-timeout', '1s', '--health-retries', '2',
    image,
  );
  const id = docker('service', 'inspect', '--format', '{{.ID}}', name);
  return {
    name,
    image: () => docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', name),
    remove() {
      spawnSync('docker', ['--host', infra.dockerHost, 'service', 'rm', name], { encoding: 'utf8' });
      const configs = spawnSync('docker', ['--host', infra.dockerHost, 'config', 'ls', '-q', '--filter', `label=${HISTORY_SERVICE_LABEL}=${id}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (configs.length) spawnSync('docker', ['--host', infra.dockerHost, 'config', 'rm', ...configs], { encoding: 'utf8' });
    },
  };
}
