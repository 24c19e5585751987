// Bad input never crashes the check: it becomes a finding with a position, and the rest of the
// repository is still checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, brief, DEPLOYMENT } from './fixture';
import { readYaml, nestingBeyond } from '../../../src/core/parity/yamlFile';

const ALIAS_BOMB = `apiVersion: v1
kind: ConfigMap
metadata: { name: bomb }
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]
`;

test('an alias bomb is refused with a finding; the other documents and files are still checked', async () => {
  const report = await check({
    'k8s/bomb.yaml': ALIAS_BOMB + '---\napiVersion: v1\nkind: Service\nmetadata: { name: s }\nspec: { sessionAffinity: ClientIP }\n',
    'k8s/app.yaml': DEPLOYMENT('        - name: web\n          image: web'),
  });
  const refused = report.findings.find((f) => f.ruleId === 'input-refused');
  assert.ok(refused);
  assert.equal(refused.file, 'k8s/bomb.yaml');
  assert.match(refused.message, /too many aliases/);
  assert.ok(report.findings.some((f) => f.ruleId === 'sticky-sessions' && f.file === 'k8s/bomb.yaml' && f.line === 15));
  assert.ok(report.findings.some((f) => f.ruleId === 'image-latest' && f.file === 'k8s/app.yaml'));
});

test('YAML nested deeper than the bound is refused before parsing, at the line where it gets too deep', async () => {
  const flow = 'apiVersion: v1\nkind: ConfigMap\ndata: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n';
  let block = 'apiVersion: v1\nkind: ConfigMap\ndata:\n';
  for (let i = 1; i <= 200; i++) block += ' '.repeat(i * 2) + `k${i}:\n`;
  const report = await check({ 'k8s/flow.yaml': flow, 'k8s/block.yaml': block });
  assert.deepEqual(brief(report.findings), ['k8s/block.yaml:67 input-refused', 'k8s/flow.yaml:3 input-refused']);
  assert.match(report.findings[0]!.message, /nested deeper than 64 levels/);
});

test('the nesting bound counts sequences and flow collections, not long flat files', () => {
  assert.equal(nestingBeyond('a:\n' + '  - b\n'.repeat(10000), 64), undefined);
  assert.equal(nestingBeyond('x: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\n', 64), undefined);
  assert.deepEqual(nestingBeyond('- '.repeat(70) + 'x\n', 64)?.line, 1);
});

test('malformed YAML and Dockerfiles are findings with positions', async () => {
  const report = await check({
    'deploy/bad.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n   labels: {}\n',
    'docker-compose.yml': 'services:\n  web:\n    image: "unterminated\n',
    Dockerfile: 'FROM scratch\nHEALTHCHECK CMD true\nEXPOSE\n',
  });
  const got = report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`);
  assert.ok(got.includes('deploy/bad.yaml:5:4 yaml-invalid') || got.some((g) => g.startsWith('deploy/bad.yaml:') && g.endsWith('yaml-invalid')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('docker-compose.yml:') && g.endsWith('yaml-invalid')), got.join('\n'));
  assert.ok(got.includes('Dockerfile:3:1 dockerfile-invalid'), got.join('\n'));
});

test('YAML that is not a manifest (CI workflows, Helm templates) is not reported even when it does not parse', async () => {
  const report = await check({
    '.github/workflows/ci.yml': 'on: [push\njobs: {}\n',
    'chart/templates/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n',
  });
  assert.deepEqual(report.findings, []);
});

test('binary files, node_modules, .git and vendored folders are skipped', async () => {
  const report = await check({
    'node_modules/lib/index.js': "require('fs').createWriteStream('x.log')\n",
    'vendor/lib.go': 'package x\nvar f, _ = os.OpenFile("/var/log/x.log", 0, 0)\n',
    '.git/hooks/pre-commit.py': 'logging.FileHandler("a.log")\n',
    'dist/bundle.js': "fs.createWriteStream('out.log')\n",
    'run.sh': Buffer.concat([Buffer.from('#!/bin/sh\necho hi >> /var/log/a.log\n'), Buffer.from([0, 1, 2])]),
    'tools/start': Buffer.from('#!/bin/sh\necho hi >> /var/log/b.log\n'),
  });
  assert.deepEqual(brief(report.findings), ['tools/start:2 log-to-file']);
});

test('readYaml keeps positions per document and reads YAML 1.1 octals as Kubernetes does', () => {
  const y = readYaml('a: 1\n---\nmode: 0755\nlist:\n  - x: 1\n');
  assert.equal(y.documents.length, 2);
  assert.deepEqual(y.documents[1]!.value, { mode: 493, list: [{ x: 1 }] });
  assert.deepEqual(y.documents[1]!.rangeOf(['list', 0, 'x']).start, { line: 5, column: 8 });
  assert.deepEqual(y.documents[1]!.rangeOf(['list', 0, 'x'], true).start, { line: 5, column: 5 });
});
