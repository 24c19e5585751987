// Deploy, watch, swarm's own rollback of a failed deploy, and rollback to an older revision, on the real swarm.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutEvent } from '../../../src/core/cluster/types';
import { ProdlikeError } from '../../../src/core/errors';
import { brokenScript, createService, docker, pushVariant, testCluster, versionScript, type TestService } from './fixtures';

async function watch(events: AsyncIterable<RolloutEvent>): Promise<RolloutEvent[]> {
  const seen: RolloutEvent[] = [];
  for await (const e of events) seen.push(e);
  return seen;
}

describe('swarm: deploy and rollback', () => {
  let v1: string, v2: string, v3: string, broken: string;
  let svc: TestService;
  const cluster = testCluster();

  before(() => {
    v1 = pushVariant('v1', versionScript('v1'));
    v2 = pushVariant('v2', versionScript('v2'));
    v3 = pushVariant('v3', versionScript('v3'));
    broken = pushVariant('broken', brokenScript);
    svc = createService(v1, { replicas: 2, prefix: 'deploy' });
  });
  after(() => {
    svc?.remove();
    cluster.dispose();
  });

  it('plans a deploy as data: from, to (pinned by digest), cause, update config', async () => {
    const plan = await cluster.planDeploy({ namespace: 'default', name: svc.name }, v2, 'test: plan');
    assert.match(plan.toImage, new RegExp(`^${v2.replace(/[.]/g, '\\.')}@sha256:[a-f0-9]{64}$`));
    assert.equal(plan.cluster.orchestrator, 'swarm');
    const spec = (plan.patch as { spec: { UpdateConfig: { FailureAction: string; Order: string; Monitor: number } } }).spec;
    assert.equal(spec.UpdateConfig.FailureAction, 'rollback');
    // Host network: the new task would bind the same ports as the old one, so stop-first.
    assert.equal(spec.UpdateConfig.Order, 'stop-first');
    assert.equal(spec.UpdateConfig.Monitor, 1e9);
  });

  it('deploys v2 and reports the rollout complete with every task on the new digest', async () => {
    const plan = await cluster.planDeploy({ namespace: 'default', name: svc.name }, v2, 'ship v2');
    await cluster.deploy(plan);
    const events = await watch(cluster.rolloutStatus(plan.workload, { timeoutMs: 120_000 }));
    assert.equal(events.at(-1)?.type, 'complete', JSON.stringify(events));
    const w = await cluster.getWorkload(plan.workload);
    assert.equal(w.image, plan.toImage);
    assert.equal(w.updated, 2);
    assert.equal(w.state, 'complete');
    assert.equal(w.labels['dev.prodlike.change-cause'], 'ship v2');
    const pods = await cluster.pods(plan.workload);
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.containers[0]!.image === plan.toImage && p.ready));
    const history = await cluster.history(plan.workload);
    assert.deepEqual(history.map((r) => [r.number, r.current, r.cause]), [[1, false, 'before the first prodlike deploy'], [2, true, 'ship v2']]);
  });

  it('a deploy that does not start is rolled back by swarm itself, with the failing task\'s error', async () => {
    const plan = await cluster.planDeploy({ namespace: 'default', name: svc.name }, broken, 'ship broken');
    await cluster.deploy(plan);
    const events = await watch(cluster.rolloutStatus(plan.workload, { timeoutMs: 180_000 }));
    const last = events.at(-1)!;
    assert.equal(last.type, 'rolled-back', JSON.stringify(events));
    assert.match(last.message, /non-zero exit \(1\)/);
    assert.ok(events.some((e) => e.type === 'warning' && /non-zero exit/.test(e.message)));
    const w = await cluster.getWorkload(plan.workload);
    assert.match(w.image, /:v2@sha256:/);
    assert.equal(w.state, 'rolled-back');
    // The failed revision stays in the history (as in Kubernetes); v2 is current again.
    const history = await cluster.history(plan.workload);
    assert.deepEqual(history.map((r) => [r.number, r.current]), [[1, false], [2, true], [3, false]]);
  });

  it('rolls back to a revision older than the previous one, as a new revision', async () => {
    const ref = { namespace: 'default', name: svc.name };
    await cluster.deploy(await cluster.planDeploy(ref, v3, 'ship v3'));
    assert.equal((await watch(cluster.rolloutStatus(ref))).at(-1)?.type, 'complete');
    const plan = await cluster.planRollback(ref, 1);
    assert.equal(plan.toRevision, 1);
    assert.equal(plan.fromRevision, 4);
    assert.equal(plan.skipped, false);
    assert.match(plan.toImage, /:v1@sha256:/);
    await cluster.rollback(plan);
    assert.equal((await watch(cluster.rolloutStatus(ref))).at(-1)?.type, 'complete');
    const w = await cluster.getWorkload(ref);
    assert.match(w.image, /:v1@sha256:/);
    assert.equal(w.revision, 5);
    const history = await cluster.history(ref);
    assert.deepEqual(history.at(-1), { ...history.at(-1), number: 5, current: true, cause: 'rollback to revision 1' });
    // What the engine runs agrees (docker CLI as the oracle).
    assert.match(docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', svc.name), /:v1@sha256:/);
  });

  it('rolls back to the previous revision with swarm\'s own rollback, and again to the one before', async () => {
    const ref = { namespace: 'default', name: svc.name };
    const plan = await cluster.planRollback(ref);
    assert.equal(plan.toRevision, 4);
    assert.equal((plan.patch as { mechanism: string }).mechanism, 'swarm-rollback');
    await cluster.rollback(plan);
    assert.equal((await watch(cluster.rolloutStatus(ref))).at(-1)?.type, 'complete');
    assert.match((await cluster.getWorkload(ref)).image, /:v3@sha256:/);
    // Previous is now revision 5 (v1), found in prodlike's history: swarm forgot it.
    const again = await cluster.planRollback(ref);
    assert.equal(again.toRevision, 5);
    assert.match(again.toImage, /:v1@sha256:/);
  });

  it('skips a rollback to the revision that already runs, and refuses an unknown one', async () => {
    const ref = { namespace: 'default', name: svc.name };
    const current = (await cluster.history(ref)).find((r) => r.current)!;
    const same = (await cluster.history(ref)).find((r) => r.image === current.image && !r.current)!;
    const plan = await cluster.planRollback(ref, same.number);
    assert.equal(plan.skipped, true);
    await assert.rejects(cluster.planRollback(ref, 99), (e: ProdlikeError) => e.code === 'rollback-refused' && /unable to find revision 99/i.test(e.message));
  });

  it('refuses an image the registry does not have, naming the fix', async () => {
    await assert.rejects(
      cluster.planDeploy({ namespace: 'default', name: svc.name }, `${v1.split(':').slice(0, -1).join(':')}:never-pushed`, 'x'),
      (e: ProdlikeError) => e.code === 'deploy-failed' && /Cannot pin/.test(e.message) && /push/i.test(e.fix ?? ''),
    );
  });
});
