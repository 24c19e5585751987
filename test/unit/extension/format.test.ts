import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { age, imageTag, podDescription, revisionDescription, shortDigest, workloadDescription } from '../../../src/extension/views/format';

const now = Date.parse('2026-01-01T12:00:00Z');

describe('tree formatting', () => {
  it('ages as kubectl prints them', () => {
    assert.equal(age('2026-01-01T11:59:30Z', now), '30s');
    assert.equal(age('2026-01-01T11:00:00Z', now), '60m');
    assert.equal(age('2025-12-31T12:00:00Z', now), '24h');
    assert.equal(age('2025-12-20T12:00:00Z', now), '12d');
    assert.equal(age('not a time', now), undefined);
  });

  it('image tags and short digests', () => {
    assert.equal(imageTag('127.0.0.1:5055/examples/clean-app:e2e-v1@sha256:abc'), 'e2e-v1');
    assert.equal(imageTag('127.0.0.1:5055/examples/clean-app'), 'clean-app');
    assert.equal(shortDigest('sha256:0123456789abcdef0123'), '0123456789ab');
  });

  it('rows read as a user expects', () => {
    const w = { kind: 'Deployment', namespace: 'shop', name: 'web', desired: 3, ready: 2, updated: 3, available: 2, image: 'r/web:v2@sha256:0123456789abcdef', paused: false, conditions: [], state: 'failed', labels: {} } as const;
    assert.equal(workloadDescription({ ...w, conditions: [], labels: {} }), '2/3 · v2 @0123456789ab · rollout failed');
    assert.equal(revisionDescription({ number: 3, image: 'r/web:v2', current: true, cause: 'deploy v2', createdAt: '2026-01-01T11:59:00Z' }, now), 'current · deploy v2 · 60s');
    assert.equal(podDescription({ namespace: 'shop', name: 'web-1', phase: 'Running', ready: false, restarts: 1, containers: [], labels: {} }, now), 'Running (not ready) · 1 restart');
  });
});
