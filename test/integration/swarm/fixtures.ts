// Test tools for the swarm tests: the docker CLI is an oracle and a fixture builder here, never
// part of prodlike. Spawned with argument arrays against the private test engine only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testInfra, uniqueName } from '../../support/infra';
import { openEngine } from '../../../src/core/docker/engine';
import { SwarmCluster, type SwarmClusterOptions } from '../../../src/core/swarm';
import { HISTORY_SERVICE_LABEL } from '../../../src/core/swarm/history';

export function docker(...args: string[]): string {
  const infra = testInfra();
  const r = spawnSync('docker', ['--host', infra.dockerHost, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Builds and pushes a variant of the busybox test image whose command is `script`; returns the
 * tag reference (repository:tag), not pinned — prodlike pins it.
 */
export function pushVariant(name: string, script: string): string {
  const infra = testInfra();
  const ref = `${infra.registry}/prodlike-swarm-test/${uniqueName('app')}:${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-variant-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${infra.image}\nCMD ["sh", "-c", ${JSON.stringify(script)}]\n`);
    docker('build', '-q', '-t', ref, dir);
    docker('push', '-q', ref);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}

/** An app that prints its version and its task every 200 ms. */
export const versionScript = (v: string) => `while true; do echo "${v} from $(hostname)"; sleep 0.2; done`;
/** An app that dies at once: the update to it must fail. */
export const brokenScript = 'echo "cannot start: missing DATABASE_URL" >&2; sleep 0.3; exit 1';

export interface TestService {
  name: string;
  remove(): void;
}

/** A service on the host network (the test engine has no bridge), with a short restart delay so failures show quickly. */
export function createService(image: string, options: { replicas?: number; global?: boolean; prefix?: string } = {}): TestService {
  const name = uniqueName(options.prefix ?? 'svc');
  docker(
    'service', 'create', '--detach', '--quiet', '--name', name, '--network', 'host',
    '--restart-delay', '200ms', '--stop-grace-period', '1s',
    ...(options.global ? ['--mode', 'global'] : ['--replicas', String(options.replicas ?? 1)]),
    image,
  );
  const id = docker('service', 'inspect', '--format', '{{.ID}}', name);
  return {
    name,
    remove() {
      spawnSync('docker', ['--host', testInfra().dockerHost, 'service', 'rm', name], { encoding: 'utf8' });
      const configs = spawnSync('docker', ['--host', testInfra().dockerHost, 'config', 'ls', '-q', '--filter', `label=${HISTORY_SERVICE_LABEL}=${id}`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      if (configs.length) spawnSync('docker', ['--host', testInfra().dockerHost, 'config', 'rm', ...configs], { encoding: 'utf8' });
    },
  };
}

/** Short monitor so the whole set runs in minutes; the same defaults otherwise. */
export function testCluster(options: SwarmClusterOptions = {}): SwarmCluster {
  const infra = testInfra();
  return new SwarmCluster(openEngine({ url: infra.dockerHost, from: 'argument' }), { update: { monitor: '1s' }, pollIntervalMs: 200, ...options });
}

/** Waits (bounded by the test's own timeout, not asserted) until the check passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, limitMs = 120_000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
