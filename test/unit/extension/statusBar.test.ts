import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderDeployButton, type DeployPhase, type DeployTarget } from '../../../src/extension/statusBar/render';

const target: DeployTarget = {
  environment: 'local',
  orchestrator: 'swarm',
  workload: 'clean-app',
  server: 'unix:///tmp/docker.sock',
  image: '127.0.0.1:5055/examples/clean-app',
  protected: false,
};

describe('deploy button', () => {
  it('idle: rocket, environment and workload; a click deploys', () => {
    const r = renderDeployButton({ project: 'ready', target, phase: { kind: 'idle' }, trusted: true });
    assert.equal(r.text, '$(rocket) local: clean-app');
    assert.equal(r.command, 'prodlike.deploy.run');
    assert.equal(r.background, undefined);
    assert.match(r.tooltip, /unix:\/\/\/tmp\/docker\\\.sock/);
    assert.match(r.tooltip, /command:prodlike\.history\.show/);
  });

  it('shows each pipeline phase', () => {
    const text = (phase: DeployPhase) =>
      renderDeployButton({ project: 'ready', target, phase, trusted: true }).text;
    assert.equal(text({ kind: 'building' }), '$(sync~spin) local: clean-app · building');
    assert.equal(text({ kind: 'pushing', percent: 41.6 }), '$(sync~spin) local: clean-app · pushing 42%');
    assert.equal(text({ kind: 'rolling-out', updated: 1, desired: 3 }), '$(sync~spin) local: clean-app · rolling out 1/3');
    assert.equal(text({ kind: 'succeeded', image: 'x@sha256:1', revision: 4 }), '$(check) local: clean-app');
    assert.equal(text({ kind: 'failed', message: 'crash loop' }), '$(error) local: clean-app · failed');
    assert.equal(text({ kind: 'rolled-back', message: 'deadline exceeded', revision: 3 }), '$(history) local: clean-app · rolled back');
    const failed = renderDeployButton({ project: 'ready', target, phase: { kind: 'failed', message: 'crash loop' }, trusted: true });
    assert.equal(failed.background, 'error');
    assert.match(failed.tooltip, /Deploy failed:\*\* crash loop/);
  });

  it('marks protected environments and Restricted Mode', () => {
    const r = renderDeployButton({ project: 'ready', target: { ...target, environment: 'prod', protected: true }, phase: { kind: 'idle' }, trusted: false });
    assert.equal(r.text, '$(rocket) prod: clean-app $(lock) $(workspace-untrusted)');
    assert.match(r.tooltip, /Restricted Mode/);
    assert.match(r.ariaLabel, /Restricted Mode/);
  });

  it('escapes markdown from files and clusters', () => {
    const r = renderDeployButton({ project: 'ready', target: { ...target, workload: 'a*b' }, phase: { kind: 'failed', message: '[x](command:evil)' }, trusted: true });
    assert.doesNotMatch(r.tooltip, /\[x\]\(command:evil\)/);
  });

  it('hides without prodlike.yaml and points at the file when it is invalid', () => {
    assert.equal(renderDeployButton({ project: 'none' }).visible, false);
    const r = renderDeployButton({ project: 'invalid', message: 'prodlike.yaml:3:1: bad' });
    assert.equal(r.command, 'prodlike.config.open');
    assert.equal(r.background, 'error');
  });
});
