// The pipeline's stage logic without an engine: order of stages, what a cancel leaves behind,
// when prodlike rolls back and when it must not (the orchestrator already did), protected targets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judgeRollout, ship, undoneByOrchestrator, type PipelineEvent, type ShipOptions, type ShipTools } from '../../../src/core/pipeline';
import type { Cluster, DeployPlan, RollbackPlan, RolloutEvent, Workload, WorkloadRef } from '../../../src/core/cluster/types';
import type { Target } from '../../../src/core/cluster/open';
import type { Environment } from '../../../src/core/config/types';
import type { Engine } from '../../../src/core/docker/engine';
import { ProdlikeError } from '../../../src/core/errors';

const PINNED = 'registry.test/app:abc123@sha256:' + 'b'.repeat(64);
const OLD = 'registry.test/app:old@sha256:' + 'a'.repeat(64);

/** A cluster that records what was asked of it and replays scripted rollouts. */
class FakeCluster implements Partial<Cluster> {
  readonly identity = { orchestrator: 'kubernetes' as const, name: 'fake', server: 'https://fake' };
  calls: string[] = [];
  image = OLD;
  state: Workload['state'] = 'complete';
  rollouts: RolloutEvent[][] = [];
  /** Called before each rollout event is given (to cancel mid-rollout). */
  onRollout?: (e: RolloutEvent) => void;
  previous: string | undefined = OLD;

  async planDeploy(ref: WorkloadRef, imageRef: string, cause: string): Promise<DeployPlan> {
    this.calls.push('planDeploy');
    return { workload: ref, cluster: this.identity, container: 'app', fromImage: this.image, toImage: imageRef, cause, patch: {} };
  }
  async deploy(plan: DeployPlan, signal?: AbortSignal): Promise<Workload> {
    this.calls.push(`deploy${signal ? ' with signal' : ''}`);
    this.image = plan.toImage;
    return this.workload();
  }
  async *rolloutStatus(_ref: WorkloadRef, options: { signal?: AbortSignal } = {}): AsyncIterable<RolloutEvent> {
    this.calls.push('rolloutStatus');
    for (const e of this.rollouts.shift() ?? []) {
      this.onRollout?.(e);
      if (options.signal?.aborted) throw new Error('aborted');
      yield e;
    }
  }
  async getWorkload(): Promise<Workload> {
    return this.workload();
  }
  async planRollback(ref: WorkloadRef): Promise<RollbackPlan> {
    this.calls.push('planRollback');
    if (!this.previous) throw new ProdlikeError('rollback-refused', 'app has no previous revision to roll back to.');
    return { workload: ref, cluster: this.identity, fromRevision: 2, toRevision: 1, fromImage: this.image, toImage: this.previous, skipped: this.previous === this.image, warnings: [], patch: {} };
  }
  async rollback(plan: RollbackPlan): Promise<Workload> {
    this.calls.push('rollback');
    this.image = plan.toImage;
    return this.workload();
  }
  private workload(): Workload {
    return { kind: 'Deployment', namespace: 'default', name: 'app', desired: 2, ready: 2, updated: 2, available: 2, image: this.image, revision: 2, paused: false, conditions: [], state: this.state, labels: {} };
  }
}

const env = (o: Partial<Environment> = {}): Environment => ({ name: 'staging', orchestrator: 'kubernetes', workload: 'app', protected: false, autoRollback: true, ...o });

function fixture(o: { environment?: Partial<Environment>; rollouts?: RolloutEvent[][] } = {}) {
  const cluster = new FakeCluster();
  cluster.rollouts = o.rollouts ?? [[progress(1), progress(2), { type: 'complete', message: '2/2 updated' }]];
  const target = {
    config: { root: '/repo', image: 'registry.test/app', build: { context: '/repo', dockerfile: 'Dockerfile', args: {} }, manifests: [], environments: {}, defaultEnvironment: 'staging', rules: { disable: [] } },
    environment: env(o.environment),
    cluster: cluster as unknown as Cluster,
    namespace: 'default',
    workload: { namespace: 'default', name: 'app' },
  } as Target;
  const events: PipelineEvent[] = [];
  const calls = cluster.calls;
  const tools: ShipTools = {
    tag: async () => ({ tag: 'abc123', dirty: false }),
    build: (async (_e, req, opts) => {
      calls.push(`build ${req.tags[0]}`);
      opts?.onEvent?.({ type: 'built', imageId: 'sha256:img' });
      return { imageId: 'sha256:img', tags: req.tags, builder: 'classic', contextBytes: 1, plan: {} };
    }) as ShipTools['build'],
    push: (async (_e, reference) => {
      calls.push(`push ${reference}`);
      return { reference, digest: 'sha256:' + 'b'.repeat(64), pinned: PINNED };
    }) as ShipTools['push'],
  };
  const options: ShipOptions = { target, engine: {} as Engine, tools, onEvent: (e) => events.push(e) };
  return { cluster, events, options, calls };
}

