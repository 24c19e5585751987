// `prodlike check --image REF --environment NAME…` as a user runs it: the local image against what
// really runs, on the test swarm (a service created here from a pushed image) and on the
// Kubernetes API test server. A different image is reported with both digests, at the
// environment's entry in prodlike.yaml; the same image is not.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { testInfra } from '../../support/infra';
import { deployment, startKubeServer, type KubeServer } from '../../kube-server/index';
import { createService, docker, pushVariant, versionScript, type TestService } from '../swarm/fixtures';

interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  message: string;
  data?: Record<string, string>;
}

/** The registry digest of a pushed local image (`sha256:…`). */
function repoDigest(ref: string): string {
  const digests = JSON.parse(docker('image', 'inspect', '--format', '{{json .RepoDigests}}', ref)) as string[];
  const repository = ref.slice(0, ref.lastIndexOf(':'));
  const d = digests.find((x) => x.startsWith(`${repository}@`));
  assert.ok(d, `${ref} was pushed`);
  return d.slice(d.indexOf('@') + 1);
}

const images: string[] = [];
after(() => {
  for (const i of images) docker('image', 'rm', '--force', i);
});

describe('image identity against the real swarm', () => {
  let dir: string;
  let svc: TestService;
  let v1: string;
  let v2: string;

  before(() => {
    const infra = testInfra();
    v1 = pushVariant('v1', versionScript('v1'));
    v2 = pushVariant('v2', versionScript('v2'));
    images.push(v1, v2);
    svc = createService(v1, { prefix: 'parity-identity' });
    dir = mkdtempSync(join(tmpdir(), 'prodlike-parity-identity-'));
    writeFileSync(
      join(dir, 'prodlike.yaml'),
      ['environments:', '  local:', '    orchestrator: swarm', `    engine: ${infra.dockerHost}`, `    workload: ${svc.name}`, ''].join('\n'),
    );
  });
  after(() => {
    svc?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, DOCKER_HOST: testInfra().dockerHost });

  it('the image the service runs: no finding, exit 0', async () => {
    const r = await runProdlike(['check', '--json', '--image', v1, '--environment', 'local'], { cwd: dir, env: env() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings, []);
  });

  it('another image: image-drift with both digests, at the environment in prodlike.yaml, exit 1', async () => {
    const r = await runProdlike(['check', '--json', '--image', v2, '--environment', 'local'], { cwd: dir, env: env() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
    assert.deepEqual(findings.map((f) => [f.ruleId, f.file, f.line]), [['image-drift', 'prodlike.yaml', 2]]);
    assert.equal(findings[0]!.message, `${v2} (${repoDigest(v2)}) is not the image running in local (${repoDigest(v1)}).`);
    assert.deepEqual(findings[0]!.data, { environment: 'local', localDigest: repoDigest(v2), runningDigest: repoDigest(v1) });

    const text = await runProdlike(['check', '--image', v2], { cwd: dir, env: env() });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /prodlike\.yaml\n {2}2:3 {2}error {2}.* is not the image running in local \(sha256:[0-9a-f]{64}\)\. {2}image-drift/);
  });

  it('a local image the engine does not have is a usage error (exit 2)', async () => {
    const r = await runProdlike(['check', '--image', `${v1}-missing`, '--environment', 'local'], { cwd: dir, env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /No local image .*-missing/);
  });
});

describe('image identity against the Kubernetes API test server', () => {
  let server: KubeServer;
  let dir: string;
  let local: string;

  before(async () => {
    local = pushVariant('k1', versionScript('k1'));
    images.push(local);
    const repository = local.slice(0, local.lastIndexOf(':'));
    server = await startKubeServer({ readyDelayMs: 10 });
    server.apply(deployment({ name: 'web', image: `${repository}@${repoDigest(local)}`, replicas: 1 }));
    server.apply(deployment({ name: 'api', image: `${repository}:k0@sha256:${'e'.repeat(64)}`, replicas: 2 }));
    // Only a tag, and pods whose imageID is no sha256 digest (the test server makes them up): nothing to compare.
    server.apply(deployment({ name: 'worker', image: 'registry.example/worker:2', replicas: 1 }));
    await server.settle();
    dir = mkdtempSync(join(tmpdir(), 'prodlike-parity-identity-kube-'));
    writeFileSync(
      join(dir, 'prodlike.yaml'),
      [
        'environments:',
        '  prod:',
        '    context: test',
        '    workload: web',
        '  staging:',
        '    context: test',
        '    workload: api',
        '  canary:',
        '    context: test',
        '    workload: worker',
        '  preview:',
        '    context: test',
        '    workload: not-deployed',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({ ...process.env, DOCKER_HOST: testInfra().dockerHost, KUBECONFIG: server.kubeconfigPath });

  it('reports the environment that runs another image, with both digests; notes those it cannot compare', async () => {
    const r = await runProdlike(['check', '--json', '--image', local, '--environment', 'prod', '--environment', 'staging', '--environment', 'canary', '--environment', 'preview', '.'], { cwd: dir, env: env() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const findings = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
    assert.deepEqual(findings.map((f) => [f.ruleId, f.file, f.line, f.data?.environment]), [['image-drift', 'prodlike.yaml', 5, 'staging']]);
    assert.equal(findings[0]!.message, `${local} (${repoDigest(local)}) is not the image running in staging (sha256:${'e'.repeat(64)}).`);
    assert.deepEqual(r.stderr.trim().split('\n'), [
      'worker in canary runs registry.example/worker:2, whose digest neither its spec nor its running pods tell.',
      'not-deployed is not deployed in preview; nothing to compare.',
    ]);
  });

  it('with only --image, every environment that names a workload is compared', async () => {
    const r = await runProdlike(['check', '--json', '--image', local], { cwd: dir, env: env() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.data?.environment), ['staging']);
  });

  it('an unreachable cluster is an environment error (exit 2), not a silent pass', async () => {
    const stopped = await startKubeServer({ readyDelayMs: 10 });
    const copy = join(dir, 'kubeconfig-stopped.yaml');
    writeFileSync(copy, stopped.kubeconfig);
    await stopped.close();
    const r = await runProdlike(['check', '--image', local, '--environment', 'prod'], { cwd: dir, env: { ...env(), KUBECONFIG: copy } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /"findings"/);
  });
});
