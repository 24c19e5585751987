// A worker of a real three-node swarm is cut off (its link taken down) and brought back while
// prodlike tails the service and watches its tasks; both carry on by themselves, and after the heal
// the node takes work again and its new tasks show up in the same tail and watch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, WatchEvent } from '../../../src/core/cluster/types';
import { openEngine } from '../../../src/core/docker/engine';
import { swarmDiscovery } from '../../../src/core/logs/swarm-sources';
import { startTail } from '../logs/support';
import { allReady, countingScript, countsByTask, createService, eventually, gaps, pushApp, reportFault, useMultiNodeSwarm } from './support';

describe('multi-node swarm: partition and heal', () => {
  const swarm = useMultiNodeSwarm(3, 1);

  it('tail and task watch recover by themselves when a cut-off node comes back', async (t) => {
    const image = pushApp(swarm, 'part-v1', countingScript('v1'));
    const svc = createService(swarm, image, 6);
    t.after(() => svc.remove());
    const cluster = swarm.cluster();
    const ref = { namespace: 'default', name: svc.name };
    const ac = new AbortController();
    t.after(() => ac.abort());

    // The watch, as the cluster tree runs it: every event kept.
    const watched: { at: number; e: WatchEvent<Pod> }[] = [];
    const watching = (async () => {
      for await (const e of cluster.watchPods(ref, ac.signal)) watched.push({ at: Date.now(), e });
    })().catch(() => undefined);
    const tail = startTail(swarmDiscovery({ engine: openEngine({ url: swarm.host(1), from: 'argument' }), cluster: 'swarm', service: svc.name }, { follow: true, pollMs: 500 }, ac.signal), {
      idleTimeoutMs: 10_000,
      retry: { initialDelayMs: 100, maxDelayMs: 1000 },
    });
    t.after(() => tail.stop());

    await tail.until((ls) => ['node1', 'node2', 'node3'].every((n) => [...countsByTask(ls).values()].some((e) => e.node === n && e.ns.length >= 10)), 'lines from each node', 90_000);
    const before = countsByTask(tail.lines);
    const cutOff = [...before].filter(([, e]) => e.node === 'node3').map(([id]) => id);
    const survivors = [...before].filter(([, e]) => e.node !== 'node3').map(([id]) => id);

    const cutAt = Date.now();
    swarm.fault('cut', 3);
    let healed = false;
    t.after(() => {
      if (!healed) swarm.fault('heal', 3);
    });
    await tail.until(() => cutOff.every((id) => tail.notices.some((n) => n.type === 'source-ended' && n.source.includes(id.slice(0, 12)))), 'the cut-off node\'s streams end', 60_000);
    const endedAt = Date.now();
    for (const n of tail.notices.filter((x) => x.type === 'source-ended' && cutOff.some((id) => x.source.includes(id.slice(0, 12))))) {
      assert.match(n.type === 'source-ended' ? n.reason : '', /node node3 is down/);
    }
    // The watch saw node3's tasks replaced on the other nodes.
    await eventually(() => {
      const latest = new Map<string, Pod>();
      for (const { e } of watched) {
        if (e.type === 'synced') for (const p of e.objects) latest.set(p.name, p);
        else if (e.type === 'added' || e.type === 'modified') latest.set(e.object.name, e.object);
        else if (e.type === 'deleted') latest.delete(e.object.name);
      }
      const live = [...latest.values()].filter((p) => p.ready && p.node !== 'node3');
      return live.length === 6 ? live : undefined;
    }, 'the watch shows six tasks on node1 and node2');

    swarm.fault('heal', 3);
    healed = true;
    const healAt = Date.now();
    await allReady(cluster, 3);
    const readyAfterS = (Date.now() - healAt) / 1000;
    // Work for the healed node: swarm spreads three more tasks, mostly onto the emptiest node (node3).
    swarm.docker('service', 'scale', '--detach', `${svc.name}=9`);
    await tail.until((ls) => [...countsByTask(ls)].some(([id, e]) => !before.has(id) && e.node === 'node3' && e.ns.length >= 10), 'lines from a new task on the healed node', 90_000);
    await eventually(() => (watched.some(({ e, at }) => at > healAt && (e.type === 'added' || e.type === 'modified') && e.object.node === 'node3' && e.object.ready) ? true : undefined), 'the watch shows a running task on node3');
    const atEnd = countsByTask(tail.lines);
    await tail.until((ls) => survivors.every((id) => (countsByTask(ls).get(id)?.ns.length ?? 0) >= (atEnd.get(id)?.ns.length ?? 0) + 10), 'survivors still flowing', 60_000);
    await tail.stop();
    ac.abort();
    await watching;

    const final = countsByTask(tail.lines);
    let lost = 0;
    for (const id of survivors) {
      const g = gaps(final.get(id)!.ns);
      lost += g.lost;
      assert.deepEqual(g, { lost: 0, repeated: 0 }, `task ${id}: every line once, in order`);
    }
    for (const [id, e] of final) if (!before.has(id)) assert.equal(e.ns[0], 1, `new task ${id} on ${e.node} is read from its first line`);
    assert.deepEqual(tail.lines.map((l) => l.seq), tail.lines.map((_, i) => i + 1));
    // The watch never needed a reconnect (the manager stayed reachable) and never stopped.
    assert.ok(watched.some(({ at }) => at > healAt));
    reportFault(t, {
      fault: `node3's link cut during a 6-task tail and task watch, healed after the reschedule (${cutOff.length} tasks there)`,
      detectedAfterS: (endedAt - cutAt) / 1000,
      lostLines: lost,
      outcome: `node3 streams ended with "node node3 is down…"; node3 ready ${readyAfterS.toFixed(1)} s after the heal; new tasks on node3 tailed and watched without a restart of either`,
    });
  });
});
