// `prodlike check` as a user or a CI job runs it: output formats and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/program';
import type { CliIO } from '../../../src/cli/io';
import { makeRepo } from './fixture';

async function run(args: string[], cwd: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const io: CliIO = { out, err, env: {}, cwd, json: false, color: false, interactive: false };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const FILES = {
  Dockerfile: 'FROM scratch\nHEALTHCHECK CMD true\nCOPY app.conf /etc/app.conf\n',
  'app.conf': 'x=1\n',
  'prodlike.yaml': 'rules:\n  disable: [base-image-not-pinned]\n',
};

test('exit 0 below --fail-on, 1 at or above it; text on stdout', async () => {
  const repo = makeRepo(FILES);
  try {
    const warn = await run(['check', '.'], repo.root);
    assert.equal(warn.code, 0, 'a warning does not fail the default --fail-on error');
    assert.match(warn.stdout, /Dockerfile\n {2}3:1 {2}warning {2}COPY puts configuration into the image: app\.conf\. {2}config-file-in-image/);
    assert.equal((await run(['check', repo.root, '--fail-on', 'warning'], '/')).code, 1);
  } finally {
    repo.cleanup();
  }
});

test('--json and --sarif print one document; both together is a usage error (exit 2)', async () => {
  const repo = makeRepo(FILES);
  try {
    const json = await run(['check', '--json'], repo.root);
    assert.equal(JSON.parse(json.stdout).findings[0].ruleId, 'config-file-in-image');
    const sarif = await run(['check', '--sarif'], repo.root);
    assert.equal(JSON.parse(sarif.stdout).runs[0].results[0].ruleId, 'config-file-in-image');
    const both = await run(['check', '--json', '--sarif'], repo.root);
    assert.equal(both.code, 2);
    assert.match(both.stdout, /--json and --sarif cannot be used together/);
    assert.equal((await run(['check', '--fail-on', 'fatal'], repo.root)).code, 2);
  } finally {
    repo.cleanup();
  }
});

test('prodlike.yaml rules.disable applies; --write-baseline then --baseline silences what was known', async () => {
  const repo = makeRepo({ ...FILES, Dockerfile: 'FROM node:20\nHEALTHCHECK CMD true\nCMD node app.js > /app/out.txt\n' });
  try {
    const first = await run(['check', '--json'], repo.root);
    assert.equal(first.code, 1);
    assert.deepEqual(JSON.parse(first.stdout).findings.map((f: { ruleId: string }) => f.ruleId), ['output-to-file']);
    const written = await run(['check', '--write-baseline', 'parity-baseline.json'], repo.root);
    assert.equal(written.code, 0);
    assert.match(written.stderr, /Recorded 1 finding in parity-baseline\.json/);
    assert.equal(JSON.parse(readFileSync(join(repo.root, 'parity-baseline.json'), 'utf8')).findings.length, 1);
    const again = await run(['check', '--baseline', 'parity-baseline.json'], repo.root);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /No parity problems found\. — 2 suppressed \(0 inline, 1 disabled, 1 in baseline\)/);
    assert.equal((await run(['check', '--baseline', 'missing.json'], repo.root)).code, 2);
  } finally {
    repo.cleanup();
  }
});

test('--environment with a name prodlike.yaml does not have is a usage error (exit 2) that names the ones it has', async () => {
  const repo = makeRepo({ ...FILES, 'prodlike.yaml': 'environments:\n  prod:\n    context: prod\n    workload: web\n' });
  try {
    const r = await run(['check', '--image', 'app:dev', '--environment', 'production'], repo.root);
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /No environment "production"/);
    assert.match(r.stdout + r.stderr, /Use one of: .*prod/);
  } finally {
    repo.cleanup();
  }
});
