import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment } from '../../kube-server/index';
import { ProdlikeError } from '../../../src/core/errors';
import { collect, pinned, withServer } from './support';

const ref = { namespace: 'default', name: 'web' };
const isError = (code: string, pattern?: RegExp) => (e: unknown) => e instanceof ProdlikeError && e.code === code && (!pattern || pattern.test(e.message));

test('a deploy is planned as a patch, pins the digest, records the cause and rolls out to completion', async (t) => {
  // Pods need a second to become ready, so the rollout is still running when its status is asked for.
  const { server, cluster } = await withServer(t, { readyDelayMs: 1000 });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 3, maxSurge: '100%' }));
  await server.settle();
  assert.deepEqual(await cluster.listNamespaces(), ['default', 'kube-system']);
  const before = await cluster.getWorkload(ref);
  assert.equal(before.state, 'complete');
  assert.equal(before.revision, 1);

  const image = pinned('reg/web', 2);
  const plan = await cluster.planDeploy(ref, image, 'deploy 1a2b3c by prodlike');
  assert.equal(plan.fromImage, 'reg/web:1');
  assert.equal(plan.container, 'app');
  assert.equal(plan.cluster.server, server.url);
  assert.deepEqual((plan.patch as { op: string; path: string; value?: unknown }[]).filter((p) => p.op !== 'test'), [
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
    { op: 'add', path: '/metadata/annotations/kubernetes.io~1change-cause', value: 'deploy 1a2b3c by prodlike' },
  ]);
  // Planning changed nothing.
  assert.equal(server.get('deployments', 'default', 'web')?.spec.template.spec.containers[0].image, 'reg/web:1');

  await cluster.deploy(plan);
  const events = await collect(cluster.rolloutStatus(ref));
  assert.equal(events.at(-1)?.type, 'complete');
  assert.equal(events.at(-1)?.type === 'complete' && events.at(-1)?.message, 'deployment "web" successfully rolled out');
  assert.ok(events.some((e) => e.type === 'progress'), 'progress is reported while the rollout runs');

  const after = await cluster.getWorkload(ref);
  assert.deepEqual([after.image, after.digest, after.revision, after.ready, after.state], [image, `sha256:${(2).toString(16).padStart(64, '0')}`, 2, 3, 'complete']);
  const history = await cluster.history(ref);
  assert.deepEqual(
    history.map((r) => [r.number, r.image, r.cause, r.current]),
    [
      [1, 'reg/web:1', undefined, false],
      [2, image, 'deploy 1a2b3c by prodlike', true],
    ],
  );
  assert.equal((await cluster.listWorkloads('default')).map((w) => w.name).join(), 'web');
});

test('a deploy needs a digest-pinned image and refuses a plan the Deployment has moved away from', async (t) => {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1' }));
  await assert.rejects(cluster.planDeploy(ref, 'reg/web:2', 'x'), isError('usage', /not pinned by digest/));
  await assert.rejects(cluster.planDeploy({ ...ref, container: 'sidecar' }, pinned('reg/web', 1), 'x'), isError('not-found', /container "sidecar"/));
  await assert.rejects(cluster.getWorkload({ namespace: 'default', name: 'nope' }), isError('not-found', /"nope" was not found in namespace "default"/));
  const plan = await cluster.planDeploy(ref, pinned('reg/web', 2), 'x');
  server.apply(deployment({ name: 'web', image: 'reg/web:someone-else' }));
  await assert.rejects(cluster.deploy(plan), isError('deploy-failed', /changed since the deploy was planned/));
  assert.equal(server.get('deployments', 'default', 'web')?.spec.template.spec.containers[0].image, 'reg/web:someone-else');
});

test('an image that cannot be pulled fails the rollout at the progress deadline, naming the pods in ImagePullBackOff', async (t) => {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2, progressDeadlineSeconds: 60 }));
  await server.settle();
  const bad = pinned('reg/web', 66);
  server.markImageBroken(bad, 'pull');
  await cluster.deploy(await cluster.planDeploy(ref, bad, 'bad deploy'));
  const events = await collect(cluster.rolloutStatus(ref));
  const last = events.at(-1)!;
  assert.equal(last.type, 'failed');
  assert.ok(last.type === 'failed');
  assert.equal(last.reason, 'ProgressDeadlineExceeded');
  assert.match(last.message, /exceeded its progress deadline/);
  assert.match(last.message, /ImagePullBackOff/);
  const stuck = server.list('pods', 'default').filter((p) => p.spec.containers[0].image === bad).map((p) => p.metadata.name);
  assert.ok(stuck.length > 0);
  assert.deepEqual([...(last.pods ?? [])].sort(), stuck.sort());
  assert.ok(events.some((e) => e.type === 'warning' && e.pod === stuck[0]), 'the stuck pod is reported before the deadline');
  assert.equal((await cluster.getWorkload(ref)).state, 'failed');
  // Kubernetes never rolls back on its own: the old pods still serve.
  assert.equal((await cluster.getWorkload(ref)).available >= 1, true);
});

test('a crashing image is reported as CrashLoopBackOff by pod name', async (t) => {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1, progressDeadlineSeconds: 60 }));
  await server.settle();
  const bad = pinned('reg/web', 67);
  server.markImageBroken(bad, 'crash');
  await cluster.deploy(await cluster.planDeploy(ref, bad, 'crashing deploy'));
  const last = (await collect(cluster.rolloutStatus(ref))).at(-1)!;
  assert.ok(last.type === 'failed');
  assert.match(last.message, /CrashLoopBackOff/);
  const pods = await cluster.pods(ref);
  const crashing = pods.find((p) => p.containers[0]?.reason === 'CrashLoopBackOff');
  assert.ok(crashing && last.pods?.includes(crashing.name));
  assert.ok(crashing.restarts >= 1);
});

