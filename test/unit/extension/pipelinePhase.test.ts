import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeOf, phaseOfReport, PipelinePhase } from '../../../src/extension/statusBar/pipelinePhase';
import { renderDeployButton, type DeployTarget } from '../../../src/extension/statusBar/render';
import type { PipelineEvent, ShipReport, ShipTarget } from '../../../src/core/pipeline/types';

const shipTarget: ShipTarget = {
  environment: 'local',
  protected: false,
  autoRollback: true,
  cluster: { name: 'swarm (local)', orchestrator: 'swarm', server: 'unix:///tmp/docker.sock' } as ShipTarget['cluster'],
  namespace: 'default',
  workload: 'clean-app',
};
const buttonTarget: DeployTarget = { environment: 'local', orchestrator: 'swarm', workload: 'clean-app', protected: false };

/** The button's text after each event, as the user sees it change. */
function texts(events: PipelineEvent[]): string[] {
  const t = new PipelinePhase();
  const out: string[] = [];
  for (const e of events) {
    const u = t.next(e);
    if (u.phase) out.push(renderDeployButton({ project: 'ready', target: buttonTarget, phase: u.phase, trusted: true }).text);
  }
  return out;
}

const report = (r: Partial<ShipReport>): ShipReport => ({ outcome: 'complete', message: 'done', target: shipTarget, ...r }) as ShipReport;

describe('the deploy button follows the pipeline', () => {
  it('building, pushing with a percentage, rolling out n/m, then deployed', () => {
    const shown = texts([
      { type: 'target', target: shipTarget },
      { type: 'stage', stage: 'build', state: 'started', message: 'building the image' },
      { type: 'build', event: { type: 'step', index: 2, total: 5, text: 'COPY app/ /app/' } },
      { type: 'stage', stage: 'push', state: 'started', message: 'pushing' },
      { type: 'push', event: { type: 'layer', id: 'a', status: 'Pushing', current: 50, total: 100 } },
      { type: 'push', event: { type: 'layer', id: 'b', status: 'Pushing', current: 0, total: 300 } },
      { type: 'push', event: { type: 'layer', id: 'a', status: 'Pushed' } },
      { type: 'stage', stage: 'deploy', state: 'started', message: 'deploying' },
      { type: 'rollout', phase: 'deploy', event: { type: 'progress', desired: 3, updated: 1, ready: 1, available: 1, message: '1 of 3' } },
      { type: 'rollout', phase: 'deploy', event: { type: 'progress', desired: 3, updated: 3, ready: 3, available: 3, message: '3 of 3' } },
      { type: 'report', report: report({ outcome: 'complete', image: { reference: 'r:t', repository: 'r', tag: 't', dirty: false, pinned: 'r:t@sha256:ab' }, revision: 4 }) },
    ]);
    assert.deepEqual(shown, [
      '$(sync~spin) local: clean-app · building',
      '$(sync~spin) local: clean-app · building',
      '$(sync~spin) local: clean-app · pushing',
      '$(sync~spin) local: clean-app · pushing 50%',
      '$(sync~spin) local: clean-app · pushing 13%',
      '$(sync~spin) local: clean-app · pushing 25%',
      '$(sync~spin) local: clean-app · deploying',
      '$(sync~spin) local: clean-app · rolling out 1/3',
      '$(sync~spin) local: clean-app · rolling out 3/3',
      '$(check) local: clean-app',
    ]);
  });

  it('the automatic rollback does not move the n/m of the failed rollout, and ends as rolled back', () => {
    const shown = texts([
      { type: 'stage', stage: 'deploy', state: 'started', message: 'deploying' },
      { type: 'rollout', phase: 'deploy', event: { type: 'progress', desired: 2, updated: 1, ready: 0, available: 0, message: '' } },
      { type: 'rollout', phase: 'deploy', event: { type: 'failed', reason: 'ProgressDeadlineExceeded', message: 'too slow' } },
      { type: 'stage', stage: 'rollback', state: 'started', message: 'rolling back' },
      { type: 'rollout', phase: 'rollback', event: { type: 'progress', desired: 2, updated: 2, ready: 2, available: 2, message: '' } },
      { type: 'report', report: report({ outcome: 'rolled-back', message: 'prodlike rolled clean-app back to revision 3', rolledBack: { by: 'prodlike', toRevision: 3, message: 'x' } }) },
    ]);
    assert.deepEqual(shown, ['$(sync~spin) local: clean-app · deploying', '$(sync~spin) local: clean-app · rolling out 1/2', '$(history) local: clean-app · rolled back']);
  });

  it('a pipeline error shows as failed with its message', () => {
    const t = new PipelinePhase();
    t.next({ type: 'stage', stage: 'build', state: 'started', message: 'building' });
    const r = renderDeployButton({ project: 'ready', target: buttonTarget, phase: t.error('registry unreachable').phase!, trusted: true });
    assert.equal(r.text, '$(error) local: clean-app · failed');
    assert.match(r.tooltip, /registry unreachable/);
    assert.equal(r.background, 'error');
  });
});

describe('what the user is told at the end', () => {
  it('offers a rollback only when the rollout failed and nothing undid it', () => {
    assert.equal(outcomeOf(report({ outcome: 'failed', message: 'failed (autoRollback is off)' })).offerRollback, true);
    assert.equal(outcomeOf(report({ outcome: 'failed', message: 'x' })).level, 'error');
    assert.equal(outcomeOf(report({ outcome: 'rolled-back', message: 'swarm rolled it back' })).offerRollback, false);
    assert.match(outcomeOf(report({ outcome: 'rolled-back', message: 'swarm rolled it back' })).text, /failed and was rolled back — swarm rolled it back/);
    assert.equal(outcomeOf(report({ outcome: 'complete' })).offerRollback, false);
    assert.equal(outcomeOf(report({ outcome: 'cancelled', cancelled: { stage: 'rollout', state: 'deploy-applied' } })).offerRollback, false);
  });

  it('a cancel before the deploy leaves the button idle; after it, the button says what happened', () => {
    assert.deepEqual(phaseOfReport(report({ outcome: 'cancelled', cancelled: { stage: 'push', state: 'nothing-changed' } })), { kind: 'idle' });
    assert.equal(phaseOfReport(report({ outcome: 'cancelled', message: 'goes on in the cluster', cancelled: { stage: 'rollout', state: 'deploy-applied' } })).kind, 'failed');
  });
});
