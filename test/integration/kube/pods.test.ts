// cluster.pods(): the Deployment and its pods are fetched together once its selector is known; the
// answer must stay right when the Deployment is deleted, or deleted and created again under the
// same name with another selector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment } from '../../kube-server/index';
import { ProdlikeError } from '../../../src/core/errors';
import { withServer } from './support';

const ref = { namespace: 'default', name: 'web' };
const path = '/apis/apps/v1/namespaces/default/deployments/web';

test('pods of a Deployment stay right when it is deleted, and when it is created again with another selector', async (t) => {
  const { server, cluster } = await withServer(t, { logOnStart: false });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
  await server.settle();
  assert.deepEqual((await cluster.listWorkloads('default')).map((w) => w.name), ['web']);
  const first = (await cluster.pods(ref)).map((p) => p.name).sort();
  assert.equal(first.length, 2);
  assert.deepEqual((await cluster.pods(ref)).map((p) => p.name).sort(), first);

  await cluster.api.request('DELETE', path);
  await assert.rejects(cluster.pods(ref), (e: unknown) => e instanceof ProdlikeError && e.code === 'not-found');

  // A pod still labelled like the old Deployment's pods, owned by nothing.
  server.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'reg/web:1' }] } });
  const again = deployment({ name: 'web', image: 'reg/web:2', replicas: 1 }) as unknown as { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } } };
  again.spec.selector = { matchLabels: { app: 'web', track: 'v2' } };
  again.spec.template.metadata.labels = { app: 'web', track: 'v2' };
  server.apply(again as never);
  await server.settle();
  const pods = await cluster.pods(ref);
  assert.equal(pods.length, 1);
  assert.notEqual(pods[0]!.name, 'stray');
  assert.ok(!first.includes(pods[0]!.name));

  // Deleted and created again with the first selector, while the second one is remembered.
  await cluster.api.request('DELETE', path);
  server.apply(deployment({ name: 'web', image: 'reg/web:3', replicas: 1 }));
  await server.settle();
  const third = await cluster.pods(ref);
  assert.deepEqual(third.map((p) => p.name).sort(), [...(await cluster.pods(ref)).map((p) => p.name)].sort());
  assert.ok(third.some((p) => p.name === 'stray'), 'the stray pod matches this selector again (as kubectl would list it)');
  assert.equal(third.length, 2);
});
