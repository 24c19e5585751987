// The runtime half against the real engine: build the example apps, run them with production's
// environment, and read what they wrote to their own filesystem.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine, resolveEngineEndpoint } from '../../../src/core/docker/engine';
import { checkParity, runtimeCheck } from '../../../src/core/parity';
import { testInfra, uniqueName } from '../../support/infra';

const infra = testInfra();
const engine = openEngine(resolveEngineEndpoint(infra.dockerHost));
const images: string[] = [];
const examples = join(__dirname, '..', '..', '..', 'examples');

function build(context: string): string {
  const tag = `prodlike-test/${uniqueName('parity')}:1`;
  const r = spawnSync('docker', ['build', '-q', '-t', tag, context], { env: { ...process.env, DOCKER_HOST: infra.dockerHost }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  images.push(tag);
  return tag;
}

after(async () => {
  for (const i of images) await engine.docker.getImage(i).remove({ force: true }).catch(() => undefined);
});

test('drifty-app: its heartbeat goes to /var/log/drifty/app.log, reported at its ENTRYPOINT', async () => {
  const root = join(examples, 'drifty-app');
  const image = build(root);
  const { model } = await checkParity(root);
  const hits = [...(await runtimeCheck(model, { docker: engine.docker, image, durationMs: 2500 })).entries()];
  assert.deepEqual(hits.map(([file, list]) => [file, list.map((h) => h.ruleId)]), [['Dockerfile', ['runtime-logs-to-file']]]);
  const hit = hits[0]![1][0]!;
  assert.match(hit.message, /wrote logs to \/var\/log\/drifty\/app\.log while stdout\/stderr got only \d+ bytes/);
  assert.equal(hit.start.line, 13);
});

test('clean-app: writes nothing but stdout, so no runtime finding', async () => {
  const root = join(examples, 'clean-app');
  const image = build(root);
  const { model } = await checkParity(root);
  assert.deepEqual([...(await runtimeCheck(model, { docker: engine.docker, image, durationMs: 2500 })).entries()], []);
});

test('state written outside declared volumes is reported; the declared VOLUME and production mounts are not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-parity-rt-'));
  try {
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        'FROM prodlike-test/busybox:1',
        'VOLUME /data',
        'HEALTHCHECK CMD true',
        `CMD ["sh", "-c", "echo started; mkdir -p /srv/uploads /cache; echo x > /srv/uploads/a.png; echo y > /data/kept; echo z > /cache/c; echo \\"$SECRET_TOKEN\\" > /srv/token; sleep 30"]`,
      ].join('\n') + '\n',
    );
    writeFileSync(
      join(dir, 'app.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w }\nspec:\n  template:\n    spec:\n      containers:\n        - name: w\n          image: prodlike-test/w:1\n          readinessProbe: { exec: { command: [true] } }\n          volumeMounts: [{ name: c, mountPath: /cache }]\n          env: [{ name: SECRET_TOKEN, valueFrom: { secretKeyRef: { name: s, key: k } } }]\n      volumes: [{ name: c, emptyDir: {} }]\n',
    );
    const image = build(dir);
    const { model } = await checkParity(dir);
    const hits = (await runtimeCheck(model, { docker: engine.docker, image, durationMs: 2500 })).get('Dockerfile') ?? [];
    assert.deepEqual(hits.map((h) => h.ruleId), ['runtime-state-in-container']);
    assert.equal(hits[0]!.message, `Running ${image} wrote outside its declared volumes: /srv/token, /srv/uploads/a.png.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const left = await engine.docker.listContainers({ all: true, filters: { label: ['dev.prodlike.check=runtime'] } });
  assert.deepEqual(left.filter((c) => images.includes(c.Image)), [], 'the check removes its containers');
});
