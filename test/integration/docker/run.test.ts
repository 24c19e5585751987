// `prodlike run` on a copy of examples/clean-app: the production image by digest, configured as
// the manifest says; the parity diff; ps, logs, diff and stop of local containers.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerChanges, containerLogs, type LogLine } from '../../../src/core/docker/containers';
import { runProdlike } from '../../support/cli';
import { testInfra, uniqueName } from '../../support/infra';
import { removeContainers, removeImages, testEngine } from './helpers';

const infra = testInfra();
const engine = testEngine();
const repo = `${infra.registry}/prodlike-it/${uniqueName('run')}`;
const name = uniqueName('parity');
const SECRET = 'db-pass-never-printed-7731';
const images: string[] = [];
const containers: string[] = [name];
let app = '';
let env: NodeJS.ProcessEnv = {};
let pinned = '';

before(async () => {
  app = mkdtempSync(join(tmpdir(), 'prodlike-run-app-'));
  cpSync(join(__dirname, '../../../examples/clean-app'), app, { recursive: true });
  // Production reads a Secret too: add one to the example's manifest.
  const manifest = join(app, 'k8s/deployment.yaml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('            - name: GREETING\n', '            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: { name: db, key: password }\n            - name: GREETING\n'));
  writeFileSync(join(app, 'secrets.env'), `# local values for production's Secrets\nDB_PASSWORD=${SECRET}\n`);
  for (const args of [['init', '-q'], ['add', '.'], ['commit', '-q', '-m', 'app']]) {
    assert.equal(spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: app }).status, 0);
  }
  const dockerConfig = mkdtempSync(join(tmpdir(), 'prodlike-run-docker-config-'));
  writeFileSync(join(dockerConfig, 'config.json'), '{}');
  env = { ...process.env, DOCKER_HOST: infra.dockerHost, DOCKER_CONFIG: dockerConfig };
  const pushed = await runProdlike(['push', '--build', '--image', repo], { cwd: app, env });
  assert.equal(pushed.code, 0, pushed.stderr);
  pinned = pushed.stdout.trim();
  images.push(pinned.split('@')[0]!, `${repo}@${pinned.split('@')[1]}`);
});
after(async () => {
  await removeContainers(engine, containers);
  await removeImages(engine, images);
  rmSync(app, { recursive: true, force: true });
  if (env.DOCKER_CONFIG) rmSync(env.DOCKER_CONFIG, { recursive: true, force: true });
});

test('run: same image by digest, env from literals/ConfigMap/Secret file, user, read-only, limits, labels; diff masks secrets', async () => {
  const run = await runProdlike(['run', 'prod', '--image', pinned, '--env-file', 'secrets.env', '--network', 'none', '--name', name], { cwd: app, env });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!(run.stdout + run.stderr).includes(SECRET), 'the secret value is never printed');
  assert.match(run.stdout, /env DB_PASSWORD\s+•••••• \(secret\)\s+•••••• \(secret\)/);
  assert.match(run.stdout, /env GREETING\s+hello from production\s+hello from production/);
  assert.match(run.stdout, /probes\s+readiness httpGet :8080\/healthz, liveness httpGet :8080\/healthz/);
  assert.match(run.stdout, /No differences from production/);

  const info = await engine.docker.getContainer(name).inspect();
  const digest = pinned.split('@')[1]!;
  assert.equal(info.Config.Image, `${repo}@${digest}`);
  assert.ok(info.Config.Env.includes('GREETING=hello from production'));
  assert.ok(info.Config.Env.includes(`DB_PASSWORD=${SECRET}`));
  assert.ok(info.Config.Env.includes('APP_VERSION=1.0.0'));
  assert.equal(info.Config.User, '65534:65534');
  assert.equal(info.HostConfig.ReadonlyRootfs, true);
  assert.equal(info.HostConfig.Memory, 64 * 1024 * 1024);
  assert.equal(info.HostConfig.NanoCpus, 250_000_000);
  assert.equal(info.Config.Labels['dev.prodlike.parity-run'], 'true');
  assert.equal(info.Config.Labels['dev.prodlike.workload'], 'Deployment/clean-app');

  const json = await runProdlike(['--json', 'run', 'prod', '--image', pinned, '--env-file', 'secrets.env', '--network', 'none', '--name', name], { cwd: app, env });
  assert.equal(json.code, 0, json.stderr);
  assert.ok(!json.stdout.includes(SECRET));
  const doc = JSON.parse(json.stdout) as { diff: { differences: number; rows: { field: string; status: string; secret?: boolean }[] } };
  assert.equal(doc.diff.differences, 0);
  assert.deepEqual(doc.diff.rows.find((r) => r.field === 'env DB_PASSWORD'), { field: 'env DB_PASSWORD', production: '•••••• (secret)', local: '•••••• (secret)', status: 'same', secret: true });

  const ps = await runProdlike(['ps'], { cwd: app, env });
  assert.match(ps.stdout, new RegExp(`${name}\\s+Deployment/clean-app\\s+Up`));

  // The app logs to stdout; give it a moment to start (polling, not a timed assertion).
  let logs = { stdout: '', stderr: '', code: 0 };
  for (let i = 0; i < 50 && !/clean-app: starting/.test(logs.stdout); i++) {
    logs = await runProdlike(['logs', name, '--tail', '20'], { cwd: app, env });
    if (!/clean-app: starting/.test(logs.stdout)) await new Promise((r) => setTimeout(r, 200));
  }
  assert.match(logs.stdout, /clean-app: starting on port 8080 .*version 1\.0\.0/);

  const stop = await runProdlike(['stop', name], { cwd: app, env });
  assert.equal(stop.code, 0, stop.stderr);
  const gone = await runProdlike(['logs', name], { cwd: app, env });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no such container/);
});

