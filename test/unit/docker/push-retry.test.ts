// Transient registry errors are retried; the events say so; a persistent one ends the push.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registryCredentials } from '../../../src/core/docker/credentials';
import { pushImage, type PushEvent } from '../../../src/core/docker/push';
import { ProdlikeError } from '../../../src/core/errors';
import { chunks, startFakeEngine, type Handler } from './fake-engine';

const DIGEST = 'sha256:' + 'cd'.repeat(32);
const line = (o: object) => JSON.stringify(o) + '\r\n';
const failing = chunks([line({ status: 'The push refers to repository [reg.example:5000/app]' }), line({ errorDetail: { message: 'received unexpected HTTP status: 503 Service Unavailable' }, error: 'received unexpected HTTP status: 503 Service Unavailable' })]);
const succeeding = chunks([
  line({ status: 'Preparing', id: 'aaa', progressDetail: {} }),
  line({ status: 'Pushing', id: 'aaa', progressDetail: { current: 512, total: 1024 } }),
  line({ status: 'Pushed', id: 'aaa', progressDetail: {} }),
  line({ status: `1: digest: ${DIGEST} size: 527` }),
  line({ progressDetail: {}, aux: { Tag: '1', Digest: DIGEST, Size: 527 } }),
]);

async function pushWith(handlers: Handler[], retries: number) {
  let n = 0;
  const fake = await startFakeEngine({ '/images/reg.example:5000/app/push': (q, r, b) => handlers[Math.min(n++, handlers.length - 1)]!(q, r, b) });
  const events: PushEvent[] = [];
  try {
    const pushed = await pushImage(fake.engine, 'reg.example:5000/app:1', { auth: { serveraddress: 'reg.example:5000' }, retries, retryDelayMs: 10, onEvent: (e) => events.push(e) });
    return { pushed, events };
  } finally {
    await fake.close();
  }
}

test('a 503 from the registry is retried and the push then succeeds', async () => {
  const { pushed, events } = await pushWith([failing, succeeding], 2);
  assert.equal(pushed.pinned, `reg.example:5000/app:1@${DIGEST}`);
  assert.deepEqual(events.filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt), [1]);
  assert.ok(events.some((e) => e.type === 'layer' && e.status === 'Pushing' && e.current === 512 && e.total === 1024));
});

test('a transient error that persists fails after the allowed retries', async () => {
  await assert.rejects(pushWith([failing], 2), (e: unknown) => e instanceof ProdlikeError && e.code === 'push-failed' && /503/.test(e.message));
});

test('credentials: auths keys with a scheme, identity tokens, and Docker Hub', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-cfg-'));
  try {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://reg.example:5000/v2/': { auth: Buffer.from('me:p:with:colons').toString('base64') },
          'tok.example': { identitytoken: 'idtok' },
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') },
        },
      }),
    );
    assert.deepEqual((await registryCredentials('reg.example:5000', { configDir: dir })).auth, { serveraddress: 'reg.example:5000', username: 'me', password: 'p:with:colons' });
    assert.deepEqual((await registryCredentials('tok.example', { configDir: dir })).auth, { serveraddress: 'tok.example', identitytoken: 'idtok' });
    assert.deepEqual((await registryCredentials('docker.io', { configDir: dir })).auth, { serveraddress: 'https://index.docker.io/v1/', username: 'hub', password: 'pw' });
    assert.equal((await registryCredentials('other.example', { configDir: dir })).auth, undefined);
    writeFileSync(join(dir, 'config.json'), '{not json');
    await assert.rejects(registryCredentials('reg.example:5000', { configDir: dir }), (e: unknown) => e instanceof ProdlikeError && e.code === 'registry-auth' && /not a valid Docker config/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
