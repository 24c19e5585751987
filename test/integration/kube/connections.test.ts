// Connection reuse of the Kubernetes client: requests share kept-alive TLS connections, streams do
// not hold back short requests, an aborted stream leaves no half-read connection behind, and
// credentials (tokens that rotate) are applied to each request, not frozen with the connection.
// Connections are counted by a TCP relay between the client and the test server, the way a proxy or
// the API server's own connection log would see them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployment, startKubeServer, type KubeServer } from '../../kube-server/index';
import { openKubeCluster, type KubeCluster } from '../../../src/core/kube/index';
import { loadKubeconfig } from '../../../src/core/kube/kubeconfig';
import { ProdlikeError } from '../../../src/core/errors';

interface Relay {
  url: string;
  /** Connections made through the relay so far. */
  opened: number;
  /** Connections currently open. */
  open: number;
  close(): Promise<void>;
}

async function relayTo(target: string): Promise<Relay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const relay = { url: '', opened: 0, open: 0, close: async () => {} } as Relay;
  const server = net.createServer((client) => {
    relay.opened++;
    relay.open++;
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('close', () => {
      relay.open--;
      end();
    });
    upstream.once('close', end);
    client.on('error', end);
    upstream.on('error', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  relay.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return relay;
}

/** The test server's kubeconfig, pointed at the relay, optionally with another user section. */
function kubeconfigVia(server: KubeServer, relay: Relay, userLines?: string[]): string {
  let text = server.kubeconfig.replace(server.url, relay.url);
  if (userLines) text = text.replace(/users:\n[\s\S]*$/, ['users:', '- name: test', '  user:', ...userLines, ''].join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-kube-conn-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

async function setUp(t: { after(fn: () => Promise<void> | void): void }, userLines?: string[], server?: KubeServer): Promise<{ server: KubeServer; relay: Relay; cluster: KubeCluster }> {
  const s = server ?? (await startKubeServer({ logOnStart: false }));
  const relay = await relayTo(s.url);
  const cluster = openKubeCluster({ kubeconfig: loadKubeconfig({ kubeconfigPath: kubeconfigVia(s, relay, userLines) }) });
  t.after(async () => {
    cluster.dispose();
    await relay.close();
    await s.close();
  });
  return { server: s, relay, cluster };
}

test('sequential requests share one TLS connection, and dispose closes it', async (t) => {
  const { server, relay, cluster } = await setUp(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 2 }));
  await server.settle();
  for (let i = 0; i < 20; i++) assert.deepEqual((await cluster.listWorkloads('default')).map((w) => w.name), ['web']);
  await assert.rejects(cluster.getWorkload({ namespace: 'default', name: 'missing' }), (e: unknown) => e instanceof ProdlikeError && e.code === 'not-found');
  assert.ok((await cluster.listNamespaces()).includes('default'));
  assert.equal(relay.opened, 1, 'one TLS connection for all requests, error answers included');
  // pods() reads the Deployment and lists its pods at once: two requests in flight, two connections,
  // however often it runs.
  for (let i = 0; i < 20; i++) assert.equal((await cluster.pods({ namespace: 'default', name: 'web' })).length, 2);
  assert.equal(relay.opened, 2);
  cluster.dispose();
  await waitUntil(() => relay.open === 0);
});

test('a followed log holds its own connection; aborting it mid-way closes it and the next request works', async (t) => {
  const { server, relay, cluster } = await setUp(t);
  server.apply(deployment({ name: 'web', image: 'reg/web:1', replicas: 1 }));
  await server.settle();
  const pod = (await cluster.pods({ namespace: 'default', name: 'web' }))[0]!.name;
  server.writeLog('default', pod, 'first');
  const controller = new AbortController();
  const got: string[] = [];
  let shortRequestWhileStreaming: string[] | undefined;
  const following = (async () => {
    for await (const l of cluster.podLogs('default', pod, { follow: true }, controller.signal)) {
      got.push(l.text);
      if (l.text === 'first') {
        // While the stream is open, a short request is not queued behind it.
        shortRequestWhileStreaming = (await cluster.listWorkloads('default')).map((w) => w.name);
        server.writeLog('default', pod, 'second\nthird');
      }
      if (l.text === 'second') controller.abort(); // mid-way: "third" is on its way or unread
    }
  })();
  await assert.rejects(following, (e: unknown) => e instanceof ProdlikeError && e.code === 'aborted');
  assert.deepEqual(shortRequestWhileStreaming, ['web']);
  assert.deepEqual(got.slice(0, 2), ['first', 'second']);
  assert.equal(relay.opened, 2, 'the stream on one connection, the short requests on another');
  // The stream's connection is closed, not handed back half-read; the pooled one stays.
  await waitUntil(() => relay.open === 1);
  for (let i = 0; i < 5; i++) assert.deepEqual((await cluster.listWorkloads('default')).map((w) => w.name), ['web']);
  assert.equal(relay.opened, 2, 'later requests reuse the pooled connection');
  await waitUntil(() => server.openStreams('log') === 0);
});

test('a rejected token is reported, and the next request authenticates again on the same connection', async (t) => {
  const { server, relay, cluster } = await setUp(t);
  await cluster.listWorkloads('default');
  server.faults.failNext(401, { kind: 'request' });
  await assert.rejects(cluster.listWorkloads('default'), (e: unknown) => e instanceof ProdlikeError && e.code === 'kube-unreachable' && /401/.test(e.message));
  assert.deepEqual(await cluster.listWorkloads('default'), []);
  assert.equal(relay.opened, 1);
});

test('an exec-plugin token that rotates is sent fresh on every request over the shared connection; Restricted Mode still refuses the plugin', async (t) => {
  const server = await startKubeServer({ logOnStart: false, token: 'token-1' });
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-kube-exec-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'token-1');
  // The plugin hands out whatever token the file holds, already expired, so client-node runs it
  // again for each request (as a plugin whose short-lived tokens keep expiring would be).
  const plugin = join(dir, 'plugin.js');
  writeFileSync(
    plugin,
    `const token = require('node:fs').readFileSync(${JSON.stringify(tokenFile)}, 'utf8');\n` +
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token, expirationTimestamp: new Date(Date.now() - 1000).toISOString() } }));\n`,
  );
  chmodSync(plugin, 0o700);
  const userLines = ['    exec:', '      apiVersion: client.authentication.k8s.io/v1beta1', `      command: ${JSON.stringify(process.execPath)}`, `      args: [${JSON.stringify(plugin)}]`, '      interactiveMode: Never'];
  const { relay, cluster } = await setUp(t, userLines, server);

  assert.deepEqual(await cluster.listWorkloads('default'), []);
  server.setToken('token-2');
  writeFileSync(tokenFile, 'token-2');
  assert.deepEqual(await cluster.listWorkloads('default'), []);
  assert.equal(relay.opened, 1, 'the new token went over the same connection');

  const restricted = loadKubeconfig({ kubeconfigPath: kubeconfigVia(server, relay, userLines), allowExecPlugins: false });
  assert.throws(() => openKubeCluster({ kubeconfig: restricted, allowExecPlugins: false }), (e: unknown) => e instanceof ProdlikeError && e.code === 'restricted');
});

async function waitUntil(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
