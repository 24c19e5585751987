// Users silence findings three ways: prodlike.yaml, inline comments, and a baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, brief } from './fixture';
import { toBaseline } from '../../../src/core/parity';

const DOCKERFILE = [
  'FROM node',
  '# prodlike-disable-next-line base-image-latest -- the builder stage is thrown away',
  'FROM node AS build',
  'FROM scratch',
  'VOLUME /var/log/app # prodlike-disable-line',
  '# prodlike-disable-next-line healthcheck-missing, output-to-file',
  '# prodlike-disable-next-line log-file-in-image',
  'CMD ["sh", "-c", "app > /tmp/out"]',
].join('\n');

test('inline comments disable the named rules on the next or the same line, and nothing else', async () => {
  const report = await check({ Dockerfile: DOCKERFILE });
  assert.deepEqual(brief(report.findings), ['Dockerfile:1 base-image-latest', 'Dockerfile:4 healthcheck-missing']);
  assert.equal(report.suppressed.inline, 3);
});

test('prodlike-disable-file and prodlike.yaml rules.disable silence a rule everywhere', async () => {
  const report = await check(
    { Dockerfile: '# prodlike-disable-file base-image-latest\nFROM node\nFROM ubuntu\nHEALTHCHECK CMD true\n', 'Dockerfile.worker': 'FROM python\nHEALTHCHECK CMD true\n' },
    { disable: ['healthcheck-missing'] },
  );
  assert.deepEqual(brief(report.findings), ['Dockerfile.worker:1 base-image-latest']);
});

test('a baseline suppresses known findings even after lines move, and not new ones', async () => {
  const before = await check({ 'app.js': "const a = process.env.A;\nfs.createWriteStream('app.log');\n" });
  assert.deepEqual(brief(before.findings), ['app.js:2 log-to-file']);
  const baseline = JSON.parse(JSON.stringify(toBaseline(before.findings)));
  const after = await check(
    { 'app.js': "// a comment pushes everything down\nconst a = process.env.A;\nfs.createWriteStream('app.log');\nfs.createWriteStream('audit.log');\n" },
    { baseline },
  );
  assert.deepEqual(brief(after.findings), ['app.js:4 log-to-file']);
  assert.equal(after.suppressed.baseline, 1);
});
