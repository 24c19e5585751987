import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { environmentTarget, nodeTarget } from '../targets';
import { RevisionNode, WorkloadNode } from '../views/clusters/nodes';
import { imageTag, revisionDescription } from '../views/format';

/** prodlike.history.show — the rollout history of a workload (or the environment's) as a list; picking an old revision offers to roll back to it. */
export const history: CommandFactory = (ctx) => async (node?: unknown) => {
  const target = node instanceof WorkloadNode ? nodeTarget(ctx, node) : await environmentTarget(ctx);
  if (!target) return;
  const revisions = (await target.cluster.history(target.ref)).sort((a, b) => b.number - a.number);
  if (revisions.length === 0) return void vscode.window.showInformationMessage(`prodlike: no revisions recorded for ${target.ref.name}.`);
  const pick = await vscode.window.showQuickPick(
    revisions.map((r) => ({ label: `${r.current ? '$(pass-filled)' : '$(circle-outline)'} #${r.number} ${imageTag(r.image)}`, description: revisionDescription(r), detail: r.image, revision: r })),
    { title: `prodlike: rollout history of ${target.ref.name} (${target.cluster.identity.name})` },
  );
  if (!pick || pick.revision.current) return;
  const rollBack = `Roll Back to #${pick.revision.number}`;
  if ((await vscode.window.showInformationMessage(`Revision ${pick.revision.number}: ${pick.revision.image}`, rollBack)) !== rollBack) return;
  // Through the rollback command, so its trust check, plan and confirmation apply.
  if (node instanceof WorkloadNode) await vscode.commands.executeCommand('prodlike.rollback.run', new RevisionNode(node, pick.revision));
  else await vscode.commands.executeCommand('prodlike.rollback.run');
};
