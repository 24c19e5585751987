// Logs of every task of a service, with task and node identity, and a killed task replaced while the logs keep flowing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogLine } from '../../../src/core/cluster/types';
import { createService, docker, eventually, pushVariant, testCluster, versionScript, type TestService } from './fixtures';

describe('swarm: service logs', () => {
  let svc: TestService;
  const cluster = testCluster();
  const ref = () => ({ namespace: 'default', name: svc.name });

  before(async () => {
    const image = pushVariant('logs', `${versionScript('v1')} & while true; do echo "oops" >&2; sleep 1; done`);
    svc = createService(image, { replicas: 3, prefix: 'logs' });
    await eventually(async () => ((await cluster.getWorkload(ref())).ready === 3 ? true : undefined), 'three running tasks');
  });
  after(() => {
    svc?.remove();
    cluster.dispose();
  });

  it('gives lines from every replica, each with its task, node and time, stdout and stderr apart', async () => {
    const pods = await cluster.pods(ref());
    await eventually(async () => {
      const lines: LogLine[] = [];
      const ac = new AbortController();
      for await (const l of cluster.logs(ref(), { tail: 50 }, ac.signal)) lines.push(l);
      const fromPods = new Set(lines.filter((l) => l.text.startsWith('v1 from')).map((l) => l.source.pod));
      return fromPods.size === 3 && lines.some((l) => l.stream === 'stderr') ? lines : undefined;
    }, 'lines from all three tasks').then((lines) => {
      assert.deepEqual(new Set(lines.map((l) => l.source.pod)), new Set(pods.map((p) => p.name)));
      const l = lines.find((x) => x.stream === 'stderr')!;
      assert.equal(l.text, 'oops');
      assert.ok(lines.every((x) => x.source.node && !/^[a-z0-9]{25}$/.test(x.source.node)), 'node shown by hostname');
      assert.ok(lines.every((x) => x.time && !Number.isNaN(Date.parse(x.time))));
      assert.ok(lines.every((x) => !x.text.includes('com.docker.swarm')), 'identity is not left in the text');
    });
  });

  it('keeps following when a task is killed and swarm replaces it', async () => {
    const before = await cluster.pods(ref());
    const victim = before[0]!;
    const ac = new AbortController();
    const seen: LogLine[] = [];
    const follower = (async () => {
      for await (const l of cluster.logs(ref(), { follow: true, tail: 0 }, ac.signal)) seen.push(l);
    })();
    try {
      await eventually(async () => (seen.length > 5 ? true : undefined), 'the follow to start');
      docker('kill', victim.containers[0]!.containerID!);
      const replacement = await eventually(async () => {
        const now = await cluster.pods(ref());
        return now.find((p) => !before.some((b) => b.name === p.name) && p.ready);
      }, 'a replacement task');
      const mark = seen.length;
      await eventually(async () => (seen.slice(mark).some((l) => l.source.pod === replacement.name) ? true : undefined), 'lines from the replacement');
      // The surviving tasks never stopped: the same stream carries them and the new one.
      const survivors = before.slice(1).map((p) => p.name);
      for (const s of survivors) assert.ok(seen.slice(mark).some((l) => l.source.pod === s), `still following ${s}`);
      assert.equal(replacement.name.split('.')[1], victim.name.split('.')[1], 'same slot');
    } finally {
      ac.abort();
      await follower;
    }
  });
});
