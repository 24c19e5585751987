// `prodlike logs` for workloads, run in-process against the Kubernetes API test server: what a user
// sees in the terminal and in --json, and that a Secret's value printed by a container never
// reaches either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, startKubeServer, type KubeServer } from '../../kube-server/index';
import { runProdlike } from '../../support/cli';

const PASSWORD = 'pr0d-DB-pa55word';
const API_KEY = 'key-6f1c2a9e77b04d5f';

async function server(t: { after(fn: () => Promise<void>): void }): Promise<KubeServer> {
  const s = await startKubeServer({ readyDelayMs: 10, logOnStart: false });
  t.after(() => s.close());
  s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: Buffer.from(PASSWORD).toString('base64') } });
  s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api', namespace: 'default' }, data: { key: Buffer.from(API_KEY).toString('base64') } });
  const d = deployment({ name: 'web', image: 'registry/web:1', replicas: 2 });
  const c = d.spec.template.spec.containers[0];
  c.env = [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }];
  c.envFrom = [{ secretRef: { name: 'api' } }];
  s.apply(d);
  s.apply(deployment({ name: 'other', image: 'registry/other:1', replicas: 1 }));
  await s.settle();
  return s;
}

function pods(s: KubeServer, app: string): string[] {
  return s.list('pods', 'default').filter((p) => p.metadata.labels?.app === app).map((p) => p.metadata.name).sort();
}

test('prodlike logs <workload> prints every pod of the workload with a [pod/container] prefix, and only them', async (t) => {
  const s = await server(t);
  const [a, b] = pods(s, 'web');
  s.writeLog('default', a!, 'GET / 200');
  s.writeLog('default', b!, 'GET /health 200');
  s.writeLog('default', b!, 'ERROR db unreachable');
  s.writeLog('default', pods(s, 'other')[0]!, 'not mine');
  const env = { ...process.env, KUBECONFIG: s.kubeconfigPath };
  const r = await runProdlike(['logs', 'web', '--context', 'test'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), [`[${a}/app] GET / 200`, `[${b}/app] ERROR db unreachable`, `[${b}/app] GET /health 200`].sort());
  assert.match(r.stderr, new RegExp(`\\+ ${a}/app`), 'the sources are announced on stderr');

  const errors = await runProdlike(['logs', 'web', '--context', 'test', '--only-errors'], { env });
  assert.deepEqual(errors.stdout.split('\n').filter(Boolean), [`[${b}/app] ERROR db unreachable`]);
  const grep = await runProdlike(['logs', '-l', 'app=web', '--context', 'test', '--grep', 'health', '--exclude', 'ERROR'], { env });
  assert.deepEqual(grep.stdout.split('\n').filter(Boolean), [`[${b}/app] GET /health 200`]);
  const tail = await runProdlike(['logs', 'web', '--context', 'test', '--tail', '1', '--json'], { env });
  const objects = tail.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(objects.map((o) => `${o.pod} ${o.text}`).sort(), [`${a} GET / 200`, `${b} ERROR db unreachable`].sort());
  const err = objects.find((o) => o.pod === b)!;
  assert.equal(err.level, 'error');
  assert.equal(err.container, 'app');
  assert.equal(err.cluster, 'test');
  assert.equal(err.namespace, 'default');
  assert.match(String(err.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
  assert.deepEqual(objects.map((o) => o.seq).sort(), [1, 2]);
});

test("a Secret's value printed by a container never reaches the output — plain, in JSON, base64 — in text or --json", async (t) => {
  const s = await server(t);
  const [a] = pods(s, 'web');
  s.writeLog('default', a!, `connecting to postgres with password ${PASSWORD}`);
  s.writeLog('default', a!, JSON.stringify({ level: 'info', msg: 'config', db: PASSWORD, key: API_KEY }));
  s.writeLog('default', a!, `debug dump ${Buffer.from(PASSWORD).toString('base64')}`);
  s.writeLog('default', a!, `calling upstream with Authorization: Bearer ${API_KEY}`);
  const env = { ...process.env, KUBECONFIG: s.kubeconfigPath };
  for (const args of [['logs', 'web', '--context', 'test'], ['logs', 'web', '--context', 'test', '--json']]) {
    const r = await runProdlike(args, { env });
    assert.equal(r.code, 0, r.stderr);
    const all = r.stdout + r.stderr;
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 4, 'every line is shown, masked');
    for (const secret of [PASSWORD, API_KEY, Buffer.from(PASSWORD).toString('base64')]) assert.ok(!all.includes(secret), `${args.join(' ')} printed a secret`);
    assert.match(r.stdout, /\[redacted\]/);
  }
  // Searching for the value finds nothing: filters see the masked line.
  const grep = await runProdlike(['logs', 'web', '--context', 'test', '--grep', PASSWORD.slice(0, 8)], { env });
  assert.equal(grep.stdout, '');
});

test('a name that is neither a local container nor a workload says both were looked for', async (t) => {
  const s = await server(t);
  const r = await runProdlike(['logs', 'nope', '--context', 'test'], { env: { ...process.env, KUBECONFIG: s.kubeconfigPath } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /There is no Deployment "nope" in namespace "default" \(context test\)/);
  const bad = await runProdlike(['logs', 'web', '--context', 'test', '--grep', '('], { env: { ...process.env, KUBECONFIG: s.kubeconfigPath } });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--grep "\(" is not a valid regular expression/);
});
