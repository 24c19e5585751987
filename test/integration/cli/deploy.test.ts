// `prodlike deploy`, `status`, `history` and `local init` on the real swarm, as a user runs them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { testInfra } from '../../support/infra';
import { createService, docker, pushVariant, versionScript, brokenScript, type TestService } from '../swarm/fixtures';

describe('prodlike deploy / status / history', () => {
  let dir: string;
  let svc: TestService;
  let v1: string, v2: string, broken: string;

  before(() => {
    const infra = testInfra();
    v1 = pushVariant('v1', versionScript('v1'));
    v2 = pushVariant('v2', versionScript('v2'));
    broken = pushVariant('broken', brokenScript);
    svc = createService(v1, { replicas: 2, prefix: 'cli-deploy' });
    dir = mkdtempSync(join(tmpdir(), 'prodlike-cli-deploy-'));
    writeFileSync(
      join(dir, 'prodlike.yaml'),
      [
        'environments:',
        '  local:',
        '    orchestrator: swarm',
        `    engine: ${infra.dockerHost}`,
        `    workload: ${svc.name}`,
        '    update: { monitor: 1s }',
        '  bare:',
        '    orchestrator: swarm',
        `    engine: ${infra.dockerHost}`,
        '',
      ].join('\n'),
    );
  });
  after(() => {
    svc?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows where it deploys and the plan, then watches the rollout to completion', async () => {
    const r = await runProdlike(['deploy', v2, 'local', '--cause', 'ship v2'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Deploying to local/);
    assert.match(r.stdout, new RegExp(`server\\s+${testInfra().dockerHost}`));
    assert.match(r.stdout, new RegExp(`workload\\s+${svc.name}`));
    assert.match(r.stdout, /to\s+\S+:v2@sha256:[a-f0-9]{64}/);
    assert.match(r.stdout, /rollout complete/);
    assert.match(docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', svc.name), /:v2@sha256:/);
  });

  it('exits 1 and says so when swarm rolls a broken deploy back (JSON)', async () => {
    const r = await runProdlike(['--json', 'deploy', broken, 'local'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout) as { result: string; environment: string; plan: { toImage: string }; workload: { image: string }; events: { type: string }[] };
    assert.equal(doc.result, 'rolled-back');
    assert.equal(doc.environment, 'local');
    assert.match(doc.plan.toImage, /:broken@sha256:/);
    assert.match(doc.workload.image, /:v2@sha256:/);
    assert.ok(!r.stdout.includes('"patch"'), 'the raw request (which may hold env values) is not printed');
  });

  it('status shows the revision, the image and every task', async () => {
    const r = await runProdlike(['status', 'local'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /state\s+rolled-back/);
    assert.match(r.stdout, /revision\s+2/);
    assert.match(r.stdout, /tasks\s+2\/2 running/);
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith(`${svc.name}.`)).length, 2);
    const j = await runProdlike(['--json', 'status', 'local'], { cwd: dir });
    const doc = JSON.parse(j.stdout) as { workload: { name: string; desired: number }; pods: unknown[] };
    assert.equal(doc.workload.name, svc.name);
    assert.equal(doc.pods.length, 2);
  });

  it('status of an environment without a workload lists the services; history there says how to name one', async () => {
    const r = await runProdlike(['--json', 'status', 'bare'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { workloads: { name: string }[] };
    assert.ok(doc.workloads.some((w) => w.name === svc.name));
    const h = await runProdlike(['history', 'bare'], { cwd: dir });
    assert.equal(h.code, 2);
    assert.match(h.stderr, /names no workload/);
    assert.match(h.stderr, /--workload/);
  });

  it('history lists every revision with its cause, the current one marked', async () => {
    const r = await runProdlike(['history', 'local'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => /^[* ] \d/.test(l));
    assert.equal(rows.length, 3);
    assert.match(rows[1]!, /^\* 2 .*:v2@sha256:.*ship v2$/);
    assert.match(rows[2]!, /^ {2}3 .*:broken@/);
    const j = await runProdlike(['--json', 'history', 'local', '--workload', svc.name], { cwd: dir });
    const doc = JSON.parse(j.stdout) as { revisions: { number: number; current: boolean }[] };
    assert.deepEqual(doc.revisions.map((x) => x.number), [1, 2, 3]);
  });

  it('local init does nothing to an engine that already is a swarm manager', async () => {
    const r = await runProdlike(['local', 'init', '--engine', testInfra().dockerHost], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /already a swarm manager/);
  });
});
