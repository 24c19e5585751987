import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { requireTrust } from '../trust';
import { clustersCoreModule } from '../lazy';
import { localEngine } from '../local';
import { RunNode } from '../views/local/provider';

/** prodlike.local.stop — stops and removes a parity run (its row, or a pick of the running ones). */
export const stopRun: CommandFactory = (ctx) => async (arg?: unknown) => {
  if (!requireTrust('Stop')) return;
  const core = clustersCoreModule();
  const engine = localEngine(ctx);
  let name = arg instanceof RunNode ? arg.run.name : undefined;
  if (!name) {
    const runs = await core.listParityRuns(engine);
    if (runs.length === 0) return void vscode.window.showInformationMessage('prodlike: no parity run to stop.');
    name = (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: [r.state, r.workload].filter(Boolean).join(' · ') })), { title: 'prodlike: Stop Parity Run' }))?.label;
  }
  if (!name) return;
  const container = name;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `prodlike: stopping ${container}` }, () => core.stopContainer(engine, container));
  ctx.output.info(`stop: ${container}`);
  ctx.localTree?.refresh.request(undefined);
};
