// The same pipeline against Kubernetes (the API test server): build and push are real (test engine
// and registry), the deploy goes to the test server's Deployment. Kubernetes never rolls back by
// itself, so a failed rollout is undone by prodlike when the environment says autoRollback.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startKubeServer, deployment, type KubeServer } from '../../kube-server/index';
import { testInfra } from '../../support/infra';
import { openTarget } from '../../../src/core/cluster/open';
import { openEngine } from '../../../src/core/docker/engine';
import { ship, type PipelineEvent } from '../../../src/core/pipeline';
import { appRepo, type AppRepo } from './support';

function imageOf(server: KubeServer): string {
  const d = server.get('deployments', 'default', 'web') as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
  return d.spec.template.spec.containers[0]!.image;
}

describe('ship to Kubernetes (API test server)', () => {
  let server: KubeServer;
  let repo: AppRepo;

  before(async () => {
    server = await startKubeServer({ readyDelayMs: 20, timeScale: 0.002 });
    repo = appRepo('');
    repo.configure(['environments:', '  staging:', '    context: test', '    namespace: default', '    workload: web', '    autoRollback: true', ''].join('\n'));
    server.apply(deployment({ name: 'web', image: `${repo.repository}:v0`, replicas: 2, progressDeadlineSeconds: 600 }));
    await server.settle();
  });
  after(async () => {
    await server?.close();
    repo?.remove();
  });

  async function shipOnce(onEvent?: (e: PipelineEvent) => void) {
    const target = await openTarget(repo.dir, 'staging', { kubeconfig: server.kubeconfigPath });
    const events: PipelineEvent[] = [];
    try {
      const report = await ship({ target, engine: openEngine({ url: testInfra().dockerHost, from: 'argument' }), onEvent: (e) => (events.push(e), onEvent?.(e)) });
      return { report, events };
    } finally {
      target.cluster.dispose();
    }
  }

  it('ships the pinned digest and the Deployment rolls out', async () => {
    repo.version('k1');
    const { report, events } = await shipOnce();
    assert.equal(report.outcome, 'complete', report.message);
    assert.equal(report.target.cluster.orchestrator, 'kubernetes');
    assert.match(report.image!.pinned!, /@sha256:[0-9a-f]{64}$/);
    assert.equal(imageOf(server), report.image!.pinned);
    const rollout = events.filter((e) => e.type === 'rollout');
    assert.equal(rollout.at(-1)?.type === 'rollout' && rollout.at(-1)!.event.type, 'complete');
  });

  it('a version that never becomes ready: prodlike rolls back to the previous revision', async () => {
    const good = imageOf(server);
    repo.version('k2-broken');
    // The pinned reference is known once pushed; the test server then refuses to make it ready.
    const { report, events } = await shipOnce((e) => e.type === 'image' && e.image.pinned && server.markImageBroken(e.image.pinned, 'crash'));
    assert.equal(report.outcome, 'rolled-back', report.message);
    assert.equal(report.rolledBack?.by, 'prodlike');
    assert.equal(report.rolledBack?.toImage, good);
    assert.match(report.message, /prodlike rolled web back to revision \d+ \(autoRollback\) after:/);
    assert.ok(events.some((e) => e.type === 'rollback-plan'));
    assert.equal(imageOf(server), good);
  });
});
