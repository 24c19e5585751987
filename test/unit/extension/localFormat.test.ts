import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtImageLabel, changesLocalView, parityDiffMarkdown, parityRunDescription } from '../../../src/extension/views/local/format';
import { PARITY_LABEL } from '../../../src/core/docker/run-as-production';
import { SECRET_MASK } from '../../../src/core/docker/parity-diff';

describe('Local view rows', () => {
  it('an image reads as name:tag; an untagged one by its short ID', () => {
    assert.equal(builtImageLabel({ references: ['127.0.0.1:5055/examples/clean-app:87ae5ede53c2'], id: 'sha256:1' }), 'clean-app:87ae5ede53c2');
    assert.equal(builtImageLabel({ references: [], id: `sha256:${'c'.repeat(64)}` }), 'cccccccccccc');
  });

  it('a parity run shows state, workload, host ports and age', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    assert.equal(
      parityRunDescription({ state: 'running', workload: 'Deployment/clean-app', ports: ['127.0.0.1:8080->8080/tcp'], created: new Date('2026-01-01T00:00:00Z') }, now),
      'running · Deployment/clean-app · 127.0.0.1:8080 · 10m',
    );
  });
});

describe('Local view: which engine events refresh it', () => {
  it("a parity run's container events and every image event; other containers (a swarm's tasks) not", () => {
    assert.equal(changesLocalView({ type: 'container', attributes: { [PARITY_LABEL]: 'true', name: 'prodlike-clean-app-app' } }, PARITY_LABEL), true);
    assert.equal(changesLocalView({ type: 'container', attributes: { 'com.docker.swarm.service.name': 'web', name: 'web.1.x' } }, PARITY_LABEL), false);
    assert.equal(changesLocalView({ type: 'image', attributes: {} }, PARITY_LABEL), true, 'an image delete carries no labels');
    assert.equal(changesLocalView({ type: 'network', attributes: {} }, PARITY_LABEL), false);
  });
});

describe('parity diff document', () => {
  it('marks differences, keeps secret values masked and lists the files the container wrote', () => {
    const md = parityDiffMarkdown(
      {
        container: 'prodlike-clean-app-app',
        differences: 1,
        rows: [
          { field: 'user', production: '65534:65534', local: '0:0', status: 'differs' },
          { field: 'env API_TOKEN', production: SECRET_MASK, local: SECRET_MASK, status: 'same', secret: true },
          { field: 'probes', production: 'readiness httpGet :8080/healthz', local: '-', status: 'not-local' },
        ],
      },
      [{ path: '/tmp/x.log', kind: 'added' }],
    );
    assert.match(md, /\*\*1 difference from production\.\*\*/);
    assert.match(md, /\| ≠ \| user \| 65534:65534 \| 0:0 \|/);
    assert.match(md, /\| {2}\| env API_TOKEN \| •••••• \(secret\) \| •••••• \(secret\) \|/);
    assert.match(md, /\| ~ \| probes \|/);
    assert.match(md, /- A `\/tmp\/x\.log`/);
  });
});
