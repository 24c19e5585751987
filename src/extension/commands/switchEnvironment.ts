import * as vscode from 'vscode';
import type { CommandFactory } from './types';

/** prodlike.environment.switch — picks the environment the button, the commands and the views target. */
export const switchEnvironment: CommandFactory = (ctx) => async (name?: unknown) => {
  const state = await ctx.project.ready();
  if (!state) return void vscode.window.showWarningMessage('prodlike: no valid prodlike.yaml in this workspace.');
  let picked = typeof name === 'string' ? name : undefined;
  if (!picked) {
    const items = Object.values(state.config.environments).map((e) => ({
      label: e.name,
      description: [e.orchestrator === 'swarm' ? 'swarm' : `kube ${e.context ?? '(current context)'}`, e.namespace, e.workload].filter(Boolean).join(' · '),
      detail: e.protected ? '$(lock) protected' : undefined,
      picked: e.name === state.environment?.name,
    }));
    const choice = await vscode.window.showQuickPick(items, { title: 'prodlike: Switch Environment', placeHolder: state.environment?.name });
    picked = choice?.label;
  }
  if (!picked) return;
  if (!state.config.environments[picked]) return void vscode.window.showWarningMessage(`prodlike: no environment "${picked}" in prodlike.yaml.`);
  await ctx.project.selectEnvironment(picked);
};
