import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { containerPosition, findWorkload, loadManifests, parseManifestText, parseMemory, parseCpu, referencedConfig, resolveEnv, selectContainer, type ManifestSet } from '../../../src/core/manifests';
import { ProdlikeError } from '../../../src/core/errors';

const YAML = `# two documents and an empty one
apiVersion: v1
kind: ConfigMap
metadata: { name: app-config, namespace: shop }
data:
  GREETING: hello
  LEVEL: "3"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  template:
    spec:
      securityContext: { runAsUser: 1000 }
      volumes:
        - name: cfg
          configMap: { name: app-config, defaultMode: 0755 }
      containers:
        - name: sidecar
          image: busybox
        - name: api
          image: reg.example/api:1@sha256:${'a'.repeat(64)}
          command: [/bin/api]
          args: [--port, "8080"]
          env:
            - name: PORT
              value: "8080"
            - name: URL
              value: http://localhost:$(PORT)/x
            - name: GREETING
              valueFrom: { configMapKeyRef: { name: app-config, key: GREETING } }
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: db, key: password } }
            - name: POD
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
          envFrom:
            - configMapRef: { name: app-config }
              prefix: CFG_
          resources: { limits: { cpu: 250m, memory: 64Mi } }
---
`;

function set(text = YAML): ManifestSet {
  const { documents, problems } = parseManifestText(text, 'k8s/app.yaml');
  return { documents, problems, files: ['k8s/app.yaml'] };
}

test('finds a workload, its container, and where things are written', () => {
  const s = set();
  assert.deepEqual(s.problems, []);
  const w = findWorkload(s, 'api');
  assert.equal(w.kind, 'Deployment');
  assert.equal(w.namespace, 'shop');
  const { container, index } = selectContainer(w, 'api');
  assert.equal(index, 1);
  assert.deepEqual(container.command, ['/bin/api']);
  assert.deepEqual(containerPosition(w, index, ['image']), { file: 'k8s/app.yaml', line: 25, column: 18 });
  assert.deepEqual(w.position, { file: 'k8s/app.yaml', line: 12, column: 9 });
  assert.equal(selectContainer(w).container.name, 'sidecar', 'the first container by default');
  // YAML 1.1, as Kubernetes reads it: 0755 is octal.
  const vol = (w.document.object as { spec: { template: { spec: { volumes: { configMap: { defaultMode: number } }[] } } } }).spec.template.spec.volumes[0]!;
  assert.equal(vol.configMap.defaultMode, 0o755);
});

test('a missing workload lists what is there', () => {
  assert.throws(() => findWorkload(set(), 'nope'), (e: unknown) => e instanceof ProdlikeError && e.code === 'not-found' && /No Deployment, StatefulSet, DaemonSet or Pod named "nope" in k8s\/app.yaml/.test(e.message) && /Deployment\/api/.test(e.fix ?? ''));
});

test('environment: literals, $(VAR), ConfigMaps from the manifests, Secrets from the user, never guessed', () => {
  const s = set();
  const w = findWorkload(s, 'api');
  const { container } = selectContainer(w, 'api');
  assert.deepEqual(referencedConfig(container), { configMaps: ['app-config'], secrets: ['db'] });
  const env = Object.fromEntries(resolveEnv(s, w, container, { DB_PASSWORD: 's3cret' }).map((v) => [v.name, v]));
  assert.equal(env.PORT!.value, '8080');
  assert.equal(env.URL!.value, 'http://localhost:8080/x');
  assert.deepEqual(env.GREETING, { name: 'GREETING', value: 'hello', source: 'configMap', from: 'configmap/app-config:GREETING', secret: false, missing: undefined });
  assert.equal(env.CFG_LEVEL!.value, '3');
  assert.deepEqual(env.DB_PASSWORD, { name: 'DB_PASSWORD', value: 's3cret', source: 'secret', from: 'secret/db:password', secret: true, missing: undefined });
  assert.equal(env.POD!.source, 'field');
  const without = resolveEnv(s, w, container, {}).find((v) => v.name === 'DB_PASSWORD')!;
  assert.equal(without.missing, true);
  assert.equal(without.value, undefined);
});

test('bad YAML is a problem with a position; bombs and deep nesting are refused before parsing', () => {
  const bad = parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: {name: x\n', 'bad.yaml');
  assert.equal(bad.documents.length, 0);
  assert.equal(bad.problems[0]!.file, 'bad.yaml');
  assert.ok(bad.problems[0]!.line >= 3);

  const deep = parseManifestText('a: ' + '['.repeat(5000) + ']'.repeat(5000), 'deep.yaml');
  assert.match(deep.problems[0]!.message, /nesting deeper than 64/);

  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) lines.push(`${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10).fill(`*${i === 0 ? 'a' : 'b'.repeat(i)}`).join(', ')}]`);
  lines.push('kind: ConfigMap', 'metadata: {name: bomb}');
  const bomb = parseManifestText(lines.join('\n'), 'bomb.yaml');
  assert.equal(bomb.documents.length, 0);
  assert.match(bomb.problems[0]!.message, /alias/i);
});

test('quantities', () => {
  assert.equal(parseCpu('250m'), 0.25);
  assert.equal(parseCpu(2), 2);
  assert.equal(parseMemory('64Mi'), 64 * 1024 * 1024);
  assert.equal(parseMemory('1G'), 1e9);
  assert.equal(parseMemory('1e3'), 1000);
  assert.throws(() => parseMemory('lots'), ProdlikeError);
});

test('the examples: clean-app and drifty-app load from their k8s folders', async () => {
  for (const app of ['clean-app', 'drifty-app']) {
    const s = await loadManifests([join(__dirname, '../../../examples', app, 'k8s')]);
    assert.deepEqual(s.problems, []);
    assert.equal(findWorkload(s, app).kind, 'Deployment');
  }
});