test('run refuses with a clear error: a Secret without a value, a workload not in the manifests', async () => {
  const noSecret = await runProdlike(['run', 'prod', '--image', pinned, '--network', 'none', '--name', `${name}-x`], { cwd: app, env });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /no value for DB_PASSWORD/);
  assert.match(noSecret.stderr, /--env-file/);
  const noWorkload = await runProdlike(['run', 'prod', '--workload', 'nope', '--network', 'none'], { cwd: app, env });
  assert.notEqual(noWorkload.code, 0);
  assert.match(noWorkload.stderr, /No Deployment, StatefulSet, DaemonSet or Pod named "nope"/);
  assert.match(noWorkload.stderr, /Deployment\/clean-app/);
});

async function runContainer(cmd: string, tty: boolean): Promise<string> {
  const c = await engine.docker.createContainer({ Image: infra.image, Cmd: ['sh', '-c', cmd], Tty: tty, HostConfig: { NetworkMode: 'none' }, name: uniqueName('logs') });
  containers.push(c.id);
  await c.start();
  await c.wait();
  return c.id;
}

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

test('logs: stdout and stderr apart without a TTY, one stream with a TTY; tail; diff shows written files', async () => {
  const id = await runContainer('echo out1; echo err1 >&2; echo out2; printf "no newline"; echo x > /written.log', false);
  // Order between the two streams is the engine's (two pipes); within each stream it is kept.
  const all = await collect(containerLogs(engine, id));
  assert.deepEqual(all.filter((l) => l.stream === 'stdout').map((l) => l.text), ['out1', 'out2', 'no newline']);
  assert.deepEqual(all.filter((l) => l.stream === 'stderr').map((l) => l.text), ['err1']);
  assert.deepEqual(await collect(containerLogs(engine, id, { tail: 1 })), [{ stream: 'stdout', text: 'no newline' }]);
  assert.deepEqual(await containerChanges(engine, id), [{ path: '/written.log', kind: 'added' }]);
  const cli = await runProdlike(['diff', id], { env });
  assert.equal(cli.stdout.trim(), 'A /written.log');
  const split = await runProdlike(['logs', id], { env });
  assert.equal(split.stdout, 'out1\nout2\nno newline\n');
  assert.equal(split.stderr, 'err1\n');

  const ttyId = await runContainer('echo tty-out; echo tty-err >&2', true);
  const lines = await collect(containerLogs(engine, ttyId));
  assert.deepEqual(lines.map((l) => l.text).sort(), ['tty-err', 'tty-out']);
  assert.ok(lines.every((l) => l.stream === 'stdout'));
});

test('logs --follow ends when aborted', async () => {
  const c = await engine.docker.createContainer({ Image: infra.image, Cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'], HostConfig: { NetworkMode: 'none' }, name: uniqueName('follow') });
  containers.push(c.id);
  await c.start();
  const ac = new AbortController();
  const seen: string[] = [];
  for await (const l of containerLogs(engine, c.id, { follow: true, signal: ac.signal })) {
    seen.push(l.text);
    if (seen.length === 3) ac.abort();
  }
  assert.deepEqual(seen, ['tick 1', 'tick 2', 'tick 3']);
});

test('run asks a person at the terminal for a missing Secret value, and never shows it', async () => {
  const typed = 'typed-at-the-prompt-5521';
  const run = await runProdlike(['run', 'prod', '--image', pinned, '--network', 'none', '--name', `${name}-asked`], { cwd: app, env, stdin: `${typed}\n` });
  containers.push(`${name}-asked`);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /DB_PASSWORD \(secret\/db:password\): /);
  assert.ok(!(run.stdout + run.stderr).includes(typed), 'the typed value is never printed');
  const info = await engine.docker.getContainer(`${name}-asked`).inspect();
  assert.ok(info.Config.Env.includes(`DB_PASSWORD=${typed}`));

  const nothingTyped = await runProdlike(['run', 'prod', '--image', pinned, '--network', 'none', '--name', `${name}-empty`], { cwd: app, env, stdin: '\n' });
  assert.equal(nothingTyped.code, 2);
  assert.match(nothingTyped.stderr, /No value typed for DB_PASSWORD/);
});

test("run against the example's made-up digest says it is neither local nor in the registry, and how to fix it", async () => {
  const run = await runProdlike(['run', 'prod', '--env-file', 'secrets.env', '--network', 'none', '--name', `${name}-pinned`], { cwd: app, env });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /The image production pins, 127\.0\.0\.1:5055\/examples\/clean-app:0a1b2c3@sha256:3b0f6bd7\w+, is neither on this engine nor in its registry 127\.0\.0\.1:5055/);
  assert.match(run.stderr, /prodlike push --build/);
  assert.match(run.stderr, /--image <reference>/);
});
