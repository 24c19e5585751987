import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadProjectConfig, parseConfigText, resolveEnvironment } from '../../../src/core/config';
import { projectConfigJsonSchema } from '../../../src/core/config/json-schema';
import { ProdlikeError } from '../../../src/core/errors';

async function workspace(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'prodlike-config-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e.problems;
  }
  assert.fail('expected the configuration to be refused');
}

test('a folder without prodlike.yaml gets the defaults: Dockerfile at the root, local = swarm', async () => {
  const dir = await workspace({ 'k8s/app.yaml': 'kind: Deployment\n', 'Dockerfile': 'FROM scratch\n' });
  try {
    const c = await loadProjectConfig(dir);
    assert.equal(c.file, undefined);
    assert.equal(c.build.context, dir);
    assert.equal(c.build.dockerfile, 'Dockerfile');
    assert.deepEqual(c.manifests, [join(dir, 'k8s')]);
    assert.equal(c.defaultEnvironment, 'local');
    assert.deepEqual(resolveEnvironment(c), { name: 'local', orchestrator: 'swarm', protected: false, autoRollback: true });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('manifests default to deploy/ as well, and only folders that exist', async () => {
  const dir = await workspace({ 'deploy/prod.yaml': 'kind: Service\n' });
  try {
    assert.deepEqual((await loadProjectConfig(dir)).manifests, [join(dir, 'deploy')]);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('named environments: kubernetes when a context is given, protected and autoRollback read', async () => {
  const dir = await workspace({
    'prodlike.yaml': `image: 127.0.0.1:5000/team/app
build:
  context: app
  dockerfile: build/Dockerfile
  args: { NODE_ENV: production, WORKERS: 4 }
manifests: [ops/k8s]
defaultEnvironment: staging
environments:
  staging:
    context: kind-staging
    namespace: shop
    workload: web
  prod:
    context: prod-eu
    protected: true
    autoRollback: true
  local:
    workload: web
    update: { order: start-first, monitor: 5s }
`,
  });
  try {
    const c = await loadProjectConfig(dir);
    assert.equal(c.file, join(dir, 'prodlike.yaml'));
    assert.equal(c.image, '127.0.0.1:5000/team/app');
    assert.equal(c.build.context, join(dir, 'app'));
    assert.equal(c.build.dockerfile, 'build/Dockerfile');
    assert.deepEqual(c.build.args, { NODE_ENV: 'production', WORKERS: '4' });
    assert.deepEqual(c.manifests, [join(dir, 'ops/k8s')]);
    assert.equal(resolveEnvironment(c).name, 'staging');
    assert.equal(resolveEnvironment(c).orchestrator, 'kubernetes');
    assert.equal(resolveEnvironment(c, 'prod').protected, true);
    assert.equal(resolveEnvironment(c, 'prod').autoRollback, true);
    assert.equal(resolveEnvironment(c, 'local').orchestrator, 'swarm');
    assert.deepEqual(resolveEnvironment(c, 'local').update, { order: 'start-first', monitor: '5s' });
    assert.throws(() => resolveEnvironment(c, 'qa'), (e: unknown) => e instanceof ProdlikeError && /No environment "qa"/.test(e.message) && /staging, prod, local/.test(e.fix ?? ''));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('an unknown key is reported with its line and column and the nearest expected key', () => {
  const problems = problemsOf(() => parseConfigText('environments:\n  prod:\n    context: p\n    protectd: true\n', '/w/prodlike.yaml'));
  assert.equal(problems.length, 1);
  assert.deepEqual({ ...problems[0], message: undefined }, { file: '/w/prodlike.yaml', line: 4, column: 5, path: 'environments.prod.protectd', message: undefined });
  assert.match(problems[0]!.message, /unknown key "protectd" \(did you mean "protected"\?\); expected one of: .*protected/);
});

test('a wrong type says what was expected, at the value', () => {
  const problems = problemsOf(() => parseConfigText('environments:\n  prod:\n    protected: yes please\n'));
  assert.equal(problems[0]!.line, 3);
  assert.equal(problems[0]!.column, 16);
  assert.equal(problems[0]!.message, 'expected boolean');
});

test('every problem is reported at once, not only the first', () => {
  const problems = problemsOf(() => parseConfigText('image: Reg/App:latest\nbuild:\n  dockerfil: x\nenvironments:\n  Prod: {}\n'));
  assert.deepEqual(problems.map((p) => [p.path, p.line]), [['image', 1], ['build.dockerfil', 3], ['environments.Prod', 5]]);
  assert.match(problems[0]!.message, /image repository without tag/);
  assert.match(problems[2]!.message, /invalid name "Prod"/);
});

test('broken YAML gives the parser position', () => {
  const problems = problemsOf(() => parseConfigText('build:\n  context: [\n'));
  assert.equal(problems[0]!.path, '');
  assert.match(problems[0]!.message, /^YAML: /);
  assert.ok(problems[0]!.line >= 2);
});

test('duplicate keys are refused, not silently merged', () => {
  const problems = problemsOf(() => parseConfigText('image: a/b\nimage: c/d\n'));
  assert.match(problems[0]!.message, /YAML: .*[Uu]nique/);
});

test('an alias bomb is refused rather than expanded', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) lines.push(`${'b'.repeat(i)}: &${'a'.repeat(i + 1)} [${Array(10).fill('*' + 'a'.repeat(i)).join(', ')}]`);
  const problems = problemsOf(() => parseConfigText(lines.join('\n') + '\n'));
  assert.match(problems[0]!.message, /YAML: .*[Ee]xcessive alias count/);
});

test('a defaultEnvironment that names no environment is an error that names the choices', async () => {
  const dir = await workspace({ 'prodlike.yaml': 'defaultEnvironment: prod\nenvironments:\n  staging: {}\n' });
  try {
    await assert.rejects(loadProjectConfig(dir), /defaultEnvironment "prod" is not one of the environments \(staging\)/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('the committed JSON Schema is the one generated from the zod schema (npm run schema)', async () => {
  const committed = JSON.parse(await readFile(join(__dirname, '../../../schema/prodlike.schema.json'), 'utf8'));
  assert.deepEqual(committed, projectConfigJsonSchema());
  assert.equal(committed.additionalProperties, false, 'unknown keys must be flagged by editors too');
});
