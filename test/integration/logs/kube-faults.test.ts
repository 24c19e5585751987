// The tail against the Kubernetes API test server with faults injected mid-stream: log connections
// dropped and stalled, pods deleted and recreated, containers restarted, the pod watch cut and
// answered with 410 Gone. Every line written must reach the user exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment } from '../../kube-server/index';
import { withServer } from '../kube/support';
import { kubeDiscovery } from '../../../src/core/logs/kube-sources';
import { assertLossless, startTail } from './support';

const WATCH = { idleTimeoutMs: 5000, backoffMs: { base: 20, max: 200 } };
const TAIL = { idleTimeoutMs: 400, retry: { initialDelayMs: 20, maxDelayMs: 200 } };

function podNames(server: { list(p: string, ns?: string): { metadata: { name: string; deletionTimestamp?: string } }[] }): string[] {
  return server.list('pods', 'default').map((p) => p.metadata.name).sort();
}

test('no line is lost or repeated across dropped and stalled streams, restarts, pod replacement and 410 on the pod watch', async (t) => {
  const { server, cluster } = await withServer(t, { readyDelayMs: 10 });
  server.apply(deployment({ name: 'web', image: 'registry/web:1', replicas: 3 }));
  await server.settle();
  const written: string[] = [];
  let n = 0;
  const write = (pod: string, what = 'line') => {
    const text = `${what} ${++n} from ${pod}`;
    server.writeLog('default', pod, text);
    written.push(text);
    return text;
  };
  const writeAll = (what?: string) => podNames(server).map((p) => write(p, what));
  const seen = (texts: string[]) => (lines: { text: string }[]) => texts.every((x) => lines.some((l) => l.text === x));

  const ac = new AbortController();
  t.after(() => ac.abort());
  const tail = startTail(kubeDiscovery({ cluster, namespace: 'default', workload: 'web' }, { follow: true, watch: WATCH }, ac.signal), TAIL);
  t.after(() => tail.stop());
  await tail.until(seen(writeAll('hello')), 'a first line from every pod');

  // 1. Every log connection is cut mid-stream, twice, while the pods keep writing.
  for (let round = 0; round < 2; round++) {
    const before = writeAll('before-drop');
    await tail.until(seen(before), 'lines before the drop');
    server.faults.dropOpen('log');
    await tail.until(seen([...writeAll('after-drop'), ...writeAll('after-drop')]), 'lines written while the streams were down');
  }

  // 2. The next log stream of each pod goes silent after one line and stays open: a stall.
  server.faults.stallNext({ kind: 'log', afterItems: 1, times: 3 });
  server.faults.dropOpen('log');
  await tail.until(seen([...writeAll('during-stall'), ...writeAll('during-stall')]), 'lines written while the streams stalled');

  // 3. A container restarts while its stream is down: what its old instance wrote last comes from
  // the kubelet's previous log, and the new instance's lines follow.
  const [first, second] = podNames(server);
  server.faults.dropOpen('log');
  const last = write(first!, 'last-words');
  server.restartContainer('default', first!);
  await tail.until(seen([last, write(first!, 'reborn')]), 'the old and the new container of a restarted pod');
  const reborn = tail.lines.find((l) => l.text.startsWith('reborn'))!;
  const old = tail.lines.find((l) => l.text.startsWith('last-words'))!;
  assert.notEqual(reborn.source.instance, old.source.instance, 'the new container is a new instance');
  assert.equal(reborn.color, old.color, 'but keeps its colour');

  // 4. A pod is deleted; its replacement's lines appear.
  const goodbye = write(second!, 'goodbye');
  await tail.until(seen([goodbye]), 'the last line of the pod to be deleted');
  await cluster.api.request('DELETE', `/api/v1/namespaces/default/pods/${second}`);
  await server.waitFor(() => podNames(server).length === 3 && !podNames(server).includes(second!));
  const replacement = podNames(server).find((p) => !tail.lines.some((l) => l.source.pod === p))!;
  assert.ok(replacement, 'a new pod replaced the deleted one');
  await tail.until(seen([write(replacement, 'newcomer')]), 'a line from the replacement pod');

  // 5. The pod watch is cut and its resourceVersion compacted (410 Gone on re-watch); meanwhile a pod is replaced.
  server.faults.compact();
  server.faults.dropOpen('watch');
  const third = podNames(server).find((p) => p !== first && p !== replacement)!;
  await cluster.api.request('DELETE', `/api/v1/namespaces/default/pods/${third}`);
  await server.waitFor(() => podNames(server).length === 3 && !podNames(server).includes(third));
  const afterGone = podNames(server).find((p) => p !== first && p !== replacement)!;
  await tail.until(seen([write(afterGone, 'after-410'), ...writeAll('final')]), 'lines from the pod created during the 410');

  assert.ok(server.requests.some((r) => r.path.endsWith('/pods') && r.query.get('watch') && r.query.get('resourceVersion')), 'the watch resumed from a resourceVersion');
  assert.ok(tail.notices.some((n) => n.type === 'reconnecting'), 'the reconnects were reported');
  // The deleted pods' streams end (the one deleted during the 410 included), without retries forever.
  await tail.until(() => [second!, third].every((p) => tail.notices.some((n) => n.type === 'source-ended' && n.source.startsWith(p))), 'the deleted pods end');
  await tail.stop();
  assertLossless(tail.lines, written, assert);
});

test('without follow, every current container is read once and the tail ends', async (t) => {
  const { server, cluster } = await withServer(t, { readyDelayMs: 10, logOnStart: false });
  server.apply(deployment({ name: 'api', image: 'registry/api:1', replicas: 2 }));
  await server.settle();
  const written: string[] = [];
  for (const pod of podNames(server)) for (let i = 0; i < 5; i++) {
    written.push(`${pod} ${i}`);
    server.writeLog('default', pod, `${pod} ${i}`);
  }
  const ac = new AbortController();
  const tail = startTail(kubeDiscovery({ cluster, namespace: 'default', selector: 'app=api' }, { follow: false }, ac.signal), { follow: false, tail: 3 });
  await tail.done;
  assert.deepEqual(tail.lines.map((l) => l.text).sort(), written.filter((w) => /[234]$/.test(w)).sort());
});

test('a workload that does not exist is a not-found error naming it', async (t) => {
  const { cluster } = await withServer(t);
  const tail = startTail(kubeDiscovery({ cluster, namespace: 'default', workload: 'nope' }, { follow: true }, new AbortController().signal), {});
  await assert.rejects(tail.done, /There is no Deployment "nope" in namespace "default"/);
});
