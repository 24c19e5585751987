// Kubernetes nodes as prodlike shows them (issue 9, "Nodes are visible"): listed with role,
// availability and health; a node that goes NotReady is shown as down in `prodlike status`, and
// once its pods are evicted they come back on the other nodes and the Deployment is complete again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployment, type KubeServer } from '../../kube-server/index';
import { runProdlike } from '../../support/cli';
import { withServer } from './support';

/** A workspace whose prodlike.yaml names the test server's context, and `prodlike status` run in it. */
function statusOf(t: { after(fn: () => void): void }, server: KubeServer): () => Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-kube-nodes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'prodlike.yaml'), ['image: reg/web', 'environments:', '  staging:', '    context: test', '    namespace: default', '    workload: web', ''].join('\n'));
  return () => runProdlike(['status', 'staging'], { cwd: dir, env: { ...process.env, KUBECONFIG: server.kubeconfigPath } });
}

/** The row of a table in the output that starts with `first`, split into its cells. */
function row(out: string, first: string): string[] | undefined {
  const line = out.split('\n').find((l) => l.split(/\s{2,}/)[0]?.trim() === first);
  return line?.trim().split(/\s{2,}/);
}

/** Task name → node, from the TASK table of `prodlike status`. */
function taskNodes(out: string): Map<string, string> {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith('TASK'));
  const out2 = new Map<string, string>();
  for (const l of lines.slice(start + 1)) {
    if (!l.trim()) break;
    const cells = l.trim().split(/\s{2,}/);
    out2.set(cells[0]!, cells[2]!);
  }
  return out2;
}

test('nodes are listed with role, availability, health, address and kubelet version', async (t) => {
  const { cluster } = await withServer(t, {
    nodes: [{ name: 'worker-10' }, { name: 'cp-1', roles: ['control-plane'] }, { name: 'worker-2', unschedulable: true }, { name: 'worker-1', roles: ['ingress'] }],
    version: { major: '1', minor: '29' },
  });
  const nodes = await cluster.nodes();
  assert.deepEqual(
    nodes.map((n) => [n.name, n.role, n.availability, n.health, n.version]),
    [
      ['cp-1', 'control-plane', 'active', 'ready', 'v1.29.0'],
      ['worker-1', 'worker', 'active', 'ready', 'v1.29.0'],
      ['worker-2', 'worker', 'pause', 'ready', 'v1.29.0'],
      ['worker-10', 'worker', 'active', 'ready', 'v1.29.0'],
    ],
  );
  assert.ok(nodes.every((n) => /^10\.0\.0\.\d+$/.test(n.address ?? '')), 'each node has its InternalIP');
});

test('a node marked NotReady shows as down in prodlike status; its pods are evicted, come back on the other nodes and the Deployment is complete again', async (t) => {
  // The eviction delay is long here so that status can be read between NotReady and eviction.
  const { server, cluster } = await withServer(t, { nodes: 3, podEvictionDelayMs: 60_000 });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 4 }));
  await server.settle();
  const status = statusOf(t, server);

  const before = await status();
  assert.equal(before.code, 0, before.stderr);
  assert.deepEqual(row(before.stdout, 'node-1'), ['node-1', 'control-plane', 'active', 'ready', '-', '10.0.0.1']);
  assert.deepEqual(row(before.stdout, 'node-2'), ['node-2', 'worker', 'active', 'ready', '-', '10.0.0.2']);
  assert.deepEqual(row(before.stdout, 'node-3'), ['node-3', 'worker', 'active', 'ready', '-', '10.0.0.3']);
  const placed = taskNodes(before.stdout);
  assert.equal(placed.size, 4);
  assert.deepEqual([...placed.values()].sort(), ['node-2', 'node-2', 'node-3', 'node-3'], 'replicas are spread over the workers, none on the control plane');
  const onNode2 = [...placed].filter(([, n]) => n === 'node-2').map(([p]) => p);

  server.markNodeNotReady('node-2');
  await server.waitFor(() => server.get('deployments', 'default', 'web')?.status?.availableReplicas === 2);
  const down = await status();
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(row(down.stdout, 'node-2'), ['node-2', 'worker', 'active', 'down (Kubelet stopped posting node status.)', '-', '10.0.0.2']);
  assert.deepEqual(row(down.stdout, 'tasks'), ['tasks', '2/4 running, 4 on this image']);
  assert.deepEqual([...taskNodes(down.stdout)].filter(([, n]) => n === 'node-2').map(([p]) => p).sort(), [...onNode2].sort(), 'before eviction the pods are still bound to the lost node');

  // Marking it again with no delay: the toleration has run out, its pods are evicted now.
  server.markNodeNotReady('node-2', { evictAfterMs: 0 });
  await server.waitFor(() => server.list('pods', 'default').every((p) => p.spec.nodeName !== 'node-2'));
  await server.settle();
  const after = await status();
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(row(after.stdout, 'state'), ['state', 'complete']);
  assert.deepEqual(row(after.stdout, 'tasks'), ['tasks', '4/4 running, 4 on this image']);
  const moved = taskNodes(after.stdout);
  assert.deepEqual([...moved.values()], ['node-3', 'node-3', 'node-3', 'node-3'], 'every replica runs on the node that is still ready');
  for (const p of onNode2) assert.equal(moved.has(p), false, `${p} was evicted and replaced`);
  assert.equal((await cluster.getWorkload({ namespace: 'default', name: 'web' })).state, 'complete');

  server.markNodeReady('node-2');
  const back = await status();
  assert.deepEqual(row(back.stdout, 'node-2'), ['node-2', 'worker', 'active', 'ready', '-', '10.0.0.2']);
});

test('with every worker down, new pods wait for a node and start when one is ready again', async (t) => {
  const { server } = await withServer(t, { nodes: 2 });
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
  await server.settle();
  const status = statusOf(t, server);
  server.markNodeNotReady('node-2', { evictAfterMs: 0 });
  await server.waitFor(() => server.list('pods', 'default').length === 2 && server.list('pods', 'default').every((p) => !p.spec.nodeName));
  const waiting = await status();
  assert.equal(waiting.code, 0, waiting.stderr);
  assert.deepEqual([...taskNodes(waiting.stdout).values()], ['-', '-'], 'no node to run on');
  assert.deepEqual(row(waiting.stdout, 'tasks'), ['tasks', '0/2 running, 2 on this image']);

  server.markNodeReady('node-2');
  await server.settle();
  const back = await status();
  assert.deepEqual(row(back.stdout, 'state'), ['state', 'complete']);
  assert.deepEqual([...taskNodes(back.stdout).values()], ['node-2', 'node-2']);
});

test('status still shows the workload when the user may not list nodes, and says why the nodes are missing', async (t) => {
  const { server } = await withServer(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  const status = statusOf(t, server);
  server.faults.failNext(403, { path: /^\/api\/v1\/nodes$/, message: 'nodes is forbidden: User "dev" cannot list resource "nodes" in API group "" at the cluster scope' });
  const r = await status();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(row(r.stdout, 'state'), ['state', 'complete']);
  assert.equal(row(r.stdout, 'NODE'), undefined);
  assert.match(r.stderr, /nodes not shown: .*cannot list resource "nodes"/);
});