const progress = (n: number): RolloutEvent => ({ type: 'progress', desired: 2, updated: n, ready: n, available: n, message: `${n}/2 updated` });
const stages = (events: PipelineEvent[]) => events.flatMap((e) => (e.type === 'stage' ? [`${e.stage}:${e.state}`] : []));

describe('ship pipeline', () => {
  it('runs build → push → plan → confirm → deploy → rollout in order and deploys the pinned digest', async () => {
    const { options, events, calls } = fixture();
    const report = await ship(options);
    assert.equal(report.outcome, 'complete');
    assert.deepEqual(stages(events), ['build:started', 'build:finished', 'push:started', 'push:finished', 'plan:started', 'plan:finished', 'confirm:skipped', 'deploy:started', 'deploy:finished', 'rollout:started', 'rollout:finished']);
    assert.deepEqual(calls, ['build registry.test/app:abc123', 'push registry.test/app:abc123', 'planDeploy', 'deploy', 'rolloutStatus']);
    assert.equal(report.plan?.toImage, PINNED);
    assert.equal(report.image?.digest, 'sha256:' + 'b'.repeat(64));
    assert.equal(events[0]?.type, 'target');
    assert.equal(events.at(-1)?.type, 'report');
    const rollout = events.filter((e) => e.type === 'rollout').map((e) => (e.type === 'rollout' && e.event.type === 'progress' ? `${e.event.updated}/${e.event.desired}` : ''));
    assert.deepEqual(rollout, ['1/2', '2/2', '']);
    assert.match(report.message, /app in staging runs .*@sha256:b{64} \(revision 2\)/);
  });

  it('a deploy request, once sent, is not cut short by the signal', async () => {
    const { options, calls } = fixture();
    await ship({ ...options, signal: new AbortController().signal });
    assert.ok(calls.includes('deploy'), 'deploy is sent without the signal');
  });

  it('cancelled before the deploy: nothing changed on the cluster', async () => {
    const { options, cluster, calls } = fixture();
    const ac = new AbortController();
    const report = await ship({ ...options, signal: ac.signal, onEvent: (e) => e.type === 'stage' && e.stage === 'plan' && e.state === 'finished' && ac.abort() });
    assert.equal(report.outcome, 'cancelled');
    assert.deepEqual(report.cancelled, { stage: 'deploy', state: 'nothing-changed' });
    assert.ok(!calls.includes('deploy'));
    assert.equal(cluster.image, OLD);
    assert.match(report.message, /nothing changed on staging/);
  });

  it('cancelled mid-rollout: the deploy stays applied, prodlike neither watches on nor rolls back', async () => {
    const { options, cluster, calls } = fixture();
    const ac = new AbortController();
    cluster.onRollout = (e) => e.type === 'progress' && e.updated === 2 && ac.abort();
    const report = await ship({ ...options, signal: ac.signal });
    assert.equal(report.outcome, 'cancelled');
    assert.deepEqual(report.cancelled, { stage: 'rollout', state: 'deploy-applied' });
    assert.equal(cluster.image, PINNED);
    assert.ok(!calls.includes('rollback'));
    assert.match(report.message, /was applied and its rollout goes on in the cluster/);
  });

  it('a failed rollout with autoRollback: prodlike rolls back to the previous revision and says so', async () => {
    const { options, cluster, calls, events } = fixture({ rollouts: [[progress(1), { type: 'failed', reason: 'ProgressDeadlineExceeded', message: 'app: 1 of 2 never ready' }], [{ type: 'complete', message: 'back' }]] });
    const report = await ship(options);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.rolledBack?.by, 'prodlike');
    assert.equal(report.rolledBack?.toRevision, 1);
    assert.equal(cluster.image, OLD);
    assert.deepEqual(calls.slice(-3), ['planRollback', 'rollback', 'rolloutStatus']);
    assert.deepEqual(stages(events).slice(-3), ['rollout:failed', 'rollback:started', 'rollback:finished']);
    assert.match(report.message, /prodlike rolled app back to revision 1 \(autoRollback\) after: app: 1 of 2 never ready/);
  });

  it('the orchestrator rolled back by itself: reported, not done twice', async () => {
    const { options, calls } = fixture({ rollouts: [[progress(1), { type: 'rolled-back', message: 'update rolled back: task exited' }]] });
    const report = await ship(options);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.rolledBack?.by, 'orchestrator');
    assert.ok(!calls.includes('planRollback') && !calls.includes('rollback'));
    assert.match(report.message, /rolled app in staging back by itself.*prodlike did not roll back again/);
  });

  it('a failure the orchestrator is already undoing is watched, not rolled back again', async () => {
    const { options, cluster, calls } = fixture({ rollouts: [[{ type: 'failed', reason: 'TaskFailed', message: 'x' }], [{ type: 'rolled-back', message: 'done' }]] });
    cluster.onRollout = (e) => {
      if (e.type === 'failed') {
        cluster.image = OLD; // the orchestrator swapped the spec back as it failed
        cluster.state = 'progressing';
      }
    };
    const report = await ship(options);
    assert.equal(report.outcome, 'rolled-back');
    assert.equal(report.rolledBack?.by, 'orchestrator');
    assert.ok(!calls.includes('rollback'));
  });

  it('without autoRollback a failed rollout is reported as failed and left alone', async () => {
    const { options, calls } = fixture({ environment: { autoRollback: false }, rollouts: [[{ type: 'failed', reason: 'ProgressDeadlineExceeded', message: 'stuck' }]] });
    const report = await ship(options);
    assert.equal(report.outcome, 'failed');
    assert.ok(!calls.includes('rollback'));
    assert.match(report.message, /autoRollback is off: nothing was rolled back/);
  });

  it('nothing to roll back to: failed, with the reason', async () => {
    const { options, cluster } = fixture({ rollouts: [[{ type: 'failed', reason: 'ProgressDeadlineExceeded', message: 'stuck' }]] });
    cluster.previous = undefined;
    const report = await ship(options);
    assert.equal(report.outcome, 'failed');
    assert.match(report.message, /Nothing was rolled back: app has no previous revision/);
  });

  it('a protected environment is never deployed without its name', async () => {
    for (const confirm of [undefined, async () => undefined, async () => 'staging-typo']) {
      const { options, calls, events } = fixture({ environment: { protected: true } });
      await assert.rejects(ship({ ...options, confirm }), (e: { code?: string }) => e.code === 'confirmation-required');
      assert.ok(!calls.includes('deploy'));
      assert.deepEqual(stages(events).slice(-2), ['confirm:started', 'confirm:failed']);
    }
    const { options, calls } = fixture({ environment: { protected: true } });
    let asked: string | undefined;
    const report = await ship({ ...options, confirm: async (req) => ((asked = `${req.environment} ${req.plan.toImage}`), 'staging') });
    assert.equal(report.outcome, 'complete');
    assert.equal(asked, `staging ${PINNED}`);
    assert.ok(calls.includes('deploy'));
  });

  it('judges the rollout end and the orchestrator\'s undo as pure rules', () => {
    assert.deepEqual(judgeRollout({ type: 'complete', message: '' }, true), { action: 'report', outcome: 'complete' });
    assert.deepEqual(judgeRollout({ type: 'paused', message: '' }, true), { action: 'report', outcome: 'paused' });
    assert.deepEqual(judgeRollout({ type: 'failed', reason: 'x', message: '' }, true), { action: 'rollback' });
    assert.deepEqual(judgeRollout({ type: 'failed', reason: 'x', message: '' }, false), { action: 'report', outcome: 'failed' });
    assert.equal(undoneByOrchestrator({ image: PINNED, state: 'failed' }, PINNED), false);
    assert.equal(undoneByOrchestrator({ image: OLD, state: 'progressing' }, PINNED), 'in-progress');
    assert.equal(undoneByOrchestrator({ image: OLD, state: 'rolled-back' }, PINNED), 'done');
  });
});
