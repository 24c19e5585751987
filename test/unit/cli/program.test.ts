import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProdlike } from '../../support/cli';
import { version } from '../../../package.json';

test('--help lists the commands and exits 0', async () => {
  const r = await runProdlike(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: prodlike \[options\] \[command\]/);
  assert.match(r.stdout, /doctor/);
  assert.match(r.stdout, /--json/);
});

test('--version prints the package version and exits 0', async () => {
  const r = await runProdlike(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), version);
});

test('an unknown command is a usage error: exit 2 and a hint', async () => {
  const r = await runProdlike(['deplyo']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'deplyo'/);
});

test('an unknown option is a usage error: exit 2', async () => {
  const r = await runProdlike(['doctor', '--frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--frobnicate'/);
});
