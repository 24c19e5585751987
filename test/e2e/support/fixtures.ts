// What the end-to-end tests deploy to: a service on the test swarm and a Deployment on the
// Kubernetes API test server. The docker CLI is a fixture builder here, never part of prodlike;
// it is spawned with argument arrays against the private test engine only.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testInfra, uniqueName } from '../../support/infra';
import { ROOT, freePort } from './codeServer';

export function docker(...args: string[]): string {
  const r = spawnSync('docker', ['--host', testInfra().dockerHost, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Builds examples/clean-app (APP_VERSION baked in), pushes it to the test registry, returns repo:tag. */
export function pushCleanApp(tag: string): string {
  const ref = `${testInfra().registry}/examples/clean-app:${tag}`;
  docker('build', '-q', '-t', ref, join(ROOT, 'examples/clean-app'));
  docker('push', '-q', ref);
  return ref;
}

export interface SwarmService {
  name: string;
  remove(): void;
}

/**
 * A swarm service of clean-app on the host network. The engine has no bridge, so each service gets a
 * port of its own (PORT) and no health check (the image's probes port 8080).
 */
export async function createSwarmService(image: string, prefix = 'e2e-clean'): Promise<SwarmService> {
  const name = uniqueName(prefix).slice(0, 60);
  const port = await freePort();
  docker(
    'service', 'create', '--detach', '--quiet', '--name', name, '--network', 'host', '--no-healthcheck',
    '--restart-delay', '500ms', '--stop-grace-period', '1s', '--env', `PORT=${port}`, '--replicas', '1', image,
  );
  return {
    name,
    remove() {
      spawnSync('docker', ['--host', testInfra().dockerHost, 'service', 'rm', name], { encoding: 'utf8' });
    },
  };
}

/**
 * Rewrites the copied workspace's prodlike.yaml: the local environment's workload, the prod context,
 * the test registry as the image repository, and a stop-first update (every task of the test service
 * listens on one host port, so a start-first update could never start its new task).
 */
export function pointWorkspaceAt(workspace: string, o: { swarmWorkload: string; kubeContext: string }): void {
  const file = join(workspace, 'prodlike.yaml');
  const text = readFileSync(file, 'utf8')
    .replace(/(local:\n(?:\s+.*\n)*?\s+workload:) clean-app/, `$1 ${o.swarmWorkload}`)
    .replace(/context: prod/, `context: ${o.kubeContext}`)
    .replace(/^image: .*$/m, `image: ${testInfra().registry}/examples/clean-app`)
    .replace(/order: start-first/, 'order: stop-first');
  writeFileSync(file, text);
}

/** Makes the workspace a git repository with one commit, so a build gets an immutable tag; returns the tag. */
export function commitWorkspace(workspace: string): string {
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=prodlike e2e', '-c', 'user.email=e2e@prodlike.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: workspace, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'e2e');
  return git('rev-parse', '--short=12', 'HEAD');
}

/** The image the swarm service runs now. */
export function serviceImage(name: string): string {
  return docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', name);
}

/** Removes a container the test may have left running (a parity run), ignoring "no such container". */
export function removeContainer(name: string): void {
  spawnSync('docker', ['--host', testInfra().dockerHost, 'rm', '--force', name], { encoding: 'utf8' });
}
