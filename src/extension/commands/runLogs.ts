import * as vscode from 'vscode';
import type { CommandFactory } from './types';
import { clustersCoreModule } from '../lazy';
import { localEngine } from '../local';
import { openContainerLogTerminal } from '../logs/logTerminal';
import { RunNode } from '../views/local/provider';

/** prodlike.local.logs — follows a parity run's log in a terminal (its row, or a pick). */
export const runLogs: CommandFactory = (ctx) => async (arg?: unknown) => {
  const engine = localEngine(ctx);
  let name = arg instanceof RunNode ? arg.run.name : undefined;
  if (!name) {
    const runs = await clustersCoreModule().listParityRuns(engine);
    if (runs.length === 0) return void vscode.window.showInformationMessage('prodlike: no parity run to show the logs of.');
    name = (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.name, description: [r.state, r.workload].filter(Boolean).join(' · ') })), { title: 'prodlike: Parity Run Logs' }))?.label;
  }
  if (!name) return;
  openContainerLogTerminal(engine, name).show(true);
};
