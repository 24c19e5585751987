/**
 * Following a rollout (after a deploy or a rollback) until it completes, fails or is cancelled:
 * core's RolloutEvents rendered into a progress report and, optionally, the status-bar phase.
 */
import type * as vscode from 'vscode';
import type { Cluster, RolloutEvent, WorkloadRef } from '../core/cluster/types';

export interface RolloutResult {
  outcome: 'complete' | 'failed' | 'rolled-back' | 'paused' | 'cancelled';
  message: string;
}

export async function followRollout(
  cluster: Cluster,
  ref: WorkloadRef,
  signal: AbortSignal,
  progress: vscode.Progress<{ message?: string }>,
  onEvent?: (e: RolloutEvent) => void,
): Promise<RolloutResult> {
  try {
    for await (const e of cluster.rolloutStatus(ref, { signal })) {
      onEvent?.(e);
      switch (e.type) {
        case 'progress':
          progress.report({ message: `${e.updated}/${e.desired} updated, ${e.available} available — ${e.message}` });
          break;
        case 'warning':
          progress.report({ message: e.message });
          break;
        case 'complete':
          return { outcome: 'complete', message: e.message };
        case 'failed':
          return { outcome: 'failed', message: `${e.reason}: ${e.message}` };
        case 'rolled-back':
          return { outcome: 'rolled-back', message: e.message };
        case 'paused':
          return { outcome: 'paused', message: e.message };
      }
    }
  } catch (e) {
    if (signal.aborted) return { outcome: 'cancelled', message: 'Stopped watching; the rollout goes on in the cluster.' };
    throw e;
  }
  return signal.aborted
    ? { outcome: 'cancelled', message: 'Stopped watching; the rollout goes on in the cluster.' }
    : { outcome: 'complete', message: 'The rollout status stream ended.' };
}
