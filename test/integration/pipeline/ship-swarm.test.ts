// `prodlike ship` and the pipeline on the real swarm: examples/clean-app built, pushed to the test
// registry and rolled out to a 2-replica service; a broken version that swarm rolls back by itself;
// a cancel in the middle of a rollout; a protected environment without its name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runProdlike } from '../../support/cli';
import { testInfra } from '../../support/infra';
import { docker, eventually } from '../swarm/fixtures';
import { openTarget } from '../../../src/core/cluster/open';
import { openEngine } from '../../../src/core/docker/engine';
import { ship, type PipelineEvent, type ShipReport } from '../../../src/core/pipeline';
import { appRepo, appService, type AppRepo, type AppService } from './support';

describe('ship to the real swarm', () => {
  let repo: AppRepo;
  let svc: AppService;

  before(() => {
    const infra = testInfra();
    repo = appRepo('');
    // The service runs a first version before prodlike ships anything.
    const v0 = `${repo.repository}:v0`;
    docker('build', '-q', '-t', v0, repo.dir);
    docker('push', '-q', v0);
    svc = appService(v0);
    repo.configure(
      [
      'environments:',
      '  local:',
      '    orchestrator: swarm',
      `    engine: ${infra.dockerHost}`,
      `    workload: ${svc.name}`,
      '    autoRollback: true',
      '    update: { monitor: 1s }',
      '  guarded:',
      '    orchestrator: swarm',
      `    engine: ${infra.dockerHost}`,
      `    workload: ${svc.name}`,
      '    protected: true',
      '',
      ].join('\n'),
    );
  });
  after(() => {
    svc?.remove();
    repo?.remove();
  });

  it('ships: build, push, deploy the pinned digest, rollout complete on both replicas', async () => {
    repo.version('v1');
    const r = await runProdlike(['ship', 'local'], { cwd: repo.dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Shipping to local/);
    assert.match(r.stdout, new RegExp(`server\\s+${testInfra().dockerHost}`));
    assert.match(r.stdout, /build\s+✓ built \S+:[0-9a-f]{12}-dirty-[0-9a-f]{12}/);
    assert.match(r.stdout, /push\s+✓ pushed \S+@sha256:[0-9a-f]{64}/);
    assert.match(r.stdout, /rollout complete/);
    assert.match(r.stdout, /✓ shipped: .* runs \S+@sha256:[0-9a-f]{64} \(revision \d+\)/);
    assert.match(r.stderr, /pushed sha256:/, 'push progress is shown as `prodlike push` shows it');
    const pinned = /✓ pushed (\S+)/.exec(r.stdout)![1]!;
    assert.equal(svc.image(), pinned);
    const running = docker('service', 'ps', '--filter', 'desired-state=running', '--format', '{{.CurrentState}} {{.Image}}', svc.name).split('\n');
    assert.equal(running.length, 2);
    for (const line of running) assert.match(line, /^Running/);
  });

  it('a version that cannot start: swarm rolls it back by itself and the report says so (JSON lines)', async () => {
    const before = svc.image();
    repo.breakIt();
    const r = await runProdlike(['--json', 'ship', 'local'], { cwd: repo.dir });
    assert.equal(r.code, 1, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as PipelineEvent);
    const report = (events.at(-1) as Extract<PipelineEvent, { type: 'report' }>).report;
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.rolledBack?.by, 'orchestrator');
    assert.match(report.message, /swarm rolled .* back by itself.*prodlike did not roll back again/);
    assert.ok(events.some((e) => e.type === 'rollout' && e.event.type === 'warning' && /DATABASE_URL|exit|failed/i.test(e.event.message)), 'the failing task is reported');
    assert.ok(!events.some((e) => e.type === 'stage' && e.stage === 'rollback' && e.state === 'started' && /prodlike/.test(e.message)), 'prodlike did not roll back a second time');
    await eventually(async () => (svc.image() === before ? true : undefined), 'the previous image back in the spec');
  });

  it('cancelled mid-rollout: the deploy stays applied and the rollout finishes on the cluster', async () => {
    repo.version('v3');
    const infra = testInfra();
    const target = await openTarget(repo.dir, 'local');
    const ac = new AbortController();
    let report: ShipReport;
    try {
      report = await ship({
        target,
        engine: openEngine({ url: infra.dockerHost, from: 'argument' }),
        signal: ac.signal,
        onEvent: (e) => e.type === 'rollout' && e.event.type === 'progress' && ac.abort(),
      });
    } finally {
      target.cluster.dispose();
    }
    assert.equal(report.outcome, 'cancelled');
    assert.deepEqual(report.cancelled, { stage: 'rollout', state: 'deploy-applied' });
    assert.match(report.message, /was applied and its rollout goes on in the cluster/);
    assert.equal(svc.image(), report.image?.pinned, 'the spec names the new image');
    await eventually(async () => {
      const images = docker('service', 'ps', '--filter', 'desired-state=running', '--format', '{{.CurrentState}} {{.Image}}', svc.name).split('\n');
      return images.length === 2 && images.every((l) => l.startsWith('Running') && l.includes(report.image!.tag)) ? true : undefined;
    }, 'both replicas on the new version without prodlike watching');
  });

  it('a protected environment is refused without its name, and nothing is deployed', async () => {
    const before = svc.image();
    repo.version('v4');
    const r = await runProdlike(['ship', 'guarded'], { cwd: repo.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"guarded" is a protected environment: confirm by typing its name/);
    assert.match(r.stdout, /confirm\s+✗/);
    assert.equal(svc.image(), before);
    const wrong = await runProdlike(['ship', 'guarded', '--yes=local'], { cwd: repo.dir });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /"local" is not "guarded": nothing was done/);
    assert.equal(svc.image(), before);
  });
});
