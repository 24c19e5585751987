import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertImmutableTag, immutableTag } from '../../../src/core/docker/image-tag';
import { formatImageRef, parseImageRef, pinnedRef } from '../../../src/core/docker/image-ref';
import { ProdlikeError } from '../../../src/core/errors';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-git-'));
  dirs.push(dir);
  const g = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  g('init', '-q');
  writeFileSync(join(dir, 'app.js'), 'v1\n');
  g('add', '.');
  g('commit', '-q', '-m', 'one');
  return dir;
}

test('a clean tree is tagged with the short commit; edits give a stable, content-dependent dirty tag', async () => {
  const dir = repo();
  const head = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  const clean = await immutableTag(dir);
  assert.deepEqual(clean, { tag: head, commit: head, dirty: false, changed: [] });

  writeFileSync(join(dir, 'app.js'), 'v2\n');
  const dirty1 = await immutableTag(dir);
  assert.match(dirty1.tag, new RegExp(`^${head}-dirty-[0-9a-f]{12}$`));
  assert.deepEqual(dirty1.changed, ['app.js']);
  assert.equal((await immutableTag(dir)).tag, dirty1.tag, 'same state, same tag');

  writeFileSync(join(dir, 'app.js'), 'v3\n');
  const dirty2 = await immutableTag(dir);
  assert.notEqual(dirty2.tag, dirty1.tag, 'new content, new tag');

  writeFileSync(join(dir, 'new file.txt'), 'n');
  unlinkSync(join(dir, 'app.js'));
  const dirty3 = await immutableTag(dir);
  assert.deepEqual(dirty3.changed, ['app.js', 'new file.txt']);

  writeFileSync(join(dir, 'app.js'), 'v1\n');
  unlinkSync(join(dir, 'new file.txt'));
  assert.equal((await immutableTag(dir)).tag, head, 'back to the commit, back to the clean tag');
});

test('outside a git repository the error says what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prodlike-nogit-'));
  dirs.push(dir);
  await assert.rejects(immutableTag(dir), (e: unknown) => e instanceof ProdlikeError && e.code === 'usage' && /not inside a git repository/.test(e.message) && /--tag/.test(e.fix ?? ''));
});

test('latest is refused', () => {
  assert.throws(() => assertImmutableTag('latest'), (e: unknown) => e instanceof ProdlikeError && e.code === 'usage');
  assertImmutableTag('1a2b3c4');
});

test('image references parse like Docker reads them', () => {
  assert.deepEqual(parseImageRef('nginx'), { registry: 'docker.io', path: 'library/nginx', tag: undefined, digest: undefined });
  assert.deepEqual(parseImageRef('127.0.0.1:5055/team/app:abc-dirty-1'), { registry: '127.0.0.1:5055', path: 'team/app', tag: 'abc-dirty-1', digest: undefined });
  assert.deepEqual(parseImageRef('localhost/app'), { registry: 'localhost', path: 'app', tag: undefined, digest: undefined });
  const d = 'sha256:' + 'a'.repeat(64);
  assert.equal(formatImageRef(parseImageRef(`registry.example.com/app:1@${d}`)), `registry.example.com/app:1@${d}`);
  assert.equal(pinnedRef('127.0.0.1:5055/app', 'abc', d), `127.0.0.1:5055/app:abc@${d}`);
  assert.throws(() => parseImageRef('App:1'), ProdlikeError);
  assert.throws(() => parseImageRef('app@sha256:short'), ProdlikeError);
});
