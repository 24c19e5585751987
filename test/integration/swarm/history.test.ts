// The revision history lives on the engine: a fresh client reads it back, swarm's own rollback
// does not rewrite it, and it is bounded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createService, docker, pushVariant, testCluster, versionScript, type TestService } from './fixtures';

async function settle(cluster: ReturnType<typeof testCluster>, name: string): Promise<string | undefined> {
  let last: string | undefined;
  for await (const e of cluster.rolloutStatus({ namespace: 'default', name })) last = e.type;
  return last;
}

describe('swarm: history kept on the engine', () => {
  let images: string[];
  let svc: TestService;

  before(() => {
    images = ['a', 'b', 'c', 'd'].map((v) => pushVariant(v, versionScript(v)));
    svc = createService(images[0]!, { prefix: 'history' });
  });
  after(() => svc?.remove());

  it('is read back by a fresh client, with causes, digests and the current revision', async () => {
    const first = testCluster({ historyLimit: 3 });
    const ref = { namespace: 'default', name: svc.name };
    for (const [i, image] of images.slice(1).entries()) {
      await first.deploy(await first.planDeploy(ref, image, `deploy ${i + 2}`));
      assert.equal(await settle(first, svc.name), 'complete');
    }
    first.dispose();

    const fresh = testCluster();
    const history = await fresh.history(ref);
    // Four revisions were made; the limit keeps the newest three.
    assert.deepEqual(history.map((r) => r.number), [2, 3, 4]);
    assert.deepEqual(history.map((r) => r.cause), ['deploy 2', 'deploy 3', 'deploy 4']);
    assert.ok(history.every((r) => /^sha256:[a-f0-9]{64}$/.test(r.digest ?? '')));
    assert.deepEqual(history.map((r) => r.current), [false, false, true]);
    // The oracle: the same records, as the docker CLI lists them.
    const id = docker('service', 'inspect', '--format', '{{.ID}}', svc.name);
    assert.equal(docker('config', 'ls', '-q', '--filter', `label=dev.prodlike.history.service-id=${id}`).split('\n').length, 3);
    fresh.dispose();
  });

  it('survives a rollback swarm does by itself (docker service rollback)', async () => {
    const cluster = testCluster();
    const ref = { namespace: 'default', name: svc.name };
    docker('service', 'rollback', '--detach', '--quiet', svc.name);
    assert.equal(await settle(cluster, svc.name), 'complete');
    const history = await cluster.history(ref);
    // Swarm restored the spec of revision 3 (labels included); prodlike's records are all still there.
    assert.deepEqual(history.map((r) => [r.number, r.current]), [[2, false], [3, true], [4, false]]);
    assert.equal((await cluster.getWorkload(ref)).revision, 3);
    // And the newest one can still be gone back to.
    const plan = await cluster.planRollback(ref, 4);
    assert.equal(plan.skipped, false);
    cluster.dispose();
  });
});
