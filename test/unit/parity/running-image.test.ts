// What an environment runs, as the image-identity check reads it from any Cluster: the digest the
// spec pins, else the one every pod or task pulled, else nothing it could compare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runningImage } from '../../../src/core/parity';
import { ProdlikeError } from '../../../src/core/errors';
import type { Cluster, Pod, Workload } from '../../../src/core/cluster/types';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const ref = { namespace: 'default', name: 'web' };

function cluster(workload: Partial<Workload> | undefined, pods: Pod['containers'][] = []): Cluster {
  return {
    getWorkload: async () => {
      if (!workload) throw new ProdlikeError('not-found', 'Deployment "web" was not found.');
      return { image: 'registry/web:1', ...workload } as Workload;
    },
    pods: async () => pods.map((containers, i) => ({ namespace: 'default', name: `web-${i}`, phase: 'Running', ready: true, restarts: 0, containers, labels: {} })),
  } as unknown as Cluster;
}

test('a pinned spec is what runs', async () => {
  assert.deepEqual(await runningImage(cluster({ image: `registry/web:1@${A}`, digest: A }), ref), { image: `registry/web:1@${A}`, digest: A });
});

test('a tag only: the digest every pod pulled, and none when they disagree', async () => {
  const pulled = (d: string) => [{ name: 'app', image: 'registry/web:1', imageID: `docker-pullable://registry/web@${d}` }];
  assert.deepEqual(await runningImage(cluster({}, [pulled(A), pulled(A)]), ref), { image: 'registry/web:1', digest: A });
  assert.deepEqual(await runningImage(cluster({}, [pulled(A), pulled(B)]), ref), { image: 'registry/web:1', digest: undefined });
  const sidecarFirst = [{ name: 'proxy', image: 'envoy', imageID: `envoy@${B}` }, { name: 'app', image: 'registry/web:1', imageID: `registry/web@${A}` }];
  assert.equal((await runningImage(cluster({}, [sidecarFirst]), { ...ref, container: 'app' }))?.digest, A);
});

test('a workload that does not exist is not deployed (undefined), other errors are thrown', async () => {
  assert.equal(await runningImage(cluster(undefined), ref), undefined);
  const down = { getWorkload: async () => Promise.reject(new ProdlikeError('kube-unreachable', 'down')) } as unknown as Cluster;
  await assert.rejects(runningImage(down, ref), /down/);
});
