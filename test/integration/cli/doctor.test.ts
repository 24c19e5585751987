import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { testInfra } from '../../support/infra';

const examples = join(__dirname, '../../../examples');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'prodlike-doctor-'));
}

test('doctor with the engine, the registry and a valid prodlike.yaml: ready, exit 0', async () => {
  const infra = testInfra();
  const dir = await tempDir();
  try {
    await cp(join(examples, 'clean-app'), dir, { recursive: true });
    await writeFile(join(dir, 'prodlike.yaml'), `image: ${infra.registry}/examples/clean-app\nenvironments:\n  local:\n    workload: clean-app\n`);
    await mkdir(join(dir, '.git'));
    const r = await runProdlike(['doctor', dir], { env: { DOCKER_HOST: infra.dockerHost, HOME: dir } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`✓ Docker engine\\n    endpoint ${infra.dockerHost.replace(/[/.]/g, '\\$&')} \\(from DOCKER_HOST\\)`));
    assert.match(r.stdout, /Docker Engine \d+\.\d+.*\(API 1\.\d+/);
    assert.match(r.stdout, /swarm: active, this engine is a manager/);
    assert.match(r.stdout, new RegExp(`✓ Registry\\n    http://${infra.registry}/v2/ answers`));
    assert.match(r.stdout, /✓ Environment\n {4}local \(default of 1: local\)\n {4}swarm on the local engine\n {4}workload clean-app/);
    assert.match(r.stdout, /Ready to build and deploy\./);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('doctor with the engine down: exit 2, the endpoint it tried and how to fix it', async () => {
  const dir = await tempDir();
  try {
    const sock = join(dir, 'no-engine.sock');
    const r = await runProdlike(['doctor', dir], { env: { DOCKER_HOST: `unix://${sock}`, HOME: dir } });
    assert.equal(r.code, 2);
    assert.match(r.stdout, new RegExp(`✗ Docker engine\\n    endpoint unix://${sock.replace(/[/.]/g, '\\$&')} \\(from DOCKER_HOST\\)\\n    Cannot reach the Docker engine`));
    assert.match(r.stdout, /fix: Check that an engine listens at unix:\/\/.*or unset DOCKER_HOST/);
    assert.match(r.stdout, /Not ready: fix the errors above\./);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('doctor reports an unreachable registry with a fix, and --json carries the same report', async () => {
  const infra = testInfra();
  const dir = await tempDir();
  try {
    // Port 9 (discard) on loopback: nothing listens there.
    await writeFile(join(dir, 'prodlike.yaml'), 'image: 127.0.0.1:9/team/app\n');
    const r = await runProdlike(['--json', 'doctor', dir], { env: { DOCKER_HOST: infra.dockerHost, HOME: dir } });
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout);
    const registry = report.checks.find((c: { id: string }) => c.id === 'registry');
    assert.equal(registry.status, 'error');
    assert.match(registry.details[0], /^http:\/\/127\.0\.0\.1:9\/v2\/: .*ECONNREFUSED/);
    assert.match(registry.fix, /Start the registry on 127\.0\.0\.1:9/);
    assert.equal(report.ready, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('doctor lists kubeconfig contexts merged as kubectl merges KUBECONFIG (first current-context wins)', async () => {
  const infra = testInfra();
  const dir = await tempDir();
  try {
    const kc = (current: string, name: string, server: string) =>
      `apiVersion: v1\nkind: Config\ncurrent-context: ${current}\nclusters:\n- name: ${name}\n  cluster: { server: '${server}' }\nusers:\n- name: ${name}\n  user: { token: secret-token-${name} }\ncontexts:\n- name: ${name}\n  context: { cluster: ${name}, user: ${name}, namespace: shop }\n`;
    await writeFile(join(dir, 'a.yaml'), kc('staging', 'staging', 'https://staging.example:6443'));
    await writeFile(join(dir, 'b.yaml'), kc('prod', 'prod', 'https://prod.example:6443'));
    const r = await runProdlike(['doctor', dir], {
      env: { DOCKER_HOST: infra.dockerHost, HOME: dir, KUBECONFIG: [join(dir, 'a.yaml'), join(dir, 'missing.yaml'), join(dir, 'b.yaml')].join(':') },
    });
    assert.match(r.stdout, /✓ Kubernetes contexts\n {4}read .*a\.yaml, .*b\.yaml\n {4}\* staging → https:\/\/staging\.example:6443 \(namespace shop\)\n {6}prod → https:\/\/prod\.example:6443/);
    assert.doesNotMatch(r.stdout + r.stderr, /secret-token/, 'tokens are never printed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('doctor reports a broken prodlike.yaml with file, line and column', async () => {
  const infra = testInfra();
  const dir = await tempDir();
  try {
    await writeFile(join(dir, 'prodlike.yaml'), 'environments:\n  prod:\n    protectd: true\n');
    const r = await runProdlike(['doctor', dir], { env: { DOCKER_HOST: infra.dockerHost, HOME: dir } });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /✗ prodlike\.yaml\n {4}.*prodlike\.yaml:3:5: environments\.prod\.protectd: unknown key "protectd" \(did you mean "protected"\?\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
