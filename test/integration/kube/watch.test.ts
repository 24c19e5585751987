// Watches are not trusted to last: every fault the test server can inject must end in a watch that
// still delivers what happens afterwards, and never in an uncaught exception or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, startKubeServer, type KubeServer } from '../../kube-server/index';
import { openKubeCluster } from '../../../src/core/kube/index';
import { loadKubeconfig } from '../../../src/core/kube/kubeconfig';
import { ProdlikeError } from '../../../src/core/errors';
import type { WatchEvent, Workload } from '../../../src/core/cluster/types';
import { collect, pinned, withServer } from './support';

/** Consumes a watch in the background; `next(predicate)` waits for an event that matches. */
function recorder(events: AsyncIterable<WatchEvent<Workload>>) {
  const seen: WatchEvent<Workload>[] = [];
  const waiters: { check: (e: WatchEvent<Workload>) => boolean; resolve: (e: WatchEvent<Workload>) => void }[] = [];
  const done = (async () => {
    for await (const e of events) {
      seen.push(e);
      for (const w of [...waiters]) {
        if (w.check(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  })();
  return {
    seen,
    done,
    next(check: (e: WatchEvent<Workload>) => boolean, what: string): Promise<WatchEvent<Workload>> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} event within 10 s; saw ${seen.map((e) => e.type).join(',')}`)), 10_000);
        waiters.push({ check, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

const imageIs = (image: string) => (e: WatchEvent<Workload>) =>
  (e.type === 'modified' || e.type === 'added') ? e.object.image === image : e.type === 'synced' && e.objects.some((w) => w.image === image);

async function setup(t: Parameters<typeof withServer>[0]) {
  const { server, cluster } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  const controller = new AbortController();
  t.after(() => controller.abort());
  const watch = recorder(cluster.watchWorkloads('default', controller.signal));
  await watch.next((e) => e.type === 'synced', 'synced');
  return { server, cluster, controller, watch };
}

function setImage(server: KubeServer, image: string): void {
  const d = server.get('deployments', 'default', 'web')!;
  d.spec.template.spec.containers[0].image = image;
  server.apply(d);
}

test('a watch starts with the full list and then delivers changes', async (t) => {
  const { server, watch, controller } = await setup(t);
  const first = watch.seen[0]!;
  assert.ok(first.type === 'synced');
  assert.deepEqual(first.objects.map((w) => [w.name, w.image, w.state]), [['web', 'reg/web:1', 'complete']]);
  setImage(server, 'reg/web:2');
  await watch.next(imageIs('reg/web:2'), 'modified');
  controller.abort();
  await watch.done; // ends when aborted, without an error
});

test('a dropped watch connection reconnects and misses nothing', async (t) => {
  const { server, watch } = await setup(t);
  await server.waitFor(() => server.openStreams('watch') === 1);
  server.faults.dropOpen('watch');
  setImage(server, 'reg/web:3'); // happens while no watch is open
  await watch.next(imageIs('reg/web:3'), 'change made during the outage');
  assert.ok(watch.seen.some((e) => e.type === 'reconnecting' && e.attempt === 1));
});

test('a watch cut mid-stream after some events resumes from the last resourceVersion', async (t) => {
  const { server, watch } = await setup(t);
  server.faults.dropNext({ kind: 'watch', afterItems: 1 });
  server.faults.dropOpen('watch');
  await watch.next((e) => e.type === 'reconnecting', 'reconnecting');
  setImage(server, 'reg/web:4');
  setImage(server, 'reg/web:5');
  await watch.next(imageIs('reg/web:5'), 'last change');
  const resumed = server.requests.filter((r) => r.query.get('watch') === '1' && r.query.get('resourceVersion'));
  assert.ok(resumed.length >= 2, 'watches resume from a resourceVersion, not from scratch');
});

test('a stalled watch is abandoned after the idle timeout and re-established', async (t) => {
  const server = await startKubeServer();
  t.after(() => server.close());
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  const cluster = openKubeCluster({ kubeconfig: loadKubeconfig({ kubeconfigPath: server.kubeconfigPath }), watch: { idleTimeoutMs: 300, backoffMs: { base: 10, max: 50 } } });
  const controller = new AbortController();
  t.after(() => {
    controller.abort();
    cluster.dispose();
  });
  server.faults.stallNext({ kind: 'watch' }); // the first watch goes silent at once and stays open
  const watch = recorder(cluster.watchWorkloads('default', controller.signal));
  await watch.next((e) => e.type === 'synced', 'synced');
  setImage(server, 'reg/web:6'); // swallowed by the stalled stream
  await watch.next(imageIs('reg/web:6'), 'change after the stall');
  assert.ok(watch.seen.some((e) => e.type === 'reconnecting' && /silent/.test(e.reason)));
});

test('410 Gone makes the watch list again and report the full state', async (t) => {
  const { server, watch } = await setup(t);
  setImage(server, 'reg/web:7');
  await watch.next(imageIs('reg/web:7'), 'modified');
  // The connection drops, a change happens meanwhile, and the history is compacted past it: the
  // re-watch from the last seen resourceVersion gets an ERROR 410 event.
  server.faults.dropOpen('watch');
  setImage(server, 'reg/web:7b');
  server.faults.compact();
  const synced = await watch.next((e) => e.type === 'synced' && watch.seen.indexOf(e) > 0, 'second synced');
  assert.ok(synced.type === 'synced' && synced.objects[0]?.image === 'reg/web:7b');
  const lists = server.requests.filter((r) => r.method === 'GET' && r.query.get('watch') === null && r.path === '/apis/apps/v1/namespaces/default/deployments');
  assert.equal(lists.length, 2, 'listed once at the start and once after 410');
  // And as an HTTP status on the watch request itself:
  server.faults.failNext(410, { kind: 'watch' });
  server.faults.dropOpen('watch');
  setImage(server, 'reg/web:8');
  await watch.next(imageIs('reg/web:8'), 'after HTTP 410');
});

test('401 and 500 on a watch are retried with back-off; the watch recovers', async (t) => {
  const { server, watch } = await setup(t);
  server.faults.failNext(401, { kind: 'watch', times: 2 });
  server.faults.failNext(500, { kind: 'watch' });
  server.faults.dropOpen('watch');
  setImage(server, 'reg/web:9');
  await watch.next(imageIs('reg/web:9'), 'after the errors');
  const reconnects = watch.seen.filter((e) => e.type === 'reconnecting');
  assert.ok(reconnects.some((e) => e.type === 'reconnecting' && /401/.test(e.reason)));
  assert.ok(reconnects.some((e) => e.type === 'reconnecting' && e.attempt >= 3), 'attempts are counted until one succeeds');
  assert.ok(reconnects.every((e) => e.type === 'reconnecting' && !e.reason.includes(server.token!)), 'no token in any reason');
});

test('a rollout being watched survives a dropped watch', async (t) => {
  // Pods take 300 ms to become ready, so the rollout is still running when the watch is cut.
  const { server, cluster } = await withServer(t, { readyDelayMs: 300 });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
  await server.settle();
  await cluster.deploy(await cluster.planDeploy({ namespace: 'default', name: 'web' }, pinned('reg/web', 2), 'x'));
  server.faults.dropNext({ kind: 'watch', afterItems: 0 });
  const events = await collect(cluster.rolloutStatus({ namespace: 'default', name: 'web' }));
  assert.equal(events.at(-1)?.type, 'complete');
  assert.ok(events.some((e) => e.type === 'warning' && /reconnecting/.test(e.message)));
});

test('a rejected token is a clear error that never shows the token', async (t) => {
  const { server, cluster } = await withServer(t);
  server.setToken('rotated-token');
  await assert.rejects(cluster.listNamespaces(), (e: unknown) => e instanceof ProdlikeError && e.code === 'kube-unreachable' && /401/.test(e.message) && !e.message.includes(server.token!) && e.exitCode === 2);
  server.setToken(server.token);
  assert.deepEqual(await cluster.listNamespaces(), ['default', 'kube-system']);
});

test('a server that is gone is kube-unreachable, naming the server', async (t) => {
  const { server, cluster } = await withServer(t);
  await server.close();
  await assert.rejects(cluster.listWorkloads('default'), (e: unknown) => e instanceof ProdlikeError && e.code === 'kube-unreachable' && e.message.includes(server.url));
});
