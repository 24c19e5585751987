import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tarFs from 'tar-fs';
import { packBuildContext, planBuildContext } from '../../../src/core/docker/build-context';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'prodlike-ctx-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

function listing(dir: string, base = ''): string[] {
  return readdirSync(join(dir, base))
    .sort()
    .flatMap((name) => {
      const rel = base ? `${base}/${name}` : name;
      return statSync(join(dir, rel)).isDirectory() ? [`${rel}/`, ...listing(dir, rel)] : [rel];
    });
}

test('the tar holds what the plan lists, byte for byte, with large files streamed and small ones read ahead', async () => {
  const big = 'B'.repeat(3 * 1024 * 1024 + 7);
  const files: Record<string, string> = { Dockerfile: 'FROM scratch\n', '.dockerignore': 'ignored\n*.tmp\n!keep.tmp\n', 'big.bin': big, 'keep.tmp': 'k', 'drop.tmp': 'd', 'ignored/x': 'x' };
  for (let i = 0; i < 300; i++) files[`src/d${i % 7}/f${i}.txt`] = `file ${i}\n`;
  const root = tree(files);
  symlinkSync('Dockerfile', join(root, 'link'));
  spawnSync('mkfifo', [join(root, 'a-fifo')]);

  const plan = await planBuildContext(root);
  assert.ok(!plan.entries.includes('ignored') && !plan.entries.includes('drop.tmp') && !plan.entries.includes('a-fifo'));
  assert.ok(plan.entries.includes('keep.tmp') && plan.entries.includes('link'));
  assert.equal(plan.fileCount, 300 + 4);
  assert.deepEqual(plan.entries.slice(0, 4), ['.dockerignore', 'Dockerfile', 'big.bin', 'keep.tmp']);

  let reported = 0;
  const out = mkdtempSync(join(tmpdir(), 'prodlike-ctx-out-'));
  dirs.push(out);
  await pipeline(packBuildContext(plan, (n) => (reported = n)), tarFs.extract(out));
  assert.deepEqual(listing(out), plan.entries.map((e) => (plan.stats.get(e)!.isDirectory() ? `${e}/` : e)).sort());
  assert.equal(readFileSync(join(out, 'big.bin'), 'utf8'), big);
  assert.equal(readFileSync(join(out, 'src/d3/f10.txt'), 'utf8'), 'file 10\n');
  assert.ok(reported > big.length);
});

test('a file that shrinks between the plan and the send fails the context instead of sending a corrupt entry', async () => {
  const root = tree({ Dockerfile: 'FROM scratch\n', 'data.txt': 'twelve bytes' });
  const plan = await planBuildContext(root);
  truncateSync(join(root, 'data.txt'), 3);
  const out = mkdtempSync(join(tmpdir(), 'prodlike-ctx-out-'));
  dirs.push(out);
  await assert.rejects(pipeline(packBuildContext(plan), tarFs.extract(out)), /data\.txt shrank from 12 to 3 bytes/);
});
