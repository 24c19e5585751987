// `prodlike run` reading production from the live cluster (--from cluster, or by default when the
// manifests do not declare the workload): a Deployment on the Kubernetes API test server and a
// service on the test infrastructure's real swarm, run locally by digest and configured the same way.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProdlike } from '../../support/cli';
import { testInfra, uniqueName } from '../../support/infra';
import { deployment, startKubeServer, type KubeServer } from '../../kube-server/index';
import { dockerCli, removeContainers, removeImages, testEngine } from './helpers';

const infra = testInfra();
const engine = testEngine();
const repo = `${infra.registry}/prodlike-it/${uniqueName('live')}`;
const SECRET = 'live-secret-never-printed-4410';
const kubeWorkload = uniqueName('live-web');
const service = uniqueName('live-svc');
const containers = [uniqueName('parity-kube'), uniqueName('parity-swarm')];
const images: string[] = [];
let server: KubeServer;
let app = '';
let env: NodeJS.ProcessEnv = {};
let pinned = '';
let serviceCreated = false;

before(async () => {
  app = mkdtempSync(join(tmpdir(), 'prodlike-live-app-'));
  cpSync(join(__dirname, '../../../examples/clean-app'), app, { recursive: true });
  const config = readFileSync(join(app, 'prodlike.yaml'), 'utf8');
  writeFileSync(
    join(app, 'prodlike.yaml'),
    `${config}  live-kube:\n    context: test\n    namespace: default\n    workload: ${kubeWorkload}\n  live-swarm:\n    orchestrator: swarm\n    workload: ${service}\n`,
  );
  writeFileSync(join(app, 'secrets.env'), `DB_PASSWORD=${SECRET}\n`);
  for (const args of [['init', '-q'], ['add', '.'], ['commit', '-q', '-m', 'app']]) {
    assert.equal(spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: app }).status, 0);
  }
  server = await startKubeServer({ readyDelayMs: 10 });
  const dockerConfig = mkdtempSync(join(tmpdir(), 'prodlike-live-docker-config-'));
  writeFileSync(join(dockerConfig, 'config.json'), '{}');
  env = { ...process.env, DOCKER_HOST: infra.dockerHost, DOCKER_CONFIG: dockerConfig, KUBECONFIG: server.kubeconfigPath };
  const pushed = await runProdlike(['push', '--build', '--image', repo], { cwd: app, env });
  assert.equal(pushed.code, 0, pushed.stderr);
  pinned = pushed.stdout.trim();
  images.push(pinned.split('@')[0]!, `${repo}@${pinned.split('@')[1]}`);
});

after(async () => {
  if (serviceCreated) spawnSync('docker', ['--host', infra.dockerHost, 'service', 'rm', service]);
  await removeContainers(engine, containers);
  await removeImages(engine, images);
  await server?.close();
  rmSync(app, { recursive: true, force: true });
  if (env.DOCKER_CONFIG) rmSync(env.DOCKER_CONFIG, { recursive: true, force: true });
});

test('a Deployment the manifests do not declare is read from the cluster: pod template, live ConfigMap, local Secret', async () => {
  server.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live-config', namespace: 'default' }, data: { GREETING: 'hello from the live cluster' } });
  const d = deployment({ name: kubeWorkload, image: pinned, replicas: 1 });
  const spec = (d.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  spec.securityContext = { runAsUser: 65534, runAsGroup: 65534 };
  (spec.containers as Record<string, unknown>[])[0] = {
    name: 'app',
    image: pinned,
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    env: [
      { name: 'MODE', value: 'live' },
      { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'live-config', key: 'GREETING' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ],
    resources: { limits: { memory: '48Mi', cpu: '500m' } },
    securityContext: { readOnlyRootFilesystem: true },
  };
  server.apply(d);

  const run = await runProdlike(['run', 'live-kube', '--env-file', 'secrets.env', '--network', 'none', '--name', containers[0]!], { cwd: app, env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`running Deployment/${kubeWorkload} \\(app\\) from cluster test \\(https://127\\.0\\.0\\.1:\\d+\\) deployment default/${kubeWorkload}`));
  assert.ok(!(run.stdout + run.stderr).includes(SECRET), 'the secret value is never printed');
  assert.match(run.stdout, /env GREETING\s+hello from the live cluster\s+hello from the live cluster/);
  // The live Deployment has no probes; the image's HEALTHCHECK is then a real difference.
  assert.match(run.stdout, /≠\s+probes\s+\(none\)\s+HEALTHCHECK/);
  assert.match(run.stdout, /1 difference\(s\) from production/);
  const info = await engine.docker.getContainer(containers[0]!).inspect();
  assert.equal(info.Config.Image, `${repo}@${pinned.split('@')[1]}`);
  assert.ok(info.Config.Env.includes('MODE=live'));
  assert.ok(info.Config.Env.includes('GREETING=hello from the live cluster'));
  assert.ok(info.Config.Env.includes(`DB_PASSWORD=${SECRET}`));
  assert.equal(info.Config.User, '65534:65534');
  assert.equal(info.HostConfig.ReadonlyRootfs, true);
  assert.equal(info.HostConfig.Memory, 48 * 1024 * 1024);
  assert.equal(info.HostConfig.NanoCpus, 500_000_000);

  // Asked for explicitly, the manifests are never second-guessed.
  const fromManifests = await runProdlike(['run', 'live-kube', '--from', 'manifests', '--network', 'none'], { cwd: app, env });
  assert.equal(fromManifests.code, 1);
  assert.match(fromManifests.stderr, new RegExp(`No Deployment, StatefulSet, DaemonSet or Pod named "${kubeWorkload}"`));
  const bad = await runProdlike(['run', 'live-kube', '--from', 'helm'], { cwd: app, env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--from helm: expected cluster or manifests/);
});

test('a swarm service is read from the real swarm: command-free spec, env, user, read-only, limits', async () => {
  dockerCli(['service', 'create', '--detach', '--quiet', '--name', service, '--network', 'host', '--env', 'MODE=swarm-live', '--env', 'GREETING=hello from swarm', '--user', '65534:65534', '--read-only', '--limit-memory', '40m', '--limit-cpu', '0.5', '--label', 'dev.prodlike.test=run-live', pinned]);
  serviceCreated = true;
  const run = await runProdlike(['run', 'live-swarm', '--from', 'cluster', '--network', 'none', '--name', containers[1]!], { cwd: app, env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`from swarm .* service ${service}`));
  assert.match(run.stdout, /env MODE\s+swarm-live\s+swarm-live/);
  const info = await engine.docker.getContainer(containers[1]!).inspect();
  assert.equal(info.Config.Image, `${repo}@${pinned.split('@')[1]}`);
  assert.ok(info.Config.Env.includes('MODE=swarm-live'));
  assert.ok(info.Config.Env.includes('GREETING=hello from swarm'));
  assert.equal(info.Config.User, '65534:65534');
  assert.equal(info.HostConfig.ReadonlyRootfs, true);
  assert.equal(info.HostConfig.Memory, 40 * 1024 * 1024);
  assert.equal(info.HostConfig.NanoCpus, 500_000_000);

  const missing = await runProdlike(['run', 'live-swarm', '--from', 'cluster', '--workload', `${service}-nope`, '--network', 'none'], { cwd: app, env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`No service "${service}-nope" on the swarm`));
});