test('rollout status is cancellable and can give up after a timeout', async (t) => {
  const { server, cluster } = await withServer(t, { timeScale: 1 });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  const bad = pinned('reg/web', 68);
  server.markImageBroken(bad, 'pull');
  await cluster.deploy(await cluster.planDeploy(ref, bad, 'x'));
  const controller = new AbortController();
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of cluster.rolloutStatus(ref, { signal: controller.signal })) {
        seen.push(e.type);
        controller.abort();
      }
    })(),
    isError('aborted'),
  );
  assert.equal(seen.length, 1);
  const events = await collect(cluster.rolloutStatus(ref, { timeoutMs: 300 }));
  assert.deepEqual(events.at(-1)?.type === 'failed' && events.at(-1), { type: 'failed', reason: 'Timeout', message: 'deployment "web" did not finish rolling out within 0.3 s' });
});

test('rollback to the previous revision restores its template under a new revision number', async (t) => {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
  await server.settle();
  for (const n of [2, 3]) {
    await cluster.deploy(await cluster.planDeploy(ref, pinned('reg/web', n), `deploy v${n}`));
    await collect(cluster.rolloutStatus(ref));
  }
  const plan = await cluster.planRollback(ref);
  assert.deepEqual([plan.fromRevision, plan.toRevision, plan.fromImage, plan.toImage, plan.skipped, plan.warnings], [3, 2, pinned('reg/web', 3), pinned('reg/web', 2), false, []]);
  await cluster.rollback(plan);
  const done = (await collect(cluster.rolloutStatus(ref))).at(-1);
  assert.equal(done?.type, 'complete');
  const history = await cluster.history(ref);
  assert.deepEqual(
    history.map((r) => [r.number, r.image, r.cause ?? null, r.current]),
    [
      [1, 'reg/web:1', null, false],
      [3, pinned('reg/web', 3), 'deploy v3', false],
      [4, pinned('reg/web', 2), 'deploy v2', true],
    ],
  );
  // --to-revision: back to the very first one.
  const first = await cluster.planRollback(ref, 1);
  assert.equal(first.toImage, 'reg/web:1');
  await cluster.rollback(first);
  await collect(cluster.rolloutStatus(ref));
  assert.deepEqual((await cluster.getWorkload(ref)).revision, 5);
});

test('rollback edge cases: missing revision, paused, already current, no history kept', async (t) => {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  await assert.rejects(cluster.planRollback(ref), isError('rollback-refused', /no previous revision/));
  await cluster.deploy(await cluster.planDeploy(ref, pinned('reg/web', 2), 'v2'));
  await collect(cluster.rolloutStatus(ref));

  await assert.rejects(cluster.planRollback(ref, 7), isError('not-found', /unable to find specified revision 7 in history.*revisions kept: 1, 2/));

  const skipped = await cluster.planRollback(ref, 2);
  assert.equal(skipped.skipped, true);
  assert.deepEqual(skipped.patch, []);
  const unchanged = server.get('deployments', 'default', 'web')!.metadata.resourceVersion;
  await cluster.rollback(skipped);
  assert.equal(server.get('deployments', 'default', 'web')!.metadata.resourceVersion, unchanged, 'a skipped rollback sends nothing');

  const d = server.get('deployments', 'default', 'web')!;
  server.apply({ ...d, spec: { ...d.spec, paused: true } });
  await assert.rejects(cluster.planRollback(ref), (e: unknown) => isError('rollback-refused', /paused/)(e) && /resume it first/i.test((e as ProdlikeError).fix ?? ''));

  server.apply(deployment({ name: 'lean', image: 'reg/lean:1', replicas: 1, revisionHistoryLimit: 0 }));
  await server.settle();
  const lean = { namespace: 'default', name: 'lean' };
  await cluster.deploy(await cluster.planDeploy(lean, pinned('reg/lean', 2), 'v2'));
  await collect(cluster.rolloutStatus(lean));
  await server.waitFor(() => server.list('replicasets', 'default').filter((rs) => rs.metadata.name.startsWith('lean-')).length === 1);
  await assert.rejects(cluster.planRollback(lean), isError('rollback-refused', /revisionHistoryLimit is 0/));

  server.apply(deployment({ name: 'one', image: 'reg/one:1', replicas: 1, revisionHistoryLimit: 1 }));
  await server.settle();
  const one = { namespace: 'default', name: 'one' };
  await cluster.deploy(await cluster.planDeploy(one, pinned('reg/one', 2), 'v2'));
  await collect(cluster.rolloutStatus(one));
  const warned = await cluster.planRollback(one);
  assert.equal(warned.warnings.length, 1);
  assert.match(warned.warnings[0]!, /revisionHistoryLimit is 1/);
});

test('a rollback planned before someone else changed the Deployment is refused', async (t) => {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  await cluster.deploy(await cluster.planDeploy(ref, pinned('reg/web', 2), 'v2'));
  await collect(cluster.rolloutStatus(ref));
  const plan = await cluster.planRollback(ref);
  await cluster.deploy(await cluster.planDeploy(ref, pinned('reg/web', 3), 'v3'));
  await assert.rejects(cluster.rollback(plan), isError('rollback-refused', /changed since the rollback was planned/));
});
