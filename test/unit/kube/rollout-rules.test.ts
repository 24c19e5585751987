import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rolloutProgress, toWorkload, type Deployment, type ReplicaSet } from '../../../src/core/kube/objects';
import { deployPatch, planRollbackPatch } from '../../../src/core/kube/rollback';
import { durationSeconds, timeNanos } from '../../../src/core/kube/logs';
import { ProdlikeError } from '../../../src/core/errors';
import { applyJsonPatch, applyStrategicMergePatch } from '../../kube-server/patch';

function dep(over: { generation?: number; status?: Deployment['status']; replicas?: number; paused?: boolean; annotations?: Record<string, string>; image?: string; limit?: number } = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-1', generation: over.generation ?? 2, resourceVersion: '10', annotations: over.annotations ?? { 'deployment.kubernetes.io/revision': '3' } },
    spec: {
      replicas: over.replicas ?? 3,
      paused: over.paused,
      revisionHistoryLimit: over.limit,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: over.image ?? 'reg/web:3' }] } },
    },
    status: over.status ?? { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, readyReplicas: 3 },
  };
}

function rs(revision: number, image: string, annotations: Record<string, string> = {}, owner = 'd-1'): ReplicaSet {
  return {
    metadata: { name: `web-${revision}`, annotations: { 'deployment.kubernetes.io/revision': String(revision), ...annotations }, ownerReferences: [{ uid: owner, kind: 'Deployment', name: 'web', controller: true }] },
    spec: { replicas: 0, template: { metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } }, spec: { containers: [{ name: 'app', image }] } } },
  };
}

test('rollout status follows kubectl: observed generation, then updated, old pending, available', () => {
  assert.match(rolloutProgress(dep({ generation: 3 })).message, /spec update to be observed/);
  assert.equal(rolloutProgress(dep({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1 } })).message, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
  assert.equal(rolloutProgress(dep({ status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3 } })).message, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
  assert.equal(rolloutProgress(dep({ status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 } })).message, 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...');
  assert.deepEqual(rolloutProgress(dep()), { done: true, failed: false, message: 'deployment "web" successfully rolled out' });
  const failed = rolloutProgress(dep({ status: { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } }));
  assert.deepEqual([failed.failed, failed.message], [true, 'deployment "web" exceeded its progress deadline']);
  assert.equal(toWorkload(dep({ paused: true })).state, 'paused');
  assert.equal(toWorkload(dep()).state, 'complete');
});

test('rollback restores the template without its hash label and takes annotations as kubectl does', () => {
  const d = dep({ annotations: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'v3', team: 'payments' } });
  const plan = planRollbackPatch(d, [rs(1, 'reg/web:1'), rs(2, 'reg/web:2', { 'kubernetes.io/change-cause': 'v2' }), rs(3, 'reg/web:3'), rs(9, 'other', {}, 'someone-else')]);
  assert.deepEqual([plan.fromRevision, plan.toRevision, plan.toImage, plan.skipped], [3, 2, 'reg/web:2', false]);
  assert.deepEqual(plan.patch, [
    { op: 'test', path: '/metadata/resourceVersion', value: '10' },
    { op: 'replace', path: '/spec/template', value: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'reg/web:2' }] } } },
    // The Deployment keeps its revision bookkeeping; everything else comes from the ReplicaSet (kubectl drops "team" too).
    { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'v2' } },
  ]);
  assert.equal(planRollbackPatch(d, [rs(2, 'reg/web:2'), rs(3, 'reg/web:3')], 3).skipped, true);
  assert.throws(() => planRollbackPatch(d, [rs(3, 'reg/web:3')], 0), (e: unknown) => e instanceof ProdlikeError && e.code === 'rollback-refused');
  assert.throws(() => planRollbackPatch(dep({ paused: true }), [rs(2, 'a'), rs(3, 'b')]), (e: unknown) => e instanceof ProdlikeError && e.code === 'rollback-refused' && /resume it first/i.test(e.fix ?? ''));
});

test('a deploy patch replaces one container image and records the cause, with preconditions', () => {
  const image = `reg/web@sha256:${'a'.repeat(64)}`;
  const p = deployPatch(dep({ annotations: {} }), image, 'why');
  const applied = applyJsonPatch(dep({ annotations: {} }), p.patch) as Deployment;
  assert.equal(applied.spec.template.spec.containers[0]?.image, image);
  assert.equal(applied.metadata.annotations?.['kubernetes.io/change-cause'], 'why');
  const noAnnotations = dep();
  delete noAnnotations.metadata.annotations;
  assert.equal((applyJsonPatch(noAnnotations, deployPatch(noAnnotations, image, 'first').patch) as Deployment).metadata.annotations?.['kubernetes.io/change-cause'], 'first');
  assert.throws(() => applyJsonPatch(dep({ image: 'moved' }), p.patch), /test operation failed/);
  assert.throws(() => deployPatch(dep(), 'reg/web:latest', 'x'), (e: unknown) => e instanceof ProdlikeError && e.code === 'usage');
});

test("the test server's strategic merge patch merges containers by name, as kubectl set image relies on", () => {
  const d = { spec: { template: { spec: { containers: [{ name: 'app', image: 'a:1', ports: [{ containerPort: 80 }] }, { name: 'side', image: 's:1' }] } } } };
  const out = applyStrategicMergePatch(d, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'app' }, { name: 'side' }], containers: [{ name: 'side', image: 's:2' }] } } } }) as typeof d;
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'app', image: 'a:1', ports: [{ containerPort: 80 }] }, { name: 'side', image: 's:2' }]);
  const removed = applyStrategicMergePatch(d, { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } }) as typeof d;
  assert.deepEqual(removed.spec.template.spec.containers.map((c) => c.name), ['app']);
});

test('log times compare to the nanosecond and durations parse like kubectl --since', () => {
  assert.ok(timeNanos('2030-01-01T00:00:00.000000001Z')! > timeNanos('2030-01-01T00:00:00Z')!);
  assert.equal(timeNanos('2030-01-01T01:00:00+01:00'), timeNanos('2030-01-01T00:00:00Z'));
  assert.equal(durationSeconds('1h30m'), 5400);
  assert.equal(durationSeconds('2030-01-01T00:00:00Z'), undefined);
});
