/** Applies renderDeployButton() to the status-bar item whenever anything it shows changes. */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { renderDeployButton, TOOLTIP_COMMANDS, type ButtonInput, type DeployTarget } from './render';

export function createDeployButton(ctx: Ctx): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('prodlike.deploy', vscode.StatusBarAlignment.Left, 50);
  item.name = 'prodlike: Deploy';

  const update = () => {
    const r = renderDeployButton(buttonInput(ctx));
    item.text = r.text;
    const tooltip = new vscode.MarkdownString(r.tooltip, true);
    tooltip.isTrusted = { enabledCommands: TOOLTIP_COMMANDS };
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.command = r.command;
    item.accessibilityInformation = { label: r.ariaLabel, role: 'button' };
    item.backgroundColor =
      r.background === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : r.background === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    if (r.visible) item.show();
    else item.hide();
  };

  const subscriptions = [
    ctx.project.onDidChange(update),
    ctx.deployPhase.onDidChange(update),
    ctx.onDidChangeTargets(update),
    vscode.workspace.onDidGrantWorkspaceTrust(update),
  ];
  update();
  return vscode.Disposable.from(item, ...subscriptions);
}

function buttonInput(ctx: Ctx): ButtonInput {
  const s = ctx.project.state;
  switch (s.kind) {
    case 'loading':
      return { project: 'loading' };
    case 'none':
      return { project: 'none' };
    case 'invalid':
      return { project: 'invalid', message: s.error.message };
    case 'ready': {
      const env = s.environment;
      if (!env) return { project: 'no-environment', message: s.environmentError?.message ?? 'prodlike.yaml names no environment.' };
      const target: DeployTarget = {
        environment: env.name,
        orchestrator: env.orchestrator,
        workload: env.workload,
        namespace: env.namespace,
        context: env.context,
        server: ctx.serverOf(env),
        image: s.config.image,
        protected: env.protected,
      };
      return { project: 'ready', target, phase: ctx.deployPhase.value, trusted: vscode.workspace.isTrusted };
    }
  }
}
