import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { requireTrust } from '../trust';
import { confirmProtectedEnvironment, environmentTarget, nodeTarget, type WorkloadTarget } from '../targets';
import { RevisionNode, WorkloadNode } from '../views/clusters/nodes';
import { followRollout, type RolloutResult } from '../rollout';
import type { Ctx } from '../ctx';
import { imageTag } from '../views/format';

/**
 * prodlike.rollback.run — "Roll back to this revision" on a revision, "Roll back" (to the previous
 * revision) on a workload, or from the palette: the environment's workload and a pick of its
 * revisions. The plan (from → to, warnings) is shown for confirmation before anything changes.
 */
export const rollback: CommandFactory = (ctx) => async (node?: unknown) => {
  if (!requireTrust('Roll back')) return;
  let target: WorkloadTarget | undefined;
  let toRevision: number | undefined;
  if (node instanceof RevisionNode) {
    target = nodeTarget(ctx, node.workloadNode);
    toRevision = node.revision.number;
  } else if (node instanceof WorkloadNode) {
    target = nodeTarget(ctx, node);
  } else {
    target = await environmentTarget(ctx);
    if (!target) return;
    const revisions = await target.cluster.history(target.ref);
    const candidates = revisions.filter((r) => !r.current).sort((a, b) => b.number - a.number);
    if (candidates.length === 0) return void vscode.window.showInformationMessage(`prodlike: ${target.ref.name} has no earlier revision to roll back to.`);
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: `#${r.number} ${imageTag(r.image)}`, description: [r.cause, r.createdAt].filter(Boolean).join(' · '), detail: r.image, revision: r.number })),
      { title: `prodlike: Roll back ${target.ref.name}`, placeHolder: 'Revision to restore' },
    );
    if (!pick) return;
    toRevision = pick.revision;
  }

  await performRollback(ctx, target, toRevision);
};

/**
 * Plans the rollback, shows the plan for confirmation (and the protected environment's name), applies
 * it and follows the rollout. Also used by the deploy button when a rollout failed.
 * Returns the revision restored, or undefined when nothing was done.
 */
export async function performRollback(ctx: Ctx, target: WorkloadTarget, toRevision?: number): Promise<{ revision: number; image: string; outcome: RolloutResult['outcome'] } | undefined> {
  const { cluster, ref, environment } = target;
  const plan = await cluster.planRollback(ref, toRevision);
  if (plan.skipped) {
    void vscode.window.showInformationMessage(`prodlike: ${ref.name} already runs revision ${plan.toRevision} (${plan.toImage}); skipped rollback.`);
    return undefined;
  }
  const where = `${cluster.identity.name} (${cluster.identity.server})`;
  const detail = [
    `Cluster: ${where}`,
    `Namespace: ${ref.namespace}`,
    `From: ${plan.fromRevision !== undefined ? `revision ${plan.fromRevision}, ` : ''}${plan.fromImage}`,
    `To: revision ${plan.toRevision}, ${plan.toImage}`,
    ...plan.warnings.map((w) => `Warning: ${w}`),
  ].join('\n');
  const go = 'Roll Back';
  const answer = await vscode.window.showWarningMessage(`Roll back ${ref.name} to revision ${plan.toRevision}?`, { modal: true, detail }, go);
  if (answer !== go) return undefined;
  if (!(await confirmProtectedEnvironment(environment, 'roll back'))) return undefined;

  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `prodlike: rolling back ${ref.name} to revision ${plan.toRevision}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        await cluster.rollback(plan, controller.signal);
        ctx.output.info(`rollback: ${ref.namespace}/${ref.name} on ${where} → revision ${plan.toRevision} (${plan.toImage})`);
        ctx.clustersTree?.refresh.request(undefined);
        return await followRollout(cluster, ref, controller.signal, progress);
      } finally {
        sub.dispose();
      }
    },
  );
  ctx.clustersTree?.refresh.request(undefined);
  if (result.outcome === 'complete') {
    void vscode.window.showInformationMessage(`prodlike: rolled back ${ref.name} to revision ${plan.toRevision} (${imageTag(plan.toImage)}).`);
  } else if (result.outcome === 'cancelled') {
    void vscode.window.showInformationMessage(`prodlike: ${result.message}`);
  } else {
    void vscode.window.showErrorMessage(`prodlike: the rollback of ${ref.name} did not complete — ${result.message}`);
  }
  return { revision: plan.toRevision, image: plan.toImage, outcome: result.outcome };
}
