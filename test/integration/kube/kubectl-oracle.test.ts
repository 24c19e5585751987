// The real kubectl keeps the test server honest: kubectl's get, set image, rollout status/history/undo
// logs, get nodes and cordon must work against it, and on the same starting state kubectl's `rollout undo` and
// prodlike's rollback must leave the same Deployment template and revision numbers.
//
// Versions: the oldest and the newest kubectl on the machine (PRODLIKE_KUBECTL_VERSIONS="1.27 1.30"
// picks others). A version that is not installed is skipped, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { deployment, type KubeServer } from '../../kube-server/index';
import { collect, pinned, withServer } from './support';
import type { KubeCluster } from '../../../src/core/kube/index';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const versions = (process.env.PRODLIKE_KUBECTL_VERSIONS ?? '1.27 1.33').split(/\s+/).filter(Boolean);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(version: string, server: KubeServer, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${KUBECTL_DIR}/kubectl.${version}`, ['--kubeconfig', server.kubeconfigPath, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent-prodlike-home' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(version: string, server: KubeServer, args: string[]): Promise<string> {
  const r = await kubectl(version, server, args);
  assert.equal(r.code, 0, `kubectl ${version} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const ref = { namespace: 'default', name: 'web' };

/** Revision numbers kubectl prints in `rollout history`. */
function kubectlRevisions(out: string): number[] {
  return out
    .split('\n')
    .map((l) => /^(\d+)\s/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

/** What must agree: the Deployment's template and revision, and each ReplicaSet's image by revision. */
function outcome(server: KubeServer): unknown {
  const d = server.get('deployments', 'default', 'web')!;
  return {
    template: d.spec.template,
    revision: d.metadata.annotations?.['deployment.kubernetes.io/revision'],
    changeCause: d.metadata.annotations?.['kubernetes.io/change-cause'] ?? null,
    replicaSets: server
      .list('replicasets', 'default')
      .map((rs) => [Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision']), rs.spec.template.spec.containers[0].image])
      .sort((a, b) => a[0] - b[0]),
  };
}

/** The same history on any server: v1 applied, then v2 and v3 deployed, each settled. */
async function threeRevisions(server: KubeServer, cluster: KubeCluster): Promise<void> {
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
  await server.settle();
  for (const n of [2, 3]) {
    await cluster.deploy(await cluster.planDeploy(ref, pinned('reg/web', n), `deploy v${n}`));
    await collect(cluster.rolloutStatus(ref));
  }
}

for (const version of versions) {
  const installed = existsSync(`${KUBECTL_DIR}/kubectl.${version}`);

  test(`kubectl ${version}: get, set image, rollout status, rollout history and logs work against the test server`, { skip: !installed && `kubectl ${version} is not installed` }, async (t) => {
    const { server, cluster } = await withServer(t);
    server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
    await server.settle();

    const get = await ok(version, server, ['get', 'deployments']);
    assert.match(get, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/m);
    assert.match(get, /^web\s+2\/2\s+2\s+2\s/m);
    const json = JSON.parse(await ok(version, server, ['get', 'deployment', 'web', '-o', 'json'])) as { spec: { template: { spec: { containers: { image: string }[] } } } };
    assert.equal(json.spec.template.spec.containers[0]?.image, 'reg/web:1');
    assert.match(await ok(version, server, ['get', 'pods', '-l', 'app=web']), /web-\w+-\w+\s+1\/1\s+Running/);

    assert.match(await ok(version, server, ['set', 'image', 'deployment/web', 'app=reg/web:2']), /deployment.apps\/web image updated/);
    assert.match(await ok(version, server, ['rollout', 'status', 'deployment/web', '--timeout=60s']), /deployment "web" successfully rolled out/);
    assert.equal((await cluster.getWorkload(ref)).image, 'reg/web:2', 'prodlike reads what kubectl wrote');

    // prodlike's deploy, then kubectl's view of the history: same numbers, same cause.
    await cluster.deploy(await cluster.planDeploy(ref, pinned('reg/web', 3), 'deploy v3 by prodlike'));
    assert.match(await ok(version, server, ['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    const history = await ok(version, server, ['rollout', 'history', 'deployment/web']);
    assert.deepEqual(kubectlRevisions(history), (await cluster.history(ref)).map((r) => r.number));
    assert.match(history, /^3\s+deploy v3 by prodlike$/m);
    assert.match(await ok(version, server, ['rollout', 'history', 'deployment/web', '--revision=3']), new RegExp(`Image:\\s+${pinned('reg/web', 3).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // A failed rollout: kubectl and prodlike both call it a progress deadline.
    const bad = pinned('reg/web', 99);
    server.markImageBroken(bad, 'pull');
    await ok(version, server, ['set', 'image', 'deployment/web', `app=${bad}`]);
    const failed = await kubectl(version, server, ['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /deployment "web" exceeded its progress deadline/);
    assert.equal((await collect(cluster.rolloutStatus(ref))).at(-1)?.type, 'failed');
    assert.match(await ok(version, server, ['get', 'pods']), /ImagePullBackOff|ErrImagePull/);

    // Logs: one pod, with timestamps, tail, and the previous container after a restart.
    await ok(version, server, ['rollout', 'undo', 'deployment/web']);
    await server.settle();
    const pod = (await cluster.pods(ref)).find((p) => p.ready)!;
    server.writeLog('default', pod.name, 'GET / 200\nGET /health 200');
    const logs = await ok(version, server, ['logs', pod.name, '--timestamps', '--tail=2']);
    assert.match(logs, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z GET \/ 200\n\S+ GET \/health 200\n$/);
    server.restartContainer('default', pod.name);
    assert.match(await ok(version, server, ['logs', pod.name, '--previous']), /GET \/health 200/);
    assert.doesNotMatch(await ok(version, server, ['logs', pod.name]), /GET \/health/);
    assert.match(await ok(version, server, ['logs', 'deployment/web']), /started web-/);
  });

  test(`kubectl ${version}: rollout undo and prodlike's rollback leave the same Deployment`, { skip: !installed && `kubectl ${version} is not installed` }, async (t) => {
    const a = await withServer(t);
    const b = await withServer(t);
    await threeRevisions(a.server, a.cluster);
    await threeRevisions(b.server, b.cluster);
    assert.deepEqual(outcome(a.server), outcome(b.server), 'both start from the same state');

    assert.match(await ok(version, a.server, ['rollout', 'undo', 'deployment/web']), /rolled back/);
    await b.cluster.rollback(await b.cluster.planRollback(ref));
    await a.server.settle();
    await b.server.settle();
    assert.deepEqual(outcome(a.server), outcome(b.server));
    assert.equal((outcome(a.server) as { revision: string }).revision, '4');

    assert.match(await ok(version, a.server, ['rollout', 'undo', 'deployment/web', '--to-revision=1']), /rolled back/);
    await b.cluster.rollback(await b.cluster.planRollback(ref, 1));
    await a.server.settle();
    await b.server.settle();
    assert.deepEqual(outcome(a.server), outcome(b.server));
    assert.deepEqual(kubectlRevisions(await ok(version, a.server, ['rollout', 'history', 'deployment/web'])), (await b.cluster.history(ref)).map((r) => r.number));

    // Rolling back to what already runs: kubectl skips, prodlike plans a skip.
    const current = (await b.cluster.getWorkload(ref)).revision!;
    assert.match(await ok(version, a.server, ['rollout', 'undo', 'deployment/web', `--to-revision=${current}`]), /skipped rollback/);
    assert.equal((await b.cluster.planRollback(ref, current)).skipped, true);

    // A revision that is not kept: both refuse with the same words.
    const missing = await kubectl(version, a.server, ['rollout', 'undo', 'deployment/web', '--to-revision=42']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /unable to find specified revision 42 in history/);
    await assert.rejects(b.cluster.planRollback(ref, 42), /unable to find specified revision 42 in history/);

    // Paused: both refuse.
    await ok(version, a.server, ['rollout', 'pause', 'deployment/web']);
    const paused = await kubectl(version, a.server, ['rollout', 'undo', 'deployment/web']);
    assert.notEqual(paused.code, 0);
    assert.match(paused.stderr, /paused/);
    const d = b.server.get('deployments', 'default', 'web')!;
    b.server.apply({ ...d, spec: { ...d.spec, paused: true } });
    await assert.rejects(b.cluster.planRollback(ref), /paused/);
  });

  test(`kubectl ${version}: get nodes, cordon and uncordon agree with prodlike's nodes, also when a node is NotReady`, { skip: !installed && `kubectl ${version} is not installed` }, async (t) => {
    const { server, cluster } = await withServer(t, { nodes: 3 });
    server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
    await server.settle();
    const get = await ok(version, server, ['get', 'nodes']);
    assert.match(get, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
    assert.match(get, /^node-1\s+Ready\s+control-plane\s+\S+\s+v1\.30\.0$/m);
    assert.match(get, /^node-2\s+Ready\s+<none>\s+\S+\s+v1\.30\.0$/m);

    assert.match(await ok(version, server, ['cordon', 'node-3']), /node\/node-3 cordoned/);
    server.markNodeNotReady('node-2');
    const changed = await ok(version, server, ['get', 'nodes']);
    assert.match(changed, /^node-2\s+NotReady\s+<none>/m);
    assert.match(changed, /^node-3\s+Ready,SchedulingDisabled\s+<none>/m);
    const nodes = await cluster.nodes();
    assert.deepEqual(
      nodes.map((n) => [n.name, n.availability, n.health]),
      [
        ['node-1', 'active', 'ready'],
        ['node-2', 'active', 'down'],
        ['node-3', 'pause', 'ready'],
      ],
      'prodlike reads what kubectl shows',
    );
    const json = JSON.parse(await ok(version, server, ['get', 'node', 'node-2', '-o', 'json'])) as { status: { conditions: { type: string; status: string; message: string }[] } };
    const ready = json.status.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(nodes[1]!.message, ready?.message);

    assert.match(await ok(version, server, ['uncordon', 'node-3']), /node\/node-3 uncordoned/);
    assert.equal((await cluster.nodes()).find((n) => n.name === 'node-3')?.availability, 'active');
    assert.match(await ok(version, server, ['get', 'pods', '--field-selector', 'spec.nodeName=node-3']), /web-\w+-\w+\s+1\/1\s+Running/);
  });
}
