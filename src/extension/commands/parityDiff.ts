import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import type { Ctx } from '../ctx';
import { clustersCoreModule, type ClustersCore } from '../lazy';
import { localEngine, planRun, readyProject, runTargetOfLabels } from '../local';
import { RunNode } from '../views/local/provider';
import { parityDiffMarkdown } from '../views/local/format';

/** Opens the parity diff of a started container as a Markdown preview (secret values masked by core). */
export async function showParityDiff(ctx: Ctx, engine: ClustersCore.Engine, plan: ClustersCore.ProductionRunPlan, digest: string | undefined, container: string): Promise<void> {
  const core = clustersCoreModule();
  const local = await engine.docker.getContainer(container).inspect();
  const image = await engine.docker.getImage(local.Image).inspect();
  const diff = core.parityDiff(plan, digest, local, image);
  const changes = await core.containerChanges(engine, container).catch(() => undefined);
  await ctx.diffDocuments.show(local.Name.replace(/^\//, ''), parityDiffMarkdown(diff, changes));
}

/** prodlike.local.diff — Show Parity Diff: a parity run (its row, or a pick) next to what production runs. */
export const parityDiff: CommandFactory = (ctx) => async (arg?: unknown) => {
  const state = await readyProject(ctx);
  if (!state) return;
  const core = clustersCoreModule();
  const engine = localEngine(ctx);
  let run = arg instanceof RunNode ? arg.run : undefined;
  if (!run) {
    const runs = await core.listParityRuns(engine);
    if (runs.length === 0) {
      const start = 'Run Locally As In Production';
      if ((await vscode.window.showInformationMessage('prodlike: no parity run to compare; start one first.', start)) === start) await vscode.commands.executeCommand('prodlike.local.run');
      return;
    }
    run = (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: [r.state, r.workload].filter(Boolean).join(' · '), run: r })), { title: 'prodlike: Show Parity Diff' }))?.run;
  }
  if (!run) return;
  const target = runTargetOfLabels(state, run);
  if (!target) return void vscode.window.showWarningMessage(`prodlike: ${run.name} names no environment of this prodlike.yaml, so there is no production to compare it with.`);
  const info = await engine.docker.getContainer(run.id).inspect();
  const labels = info.Config.Labels ?? {};
  const plan = await planRun(ctx, state, { ...target, container: labels['dev.prodlike.container'] }, labels['dev.prodlike.image']);
  if (!plan) return;
  await showParityDiff(ctx, engine, plan, labels['dev.prodlike.digest'], run.id);
};
