import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pinImageEdit, readinessProbeEdit, repoDigestFor, revisionHistoryEdit, type QuickFixEdit } from '../../../src/extension/diagnostics/quickFixes';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** Applies an edit to the text, as the editor would. */
function apply(text: string, e: QuickFixEdit): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(e.start)) + e.text + text.slice(offset(e.end));
}

describe('quick fix: pin an image to its digest', () => {
  it('finds the digest of the image’s own repository, Docker Hub names normalised', () => {
    assert.equal(repoDigestFor('nginx:1.25', [`docker.io/library/nginx@${DIGEST}`]), DIGEST);
    assert.equal(repoDigestFor('127.0.0.1:5055/team/app:abc', [`127.0.0.1:5055/other@${DIGEST}`]), undefined, 'another repository’s digest is not this image’s');
    assert.equal(repoDigestFor('127.0.0.1:5055/team/app:abc', [`127.0.0.1:5055/team/app@${DIGEST}`]), DIGEST, 'a registry port is not a tag');
    assert.equal(repoDigestFor('nginx:1.25', []), undefined);
  });

  it('rewrites the FROM line, keeping the tag for people to read', () => {
    const text = 'FROM nginx:1.25 AS web\nCOPY . /srv\n';
    const e = pinImageEdit(text.split('\n'), { ruleId: 'base-image-not-pinned', line: 1, column: 6, endLine: 1, endColumn: 16, data: { image: 'nginx:1.25' } }, DIGEST)!;
    assert.equal(apply(text, e), `FROM nginx:1.25@${DIGEST} AS web\nCOPY . /srv\n`);
  });

  it('rewrites a quoted manifest image', () => {
    const text = 'containers:\n  - name: app\n    image: "127.0.0.1:5055/app:v2"\n';
    const e = pinImageEdit(text.split('\n'), { ruleId: 'image-mutable-tag', line: 3, column: 12, endLine: 3, endColumn: 37, data: { image: '127.0.0.1:5055/app:v2' } }, DIGEST)!;
    assert.equal(apply(text, e), `containers:\n  - name: app\n    image: "127.0.0.1:5055/app:v2@${DIGEST}"\n`);
  });

  it('offers nothing for other rules or when the image is not on the line', () => {
    assert.equal(pinImageEdit(['FROM x:1'], { ruleId: 'env-not-read', line: 1, column: 1, endLine: 1, endColumn: 2, data: { image: 'x:1' } }, DIGEST), undefined);
    assert.equal(pinImageEdit(['FROM y:1'], { ruleId: 'base-image-not-pinned', line: 1, column: 6, endLine: 1, endColumn: 9, data: { image: 'x:1' } }, DIGEST), undefined);
  });
});

describe('quick fix: readiness probe skeleton', () => {
  const manifest = [
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: drifty-app',
    '          image: app:latest',
    '          ports:',
    '            - containerPort: 9090',
    '          livenessProbe:',
    '            httpGet:',
    '              path: /live',
    '              port: 9090',
    '        - name: sidecar',
    '          image: side:1',
    '',
  ].join('\n');

  it('inserts it under the container’s name, with its port and its liveness path', () => {
    const e = readinessProbeEdit(manifest.split('\n'), { ruleId: 'readiness-probe-missing', line: 5, column: 17, endLine: 5, endColumn: 27 })!;
    const fixed = apply(manifest, e);
    assert.match(fixed, /- name: drifty-app\n {10}readinessProbe:\n {12}httpGet:\n {14}path: \/live\n {14}port: 9090\n {12}periodSeconds: 5\n {12}failureThreshold: 3\n {10}image: app:latest/);
  });

  it('does not borrow the next container’s settings, and falls back to /healthz on 8080', () => {
    const e = readinessProbeEdit(manifest.split('\n'), { ruleId: 'readiness-probe-missing', line: 13, column: 17, endLine: 13, endColumn: 24 })!;
    assert.match(apply(manifest, e), /- name: sidecar\n {10}readinessProbe:\n {12}httpGet:\n {14}path: \/healthz\n {14}port: 8080\n/);
  });
});

describe('quick fix: revisionHistoryLimit', () => {
  it('raises the limit to the Kubernetes default and keeps the comment', () => {
    const text = 'spec:\n  revisionHistoryLimit: 0 # keep nothing\n  replicas: 2\n';
    const e = revisionHistoryEdit(text.split('\n'), { ruleId: 'rollback-history-too-short', line: 2, column: 25, endLine: 2, endColumn: 26 })!;
    assert.equal(apply(text, e), 'spec:\n  revisionHistoryLimit: 10 # keep nothing\n  replicas: 2\n');
  });
});
