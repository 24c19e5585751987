// Pushing to real registries (one open, one behind basic auth) with credentials found the way the
// docker CLI finds them.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../src/core/docker/build';
import { registryCredentials } from '../../../src/core/docker/credentials';
import { pushImage, type PushEvent } from '../../../src/core/docker/push';
import { ProdlikeError } from '../../../src/core/errors';
import { testInfra, uniqueName } from '../../support/infra';
import { removeImages, testEngine, writeTree } from './helpers';

const infra = testInfra();
const engine = testEngine();
const images: string[] = [];
const dirs: string[] = [];
let imageId = '';
const name = uniqueName('push');

before(async () => {
  // A small image with a layer of its own, so the push has something to upload.
  const ctx = writeTree({ Dockerfile: `FROM ${infra.image}\nCOPY payload.txt /payload.txt\n`, 'payload.txt': `${name}\n` });
  dirs.push(ctx);
  const tags = [`${infra.registry}/prodlike-it/${name}:t1`, `${infra.authRegistry}/prodlike-it/${name}:t1`];
  images.push(...tags);
  imageId = (await buildImage(engine, { context: ctx, tags })).imageId;
});
after(async () => {
  await removeImages(engine, images);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dockerConfig(config: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-docker-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function registryDigest(registry: string, repo: string, tag: string, auth?: string): Promise<string | null> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json', ...(auth ? { authorization: `Basic ${auth}` } : {}) },
  });
  return res.headers.get('docker-content-digest');
}

test('push reports layers and returns the registry digest as a pinned reference', async () => {
  const events: PushEvent[] = [];
  const ref = `${infra.registry}/prodlike-it/${name}:t1`;
  const pushed = await pushImage(engine, ref, { credentials: { configDir: dockerConfig({}) }, onEvent: (e) => events.push(e) });
  assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(pushed.pinned, `${ref}@${pushed.digest}`);
  assert.equal(await registryDigest(infra.registry, `prodlike-it/${name}`, 't1'), pushed.digest, 'the registry serves the digest we report');
  assert.ok(events.some((e) => e.type === 'layer' && e.status === 'Pushed'));
  assert.deepEqual(events.at(-1), { type: 'pushed', digest: pushed.digest, size: pushed.size });
  const info = await engine.docker.getImage(imageId).inspect();
  assert.ok(info.RepoDigests.includes(`${infra.registry}/prodlike-it/${name}@${pushed.digest}`));
});

test('push to a basic-auth registry with credentials from config.json auths', async () => {
  const basic = Buffer.from(`${infra.authUser}:${infra.authPassword}`).toString('base64');
  const configDir = dockerConfig({ auths: { [`http://${infra.authRegistry}`]: { auth: basic } } });
  const events: PushEvent[] = [];
  const pushed = await pushImage(engine, `${infra.authRegistry}/prodlike-it/${name}:t1`, { credentials: { configDir }, onEvent: (e) => events.push(e) });
  assert.equal(await registryDigest(infra.authRegistry, `prodlike-it/${name}`, 't1', basic), pushed.digest);
  assert.deepEqual(events[0], { type: 'auth', registry: infra.authRegistry, from: 'auths', helper: undefined });
  assert.ok(!JSON.stringify(events).includes(infra.authPassword), 'events never carry the password');
});

test('credentials from a docker-credential helper (credHelpers), spawned without a shell', async () => {
  const bin = mkdtempSync(join(tmpdir(), 'prodlike-helper-'));
  dirs.push(bin);
  const helper = join(bin, 'docker-credential-prodlike-test');
  // The helper protocol: `get` with the server URL on stdin, JSON on stdout.
  writeFileSync(helper, `#!/bin/sh\nread server\n[ "$1" = get ] || exit 1\nprintf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" "${infra.authUser}" "${infra.authPassword}"\n`);
  chmodSync(helper, 0o755);
  const configDir = dockerConfig({ credHelpers: { [infra.authRegistry]: 'prodlike-test' } });
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const found = await registryCredentials(infra.authRegistry, { configDir, env });
  assert.deepEqual(found.auth, { serveraddress: infra.authRegistry, username: infra.authUser, password: infra.authPassword });
  const events: PushEvent[] = [];
  const pushed = await pushImage(engine, `${infra.authRegistry}/prodlike-it/${name}:t1`, { credentials: { configDir, env }, onEvent: (e) => events.push(e) });
  assert.match(pushed.digest, /^sha256:/);
  assert.deepEqual(events[0], { type: 'auth', registry: infra.authRegistry, from: 'credHelpers', helper: 'prodlike-test' });
});

test('a registry that rejects the credentials gives registry-auth, without the password in the message', async () => {
  const wrong = Buffer.from(`${infra.authUser}:wrong-password-123`).toString('base64');
  const configDir = dockerConfig({ auths: { [infra.authRegistry]: { auth: wrong } } });
  await assert.rejects(pushImage(engine, `${infra.authRegistry}/prodlike-it/${name}:t1`, { credentials: { configDir }, retries: 0 }), (e: unknown) => {
    assert.ok(e instanceof ProdlikeError);
    assert.equal(e.code, 'registry-auth');
    assert.match(e.message, /credentials were rejected/);
    assert.match(e.fix ?? '', /docker login/);
    assert.ok(!`${e.message} ${e.fix}`.includes('wrong-password-123'));
    return true;
  });
  await assert.rejects(pushImage(engine, `${infra.authRegistry}/prodlike-it/${name}:t1`, { credentials: { configDir: dockerConfig({}) }, retries: 0 }), (e: unknown) => e instanceof ProdlikeError && e.code === 'registry-auth' && /needs a login/.test(e.message));
});

test('a missing credential helper is named in the error', async () => {
  const configDir = dockerConfig({ credsStore: 'does-not-exist' });
  await assert.rejects(registryCredentials(infra.authRegistry, { configDir }), (e: unknown) => e instanceof ProdlikeError && e.code === 'registry-auth' && /docker-credential-does-not-exist is not on PATH/.test(e.message));
});

test('pushing an image that was never built says so', async () => {
  await assert.rejects(pushImage(engine, `${infra.registry}/prodlike-it/${uniqueName('nothing')}:t1`, { credentials: { configDir: dockerConfig({}) }, retries: 0 }), (e: unknown) => e instanceof ProdlikeError && e.code === 'not-found');
});

