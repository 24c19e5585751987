// A three-manager swarm: the engine prodlike talks to (node1, a manager and the first leader) is
// restarted while a tail, a task watch and a workload watch run through it. All three reconnect by
// themselves; the tasks on the other nodes lose no line; node1's own tasks (killed with its engine)
// end, and their replacements are tailed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, WatchEvent, Workload } from '../../../src/core/cluster/types';
import { openEngine } from '../../../src/core/docker/engine';
import { swarmDiscovery } from '../../../src/core/logs/swarm-sources';
import { startTail } from '../logs/support';
import { allReady, countingScript, countsByTask, createService, eventually, gaps, pushApp, reportFault, useMultiNodeSwarm } from './support';

describe('multi-node swarm, three managers: a manager\'s engine restarts', () => {
  const swarm = useMultiNodeSwarm(3, 3);

  it('watches and the tail reconnect; no line of the other nodes\' tasks is lost', async (t) => {
    const image = pushApp(swarm, 'mgr-v1', countingScript('v1'));
    const svc = createService(swarm, image, 6);
    t.after(() => svc.remove());
    const cluster = swarm.cluster(1);
    const ref = { namespace: 'default', name: svc.name };
    const nodes = await allReady(cluster, 3);
    assert.deepEqual(nodes.map((n) => n.role), ['manager', 'manager', 'manager']);
    assert.equal(nodes.filter((n) => n.manager === 'leader').length, 1);

    const ac = new AbortController();
    t.after(() => ac.abort());
    const pods: { at: number; e: WatchEvent<Pod> }[] = [];
    const workloads: { at: number; e: WatchEvent<Workload> }[] = [];
    const watching = Promise.all([
      (async () => {
        for await (const e of cluster.watchPods(ref, ac.signal)) pods.push({ at: Date.now(), e });
      })(),
      (async () => {
        for await (const e of cluster.watchWorkloads('default', ac.signal)) workloads.push({ at: Date.now(), e });
      })(),
    ]).catch(() => undefined);
    // prodlike's default reconnect policy: what a user's `prodlike logs -f` does.
    const tail = startTail(swarmDiscovery({ engine: openEngine({ url: swarm.host(1), from: 'argument' }), cluster: 'swarm', service: svc.name }, { follow: true, pollMs: 500 }, ac.signal), { idleTimeoutMs: 10_000 });
    t.after(() => tail.stop());

    await tail.until((ls) => ['node1', 'node2', 'node3'].every((n) => [...countsByTask(ls).values()].some((e) => e.node === n && e.ns.length >= 10)), 'lines from each node', 90_000);
    await eventually(() => (pods.some(({ e }) => e.type === 'synced') && workloads.length > 0 ? true : undefined), 'both watches running');
    const before = countsByTask(tail.lines);
    const others = [...before].filter(([, e]) => e.node !== 'node1').map(([id]) => id);
    const onNode1 = [...before].filter(([, e]) => e.node === 'node1').map(([id]) => id);

    const restartAt = Date.now();
    swarm.fault('restart-node', 1);
    const upAt = Date.now();

    // The watches say they lost the engine, then carry on.
    await eventually(() => (pods.some(({ e, at }) => e.type === 'reconnecting' && at >= restartAt) && pods.some(({ e, at }) => e.type === 'synced' && at >= upAt) ? true : undefined), 'the task watch reconnects and re-lists');
    const podWatchBackAt = pods.find(({ e, at }) => e.type === 'synced' && at >= upAt)!.at;
    await eventually(() => (workloads.some(({ e, at }) => e.type === 'reconnecting' && at >= restartAt) && workloads.some(({ e, at }) => e.type !== 'reconnecting' && at >= upAt) ? true : undefined), 'the workload watch reconnects');
    // node1's tasks died with its engine: their streams end, swarm replaces them, the tail reads the new ones.
    await tail.until(() => onNode1.every((id) => tail.notices.some((n) => (n.type === 'source-ended' || n.type === 'source-failed') && n.source.includes(id.slice(0, 12)))), 'node1\'s old streams end', 90_000);
    await tail.until((ls) => [...countsByTask(ls)].filter(([id]) => !before.has(id)).length >= onNode1.length, 'replacements of node1\'s tasks are tailed', 90_000);
    const atBack = countsByTask(tail.lines);
    await tail.until((ls) => others.every((id) => (countsByTask(ls).get(id)?.ns.length ?? 0) >= (atBack.get(id)?.ns.length ?? 0) + 20), 'the other nodes\' tasks keep flowing', 90_000);
    const tailBackAt = Date.now();
    await tail.stop();
    ac.abort();
    await watching;

    assert.ok(!tail.notices.some((n) => n.type === 'source-failed' && others.some((id) => n.source.includes(id.slice(0, 12)))), `no stream of node2/node3 was given up: ${JSON.stringify(tail.notices.filter((n) => n.type === 'source-failed'))}`);
    const final = countsByTask(tail.lines);
    let lost = 0;
    for (const id of others) {
      const g = gaps(final.get(id)!.ns);
      lost += g.lost;
      assert.deepEqual(g, { lost: 0, repeated: 0 }, `task ${id} on ${final.get(id)!.node}: every line once, across the restart`);
    }
    assert.deepEqual(tail.lines.map((l) => l.seq), tail.lines.map((_, i) => i + 1));
    const after = await allReady(cluster, 3);
    reportFault(t, {
      fault: `restart of node1's engine (a manager; ${onNode1.length} tasks there), 3 managers`,
      detectedAfterS: (podWatchBackAt - restartAt) / 1000,
      lostLines: lost,
      outcome: `engine back after ${((upAt - restartAt) / 1000).toFixed(1)} s; task watch re-listed (detection column: until re-listed), workload watch reconnected, tail whole again ${((tailBackAt - restartAt) / 1000).toFixed(1)} s after; leader now ${after.find((n) => n.manager === 'leader')?.name}`,
    });
  });
});
