// `prodlike logs --local` as a user runs it against the real (private) Docker engine: local
// containers by label or by name with a [name/container] prefix, local containers and a cluster's
// pods in one stream, and the single-container form (`prodlike logs <container>`) unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PARITY_LABEL } from '../../../src/core/docker/run-as-production';
import { deployment, startKubeServer } from '../../kube-server/index';
import { runProdlike } from '../../support/cli';
import { testInfra, uniqueName } from '../../support/infra';
import { removeContainers, testEngine } from '../docker/helpers';

const infra = testInfra();
const engine = testEngine();

async function runToEnd(name: string, labels: Record<string, string>, cmd: string): Promise<void> {
  const c = await engine.docker.createContainer({ name, Image: infra.image, Cmd: ['sh', '-c', cmd], Labels: labels, HostConfig: { NetworkMode: 'none' } });
  await c.start();
  await c.wait();
}

test('--local: containers by label or name, prefixed; mixed with a kube context; the single-container form as before', async (t) => {
  const app = uniqueName('mix');
  const [a, b, other] = [uniqueName('cli-a'), uniqueName('cli-b'), uniqueName('cli-other')];
  t.after(() => removeContainers(engine, [a, b, other]));
  await runToEnd(a, { [PARITY_LABEL]: 'true', 'dev.prodlike.container': 'web', app }, 'echo "hello from a"; echo "oops" >&2');
  await runToEnd(b, { app, tier: 'db' }, 'echo "hello from b"; echo "token=abc123secretvalue"');
  await runToEnd(other, { app: `${app}-not` }, 'echo "not mine"');
  const env = { ...process.env, DOCKER_HOST: infra.dockerHost, NO_COLOR: '1' };

  const byLabel = await runProdlike(['logs', '--local', '-l', `app=${app}`], { env });
  assert.equal(byLabel.code, 0, byLabel.stderr);
  assert.deepEqual(byLabel.stdout.split('\n').filter(Boolean).sort(), [`[${a}/web] hello from a`, `[${a}/web] oops`, `[${b}/${b}] hello from b`, `[${b}/${b}] token=[redacted]`].sort());
  const narrowed = await runProdlike(['logs', '--local', '-l', `app=${app},tier!=db`, '--json'], { env });
  const objects = narrowed.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(objects.map((o) => `${o.pod} ${o.stream} ${o.text}`).sort(), [`${a} stderr oops`, `${a} stdout hello from a`]);
  assert.equal(objects[0]!.kind, 'container');
  assert.equal(objects[0]!.cluster, 'local');
  const byName = await runProdlike(['logs', '--local', b], { env });
  assert.deepEqual(byName.stdout.split('\n').filter(Boolean), [`[${b}/${b}] hello from b`, `[${b}/${b}] token=[redacted]`]);

  // Local containers and a cluster's pods with the same label, in one stream: prefixes name the cluster.
  const server = await startKubeServer({ readyDelayMs: 10, logOnStart: false });
  t.after(() => server.close());
  server.apply(deployment({ name: app, image: 'registry/web:1', replicas: 1 }));
  await server.settle();
  const pod = server.list('pods', 'default')[0]!.metadata.name as string;
  server.writeLog('default', pod, 'hello from the cluster');
  const mixed = await runProdlike(['logs', '--local', '-l', `app=${app},tier!=db`, '--context', 'test'], { env: { ...env, KUBECONFIG: server.kubeconfigPath } });
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.deepEqual(mixed.stdout.split('\n').filter(Boolean).sort(), [`[local:${a}/web] hello from a`, `[local:${a}/web] oops`, `[test:${pod}/app] hello from the cluster`].sort());

  // The single-container form: stdout and stderr apart, no prefix.
  const single = await runProdlike(['logs', a], { env });
  assert.equal(single.code, 0, single.stderr);
  assert.equal(single.stdout, 'hello from a\n');
  assert.equal(single.stderr, 'oops\n');

  const none = await runProdlike(['logs', '--local', '-l', `app=${app}-nobody`], { env });
  assert.equal(none.code, 0);
  assert.match(none.stderr, /No container with labels "app=.*-nobody" on unix:\/\//);
});
