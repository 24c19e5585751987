// A real three-node swarm (one manager, two workers): prodlike shows its nodes, and a deploy
// spreads the replicas over them and names each task's node — as `prodlike status` prints it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { allReady, countingScript, createService, pushApp, useMultiNodeSwarm } from './support';

describe('multi-node swarm: nodes and a deploy across them', () => {
  const swarm = useMultiNodeSwarm(3, 1);
  let dir: string;
  let v1: string, v2: string;
  let svc: { name: string; remove(): void };

  before(() => {
    v1 = pushApp(swarm, 'spread-v1', countingScript('v1'));
    v2 = pushApp(swarm, 'spread-v2', countingScript('v2'));
    svc = createService(swarm, v1, 6);
    dir = mkdtempSync(join(tmpdir(), 'prodlike-multinode-'));
    writeFileSync(
      join(dir, 'prodlike.yaml'),
      ['environments:', '  prod:', '    orchestrator: swarm', `    engine: ${swarm.host(1)}`, `    workload: ${svc.name}`, '    update: { monitor: 1s }', ''].join('\n'),
    );
  });
  after(() => {
    svc?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists every node with its role, availability and health', async () => {
    const nodes = await allReady(swarm.cluster(), 3);
    assert.deepEqual(
      nodes.map((n) => [n.name, n.role, n.availability, n.health, n.manager ?? '-']),
      [
        ['node1', 'manager', 'active', 'ready', 'leader'],
        ['node2', 'worker', 'active', 'ready', '-'],
        ['node3', 'worker', 'active', 'ready', '-'],
      ],
    );
    assert.deepEqual(nodes.map((n) => n.address), ['10.231.0.11', '10.231.0.12', '10.231.0.13']);

    const r = await runProdlike(['status', 'prod'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /NODE\s+ROLE\s+AVAILABILITY\s+HEALTH\s+MANAGER\s+ADDRESS/);
    assert.match(r.stdout, /node1\s+manager\s+active\s+ready\s+leader\s+10\.231\.0\.11/);
    assert.match(r.stdout, /node3\s+worker\s+active\s+ready\s+-\s+10\.231\.0\.13/);

    // A drained node says so (and swarm moves its work away).
    swarm.docker('node', 'update', '--availability', 'drain', 'node2');
    try {
      const json = await runProdlike(['--json', 'status', 'prod'], { cwd: dir });
      const doc = JSON.parse(json.stdout) as { nodes: { name: string; availability: string }[] };
      assert.equal(doc.nodes.find((n) => n.name === 'node2')?.availability, 'drain');
    } finally {
      swarm.docker('node', 'update', '--availability', 'active', 'node2');
    }
  });

  it('deploys across the nodes: replicas spread, the rollout completes, status names each task\'s node', async () => {
    const cluster = swarm.cluster();
    const r = await runProdlike(['deploy', v2, 'prod', '--cause', 'ship v2 to three nodes'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /rollout complete/);

    const pods = await cluster.pods({ namespace: 'default', name: svc.name });
    assert.equal(pods.length, 6);
    assert.ok(pods.every((p) => p.ready && /:spread-v2@sha256:/.test(p.containers[0]!.image)), JSON.stringify(pods));
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.node!, (perNode.get(p.node!) ?? 0) + 1);
    // Swarm's spread strategy: every node runs some of the six (two each when nothing else runs).
    assert.deepEqual([...perNode.keys()].sort(), ['node1', 'node2', 'node3']);
    // The oracle agrees on where each task runs.
    const oracle = swarm.docker('service', 'ps', svc.name, '--filter', 'desired-state=running', '--format', '{{.Name}} {{.Node}}').split('\n').map((l) => l.split(' '));
    for (const [name, node] of oracle) assert.equal(pods.find((p) => p.name.startsWith(`${name}.`))?.node, node, `${name} runs on ${node}`);

    const status = await runProdlike(['status', 'prod'], { cwd: dir });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /tasks\s+6\/6 running, 6 on this image/);
    for (const p of pods) assert.match(status.stdout, new RegExp(`${p.name.replace(/\./g, '\\.')}\\s+running\\s+${p.node}\\s`));
  });
});
