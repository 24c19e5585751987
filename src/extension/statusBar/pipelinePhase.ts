/**
 * From core's pipeline events to what the deploy button and the progress notification show.
 * Pure (no `vscode`), so the mapping is unit-tested: one tracker per deploy, fed every event in
 * order. Push progress is the sum over layers whose size the engine announced.
 */
import type { PipelineEvent, ShipReport } from '../../core/pipeline/types';
import type { DeployPhase } from './render';

export interface PhaseUpdate {
  /** The button's new phase, when it changed. */
  phase?: DeployPhase;
  /** One line for the progress notification, when there is something new to say. */
  message?: string;
}

export class PipelinePhase {
  private phase: DeployPhase = { kind: 'idle' };
  private readonly layers = new Map<string, { current: number; total: number }>();
  private rollingBack = false;

  get current(): DeployPhase {
    return this.phase;
  }

  next(e: PipelineEvent): PhaseUpdate {
    switch (e.type) {
      case 'target':
        return {};
      case 'stage':
        return this.stage(e);
      case 'build':
        if (e.event.type === 'step') {
          const of = e.event.total ? `${e.event.index}/${e.event.total}` : `${e.event.index}`;
          return this.set({ kind: 'building', detail: `step ${of}` }, `building: step ${of} ${e.event.text}`);
        }
        return {};
      case 'push': {
        const p = e.event;
        if (p.type !== 'layer') return {};
        if (p.total) this.layers.set(p.id, { current: p.current ?? 0, total: p.total });
        else if (/^(pushed|layer already exists|mounted from)/i.test(p.status)) {
          const l = this.layers.get(p.id);
          if (l) l.current = l.total;
        }
        let current = 0;
        let total = 0;
        for (const l of this.layers.values()) {
          current += Math.min(l.current, l.total);
          total += l.total;
        }
        return this.set({ kind: 'pushing', percent: total > 0 ? (100 * current) / total : undefined });
      }
      case 'image':
        return {};
      case 'plan':
        return { message: `${e.plan.workload}: ${e.plan.fromImage} → ${e.plan.toImage}` };
      case 'rollout': {
        const r = e.event;
        if (r.type === 'progress') {
          if (this.rollingBack) return { message: `rolling back: ${r.updated}/${r.desired} updated — ${r.message}` };
          return this.set({ kind: 'rolling-out', updated: r.updated, desired: r.desired }, `${r.updated}/${r.desired} updated, ${r.available} available — ${r.message}`);
        }
        if (r.type === 'warning') return { message: r.message };
        return {};
      }
      case 'rollback-plan':
        return { message: `rolling back to revision ${e.plan.toRevision} (${e.plan.toImage})` };
      case 'report':
        return this.set(phaseOfReport(e.report), e.report.message);
    }
  }

  private stage(e: Extract<PipelineEvent, { type: 'stage' }>): PhaseUpdate {
    if (e.state !== 'started') return { message: e.state === 'failed' ? `${e.stage} failed: ${e.message}` : undefined };
    switch (e.stage) {
      case 'build':
        return this.set({ kind: 'building' }, e.message);
      case 'push':
        return this.set({ kind: 'pushing' }, e.message);
      case 'plan':
      case 'confirm':
      case 'deploy':
        return this.set({ kind: 'deploying' }, e.message);
      case 'rollout':
        return { message: e.message };
      case 'rollback':
        this.rollingBack = true;
        return { message: e.message };
    }
  }

  /** The pipeline threw (build failed, registry unreachable, confirmation refused…). */
  error(message: string): PhaseUpdate {
    return this.set({ kind: 'failed', message }, message);
  }

  private set(phase: DeployPhase, message?: string): PhaseUpdate {
    this.phase = phase;
    return { phase, message };
  }
}

/** The button's last state for a report: the outcome, and what prodlike or the orchestrator undid. */
export function phaseOfReport(r: ShipReport): DeployPhase {
  switch (r.outcome) {
    case 'complete':
      return { kind: 'succeeded', image: r.image?.pinned ?? r.image?.reference ?? '', revision: r.revision };
    case 'rolled-back':
      return { kind: 'rolled-back', message: r.message, revision: r.rolledBack?.toRevision };
    case 'failed':
    case 'paused':
      return { kind: 'failed', message: r.message };
    case 'cancelled':
      // A cancel before the deploy changed nothing: the button goes back to idle.
      return r.cancelled?.state === 'nothing-changed' ? { kind: 'idle' } : { kind: 'failed', message: r.message };
  }
}

/** What the final notification says and offers, from the report alone. */
export interface Outcome {
  level: 'info' | 'warning' | 'error';
  text: string;
  /** Offer the user a rollback to the previous revision (the rollout failed and nothing undid it). */
  offerRollback: boolean;
}

export function outcomeOf(r: ShipReport): Outcome {
  switch (r.outcome) {
    case 'complete':
      return { level: 'info', text: `prodlike: deployed — ${r.message}`, offerRollback: false };
    case 'rolled-back':
      return { level: 'warning', text: `prodlike: the deploy failed and was rolled back — ${r.message}`, offerRollback: false };
    case 'paused':
      return { level: 'warning', text: `prodlike: ${r.message}`, offerRollback: true };
    case 'failed':
      // Offered only when nothing was rolled back: autoRollback off, or its own rollback failed.
      return { level: 'error', text: `prodlike: ${r.message}`, offerRollback: r.cancelled === undefined };
    case 'cancelled':
      return { level: 'info', text: `prodlike: ${r.message}`, offerRollback: false };
  }
}
