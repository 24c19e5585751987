// Shared by the docker integration tests: the engine under test, the docker CLI as an oracle,
// and cleanup of what a test created (other engineers' tests share this engine).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openEngine, type Engine } from '../../../src/core/docker/engine';
import { testInfra } from '../../support/infra';

export function testEngine(): Engine {
  return openEngine({ url: testInfra().dockerHost, from: 'argument' });
}

/** Runs the docker CLI against the test engine (argument array, no shell). Throws with its stderr on failure. */
export function dockerCli(args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync('docker', ['--host', testInfra().dockerHost, ...args], {
    encoding: 'utf8',
    input: opts.input,
    cwd: opts.cwd,
    env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false', ...opts.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Writes files (path → content) under a new temporary folder and returns it. */
export function writeTree(files: Record<string, string>, prefix = 'prodlike-it-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

export async function removeImages(engine: Engine, refs: string[]): Promise<void> {
  for (const ref of refs) await engine.docker.getImage(ref).remove({ force: true }).catch(() => undefined);
}

export async function removeContainers(engine: Engine, ids: string[]): Promise<void> {
  for (const id of ids) await engine.docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
}
