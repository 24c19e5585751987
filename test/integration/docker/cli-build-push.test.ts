// `prodlike build` and `prodlike push` as a user runs them, on a copy of examples/clean-app.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { testInfra, uniqueName } from '../../support/infra';
import { removeImages, testEngine } from './helpers';

const infra = testInfra();
const engine = testEngine();
const repo = `${infra.registry}/prodlike-it/${uniqueName('cli')}`;
const images: string[] = [];
let app = '';
let env: NodeJS.ProcessEnv = {};
let sha = '';

function git(...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

before(() => {
  app = mkdtempSync(join(tmpdir(), 'prodlike-clean-app-'));
  cpSync(join(__dirname, '../../../examples/clean-app'), app, { recursive: true });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'clean-app');
  sha = git('rev-parse', '--short=12', 'HEAD');
  const dockerConfig = mkdtempSync(join(tmpdir(), 'prodlike-cli-docker-config-'));
  writeFileSync(join(dockerConfig, 'config.json'), '{}');
  env = { ...process.env, DOCKER_HOST: infra.dockerHost, DOCKER_CONFIG: dockerConfig };
});
after(async () => {
  await removeImages(engine, images);
  rmSync(app, { recursive: true, force: true });
  if (env.DOCKER_CONFIG) rmSync(env.DOCKER_CONFIG, { recursive: true, force: true });
});

test('build prints the immutable reference; push prints it pinned to the registry digest', async () => {
  const built = await runProdlike(['build', '--image', repo], { cwd: app, env });
  images.push(`${repo}:${sha}`);
  assert.equal(built.code, 0, built.stderr);
  assert.equal(built.stdout.trim(), `${repo}:${sha}`);
  assert.match(built.stderr, /step 1\/\d+ FROM scratch/);
  assert.match(built.stderr, /built sha256:[0-9a-f]{64}/);

  const pushed = await runProdlike(['push', '--image', repo], { cwd: app, env });
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.match(pushed.stdout.trim(), new RegExp(`^${repo.replace(/[.]/g, '\\.')}:${sha}@sha256:[0-9a-f]{64}$`));
  assert.match(pushed.stderr, /pushed sha256:/);

  const json = await runProdlike(['--json', 'push', '--image', repo], { cwd: app, env });
  const doc = JSON.parse(json.stdout) as { pinned: string; digest: string; imageId: string };
  assert.equal(doc.pinned, pushed.stdout.trim());
  assert.match(doc.imageId, /^sha256:/);
});

test('uncommitted changes give a -dirty- tag; latest is refused', async () => {
  writeFileSync(join(app, 'app/www/index.html'), '<h1>changed</h1>\n');
  try {
    const built = await runProdlike(['build', '--image', repo], { cwd: app, env });
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stdout.trim(), new RegExp(`:${sha}-dirty-[0-9a-f]{12}$`));
    images.push(built.stdout.trim());
    assert.match(built.stderr, /uncommitted changes/);
  } finally {
    git('checkout', '--', 'app/www/index.html');
  }
  const latest = await runProdlike(['build', '--image', repo, '--tag', 'latest'], { cwd: app, env });
  assert.equal(latest.code, 2);
  assert.match(latest.stderr, /error: The tag "latest" moves/);
});

test('bad input: missing Dockerfile, syntax error, unreachable engine, auth failure — each with a fix and a non-zero exit', async () => {
  const missing = await runProdlike(['build', '--image', repo, '--file', 'Nope.Dockerfile'], { cwd: app, env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /error: No Dockerfile at .*Nope\.Dockerfile/);
  assert.match(missing.stderr, /fix: /);

  writeFileSync(join(app, 'Broken.Dockerfile'), 'FROM scratch\nCOPY bin/busybox /bin/busybox\nRUNN echo\n');
  const broken = await runProdlike(['build', '--image', repo, '--file', 'Broken.Dockerfile', '--tag', 'broken'], { cwd: app, env });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /error: Broken\.Dockerfile:3: unknown instruction RUNN/);

  const nowhere = await runProdlike(['build', '--image', repo, '--engine', 'unix:///nonexistent/docker.sock'], { cwd: app, env });
  assert.equal(nowhere.code, 2);
  assert.match(nowhere.stderr, /error: Cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock/);

  const authRepo = `${infra.authRegistry}/prodlike-it/${uniqueName('cli')}`;
  const b = await runProdlike(['build', '--image', authRepo], { cwd: app, env });
  images.push(b.stdout.trim());
  const denied = await runProdlike(['push', '--image', authRepo], { cwd: app, env });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /needs a login/);
  assert.match(denied.stderr, new RegExp(`fix:.*docker login ${infra.authRegistry.replace(/[.]/g, '\\.')}`));
});
