import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, type KubeServer } from '../../kube-server/index';
import { ProdlikeError } from '../../../src/core/errors';
import type { LogLine } from '../../../src/core/cluster/types';
import type { KubeCluster } from '../../../src/core/kube/index';
import { withServer } from './support';

const ref = { namespace: 'default', name: 'web' };

async function readAll(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

async function running(t: Parameters<typeof withServer>[0], replicas = 1): Promise<{ server: KubeServer; cluster: KubeCluster; pods: string[] }> {
  const { server, cluster } = await withServer(t, { logOnStart: false });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas }));
  await server.settle();
  return { server, cluster, pods: (await cluster.pods(ref)).map((p) => p.name).sort() };
}

test('a pod log comes as lines with the kubelet timestamps, honouring tail and since', async (t) => {
  const { server, cluster, pods } = await running(t);
  const pod = pods[0]!;
  const t0 = new Date('2030-01-01T10:00:00.000Z');
  server.writeLog('default', pod, 'one', { at: t0 });
  server.writeLog('default', pod, 'two', { at: new Date(t0.getTime() + 1500) });
  server.writeLog('default', pod, 'three with  spaces ', { at: new Date(t0.getTime() + 3000) });
  const signal = new AbortController().signal;

  const all = await readAll(cluster.podLogs('default', pod, {}, signal));
  assert.deepEqual(all.map((l) => l.text), ['one', 'two', 'three with  spaces ']);
  assert.deepEqual(all[0]?.source, { cluster: 'test', namespace: 'default', pod, container: '' });
  assert.equal(all[1]?.time, '2030-01-01T10:00:01.500000000Z');

  assert.deepEqual((await readAll(cluster.podLogs('default', pod, { tail: 1 }, signal))).map((l) => l.text), ['three with  spaces ']);
  // sinceTime finer than the API's seconds is honoured client-side.
  assert.deepEqual((await readAll(cluster.podLogs('default', pod, { since: '2030-01-01T10:00:01.200Z' }, signal))).map((l) => l.text), ['two', 'three with  spaces ']);
  await assert.rejects(readAll(cluster.podLogs('default', pod, { since: 'yesterday' }, signal)), (e: unknown) => e instanceof ProdlikeError && e.code === 'usage');
});

test('following a pod log delivers new lines until aborted, and ends when the container restarts', async (t) => {
  const { server, cluster, pods } = await running(t);
  const pod = pods[0]!;
  server.writeLog('default', pod, 'before');
  const controller = new AbortController();
  const got: string[] = [];
  const following = (async () => {
    for await (const l of cluster.podLogs('default', pod, { follow: true }, controller.signal)) {
      got.push(l.text);
      if (l.text === 'before') server.writeLog('default', pod, 'after 1\nafter 2');
      if (l.text === 'after 2') controller.abort();
    }
  })();
  await assert.rejects(following, (e: unknown) => e instanceof ProdlikeError && e.code === 'aborted');
  assert.deepEqual(got, ['before', 'after 1', 'after 2']);
  await server.waitFor(() => server.openStreams('log') === 0); // the stream is closed on abort

  // A restart ends the follow cleanly; the old container's lines are then under `previous`.
  const ended = readAll(cluster.podLogs('default', pod, { follow: true }, new AbortController().signal));
  await server.waitFor(() => server.openStreams('log') === 1);
  server.restartContainer('default', pod);
  assert.deepEqual((await ended).map((l) => l.text), ['before', 'after 1', 'after 2']);
  const previous = await readAll(cluster.podLogs('default', pod, { previous: true }, new AbortController().signal));
  assert.deepEqual(previous.map((l) => l.text), ['before', 'after 1', 'after 2']);
});

test('a log stream that drops is an error the caller can resume from; a stalled one times out', async (t) => {
  const { server, cluster, pods } = await running(t);
  const pod = pods[0]!;
  server.writeLog('default', pod, 'a\nb\nc');
  server.faults.dropNext({ kind: 'log', afterItems: 2 });
  const got: LogLine[] = [];
  await assert.rejects(
    (async () => {
      for await (const l of cluster.podLogs('default', pod, { follow: true }, new AbortController().signal)) got.push(l);
    })(),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'kube-unreachable' && /lost/.test(e.message),
  );
  assert.deepEqual(got.map((l) => l.text), ['a', 'b']);
  // Resuming from the last time seen gives the rest (and that line again: skipping it is the merger's job).
  const rest = await readAll(cluster.podLogs('default', pod, { since: got[1]!.time! }, new AbortController().signal));
  assert.deepEqual(rest.map((l) => l.text), ['b', 'c']);

  server.faults.stallNext({ kind: 'log', afterItems: 1 });
  const { podLogLines } = await import('../../../src/core/kube/logs.js');
  await assert.rejects(
    readAll(podLogLines(cluster.api, { cluster: 'test', namespace: 'default', pod, options: { follow: true }, signal: new AbortController().signal, idleTimeoutMs: 200 })),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'timeout',
  );
});

test('the logs of a workload come from all its pods', async (t) => {
  const { server, cluster, pods } = await running(t, 3);
  for (const p of pods) server.writeLog('default', p, `hello from ${p}`);
  const lines = await readAll(cluster.logs(ref, {}, new AbortController().signal));
  assert.deepEqual(lines.map((l) => l.text).sort(), pods.map((p) => `hello from ${p}`).sort());
  assert.deepEqual(lines.map((l) => l.source.pod).sort(), pods);
});

test('a pod that cannot start explains why its log is empty', async (t) => {
  const { server, cluster } = await withServer(t);
  server.markImageBroken('reg/web:broken', 'pull');
  server.apply(deployment({ name: 'web', image: 'reg/web:broken', replicas: 1 }));
  await server.waitFor(() => server.list('pods', 'default').some((p) => p.status?.containerStatuses?.[0]?.state?.waiting));
  const pod = server.list('pods', 'default')[0]!.metadata.name;
  await assert.rejects(readAll(cluster.podLogs('default', pod, {}, new AbortController().signal)), (e: unknown) => e instanceof ProdlikeError && /waiting to start: trying and failing to pull image/.test(e.message));
  // The merged workload log skips pods with no container running instead of failing.
  assert.deepEqual(await readAll(cluster.logs(ref, {}, new AbortController().signal)), []);
});
