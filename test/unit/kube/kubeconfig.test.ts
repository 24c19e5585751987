import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { clientConfigFor, loadKubeconfig, redact } from '../../../src/core/kube/kubeconfig';
import { ProdlikeError } from '../../../src/core/errors';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const first = `
apiVersion: v1
kind: Config
current-context: staging
clusters:
- name: shared
  cluster: { server: https://first.example:6443, certificate-authority: certs/ca.pem }
contexts:
- name: staging
  context: { cluster: shared, user: alice, namespace: web }
- name: dup
  context: { cluster: shared, user: alice }
users:
- name: alice
  user: { token: s3cr3t-token-value }
`;

const second = `
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: shared
  cluster: { server: https://second.example:6443 }
- name: eks
  cluster: { server: https://eks.example }
contexts:
- name: prod
  context: { cluster: eks, user: sso }
- name: dup
  context: { cluster: eks, user: sso, namespace: shadowed }
users:
- name: sso
  user:
    exec: { apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token] }
`;

test('several KUBECONFIG files merge as kubectl merges them: first current-context and first definition of a name win', (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(a, first);
  writeFileSync(b, second);
  const loaded = loadKubeconfig({ env: { KUBECONFIG: [a, join(dir, 'missing.yaml'), b].join(delimiter) } });
  assert.deepEqual(loaded.files, [a, b]);
  assert.equal(loaded.currentContext, 'staging');
  assert.deepEqual(
    loaded.contexts.map((c) => [c.name, c.server, c.namespace, c.usesExecPlugin]),
    [
      ['staging', 'https://first.example:6443', 'web', false],
      ['dup', 'https://first.example:6443', undefined, false],
      ['prod', 'https://eks.example', undefined, true],
    ],
  );
  assert.equal(loaded.contexts[2]?.execCommand, 'aws');
  // Relative paths are relative to the file that holds them.
  const cluster = loaded.merged.clusters[0]?.cluster as Record<string, string>;
  assert.equal(cluster['certificate-authority'], join(dir, 'certs/ca.pem'));
  // Credentials never leak through JSON (a doctor --json report, a log line).
  assert.doesNotMatch(JSON.stringify(loaded), /s3cr3t/);
});

test('without KUBECONFIG the file under HOME is read, never one in the working folder', (t) => {
  const home = tempDir(t);
  const loaded = loadKubeconfig({ env: { HOME: home } });
  assert.deepEqual(loaded.files, []);
  assert.deepEqual(loaded.contexts, []);
  assert.throws(() => clientConfigFor(loaded), (e: unknown) => e instanceof ProdlikeError && e.code === 'kubeconfig-invalid' && /No current context/.test(e.message));
});

test('a broken file is reported by name and position, without its contents', (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'users:\n- name: x\n  user: { token: abcdefsecret\n');
  assert.throws(
    () => loadKubeconfig({ kubeconfigPath: bad }),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'kubeconfig-invalid' && e.message.includes(bad) && !e.message.includes('abcdefsecret') && e.exitCode === 2,
  );
  const wrongShape = join(dir, 'shape.yaml');
  writeFileSync(wrongShape, 'contexts: { name: not-a-list }\n');
  assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: wrongShape } }), (e: unknown) => e instanceof ProdlikeError && e.message.includes(wrongShape) && /contexts/.test(e.message));
});

test('Restricted Mode refuses a context whose credentials come from an exec plugin, and allows the others', (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'a.yaml');
  writeFileSync(a, second);
  const loaded = loadKubeconfig({ kubeconfigPath: a, allowExecPlugins: false });
  assert.throws(() => clientConfigFor(loaded, 'prod'), (e: unknown) => e instanceof ProdlikeError && e.code === 'restricted' && /aws/.test(e.message));
  const allowed = clientConfigFor(loaded, 'prod', true);
  assert.equal(allowed.getCurrentCluster()?.server, 'https://eks.example');
  assert.throws(() => clientConfigFor(loaded, 'nope'), (e: unknown) => e instanceof ProdlikeError && /known: prod, dup/.test(e.message));
});

test('tokens are redacted from error text', () => {
  const text = redact('401 for Authorization: Bearer abc.def.ghi and token: "xyz123secret"');
  assert.doesNotMatch(text, /abc\.def|xyz123secret/);
  assert.match(text, /<redacted>/);
});
