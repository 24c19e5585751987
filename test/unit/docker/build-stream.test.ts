// How prodlike reads a build's progress stream when the engine misbehaves. Each fault is injected
// by a stand-in engine; the real dockerode sits in between, as in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, type BuildEvent } from '../../../src/core/docker/build';
import { ProdlikeError } from '../../../src/core/errors';
import { chunks, startFakeEngine, type Handler } from './fake-engine';

const ID = 'sha256:' + 'ab'.repeat(32);

function context(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-ctx-'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo hi\n');
  return dir;
}

async function buildAgainst(handler: Handler, opts: { idleTimeoutMs?: number; signal?: AbortSignal } = {}) {
  const fake = await startFakeEngine({ '/build': handler });
  const dir = context();
  const events: BuildEvent[] = [];
  try {
    const result = await buildImage(fake.engine, { context: dir, tags: ['app:1'], builder: 'classic' }, { ...opts, onEvent: (e) => events.push(e) });
    return { result, events, requests: fake.requests };
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const line = (o: object) => JSON.stringify(o) + '\r\n';

test('a well-formed stream gives step, cached and output events and the image ID', async () => {
  const { result, events } = await buildAgainst(
    chunks([
      line({ stream: 'Step 1/2 : FROM busybox' }),
      line({ stream: '\n' }),
      line({ stream: ' ---> Using cache\n' }),
      line({ stream: 'Step 2/2 : RUN echo hi' }),
      line({ stream: 'hi\n' }),
      line({ aux: { ID } }),
      line({ stream: 'Successfully built abababababab\n' }),
    ]),
  );
  assert.equal(result.imageId, ID);
  assert.deepEqual(
    events.filter((e) => e.type === 'step' || e.type === 'cached' || e.type === 'output' || e.type === 'built'),
    [
      { type: 'step', index: 1, total: 2, text: 'FROM busybox' },
      { type: 'cached', index: 1 },
      { type: 'step', index: 2, total: 2, text: 'RUN echo hi' },
      { type: 'output', text: 'hi\n' },
      { type: 'built', imageId: ID },
    ],
  );
});

test('an error line fails the build even though the HTTP stream ends normally', async () => {
  await assert.rejects(
    buildAgainst(
      chunks([
        line({ stream: 'Step 1/2 : FROM busybox' }),
        line({ stream: 'Step 2/2 : RUN false' }),
        line({ stream: 'boom on stderr\n' }),
        line({ errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" }, error: "The command '/bin/sh -c false' returned a non-zero code: 1" }),
      ]),
    ),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'build-failed' && /returned a non-zero code: 1/.test(e.message) && /boom on stderr/.test(e.message),
  );
});

test('a stream that ends without an image ID is a failed build', async () => {
  await assert.rejects(buildAgainst(chunks([line({ stream: 'Step 1/1 : FROM busybox' })])), (e: unknown) => e instanceof ProdlikeError && e.code === 'build-failed' && /without reporting an image/.test(e.message));
});

test('malformed JSON fails the build and quotes the bad line', async () => {
  await assert.rejects(
    buildAgainst(chunks([line({ stream: 'Step 1/1 : FROM busybox' }), '{"stream": "half an obj\r\n', line({ aux: { ID } })])),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'build-failed' && /not JSON/.test(e.message) && /half an obj/.test(e.message),
  );
});

test('a UTF-8 character split across chunks arrives whole', async () => {
  const text = line({ stream: 'héllo wörld ✓\n' });
  const bytes = Buffer.from(text, 'utf8');
  const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the three bytes of ✓
  const { events } = await buildAgainst(chunks([bytes.subarray(0, cut), bytes.subarray(cut), line({ aux: { ID } })]));
  assert.deepEqual(events.filter((e) => e.type === 'output'), [{ type: 'output', text: 'héllo wörld ✓\n' }]);
});

test('the last message is read even without a trailing newline', async () => {
  const { result } = await buildAgainst(chunks([line({ stream: 'Step 1/1 : FROM busybox' }), JSON.stringify({ aux: { ID } })]));
  assert.equal(result.imageId, ID);
});

test('a stream that never ends times out instead of hanging', async () => {
  await assert.rejects(
    buildAgainst(chunks([line({ stream: 'Step 1/1 : FROM busybox' })], { end: false }), { idleTimeoutMs: 300 }),
    (e: unknown) => e instanceof ProdlikeError && e.code === 'timeout' && /sent nothing/.test(e.message),
  );
});

test('aborting a build that never ends rejects with "aborted"', async () => {
  const ac = new AbortController();
  const handler: Handler = (req, res) => {
    chunks([line({ stream: 'Step 1/1 : FROM busybox' })], { end: false })(req, res, Buffer.alloc(0));
    setTimeout(() => ac.abort(), 100);
  };
  await assert.rejects(buildAgainst(handler, { signal: ac.signal }), (e: unknown) => e instanceof ProdlikeError && e.code === 'aborted');
});

test('build args, target, platform and the builder choice reach the engine', async () => {
  const fake = await startFakeEngine({ '/build': chunks([line({ aux: { ID } })]) });
  const dir = context();
  writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox AS base\nFROM base AS final\n');
  try {
    await buildImage(fake.engine, { context: dir, tags: ['app:1'], buildArgs: { A: '1' }, target: 'base', platform: 'linux/amd64', builder: 'buildkit' });
    const url = new URL(fake.requests.find((r) => r.includes('/build'))!, 'http://x');
    assert.equal(url.searchParams.get('buildargs'), '{"A":"1"}');
    assert.equal(url.searchParams.get('target'), 'base');
    assert.equal(url.searchParams.get('platform'), 'linux/amd64');
    assert.equal(url.searchParams.get('version'), '2');
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto picks BuildKit only when the engine announces it on /_ping', async () => {
  for (const [header, expected] of [['2', '2'], [undefined, null]] as const) {
    const fake = await startFakeEngine({
      '/_ping': (_q, r) => {
        r.writeHead(200, header ? { 'Builder-Version': header } : {});
        r.end('OK');
      },
      '/build': chunks([line({ aux: { ID } })]),
    });
    const dir = context();
    try {
      const built = await buildImage(fake.engine, { context: dir, tags: ['app:1'] });
      const url = new URL(fake.requests.find((r) => r.includes('/build'))!, 'http://x');
      assert.equal(url.searchParams.get('version'), expected);
      assert.equal(built.builder, header ? 'buildkit' : 'classic');
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
