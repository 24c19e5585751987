import * as vscode from 'vscode';
import type { CommandFactory } from './types';

/** prodlike.parity.check — checks the workspace now and says what it found (the findings are in Problems and the Parity view). */
export const checkParity: CommandFactory = (ctx) => async () => {
  const parity = ctx.parity;
  if (!parity) return;
  const findings = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'prodlike: checking parity' }, () => parity.check());
  if (!findings) return;
  const errors = findings.filter((f) => f.severity === 'error').length;
  const summary = findings.length === 0 ? 'no parity problems found.' : `${findings.length} parity finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}).`;
  const show = 'Show Problems';
  const choice = await vscode.window.showInformationMessage(`prodlike: ${summary}`, ...(findings.length ? [show] : []));
  if (choice === show) await vscode.commands.executeCommand('workbench.actions.view.problems');
};
