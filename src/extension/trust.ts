/**
 * Workspace Trust. A workspace's files can make prodlike build and run code (a Dockerfile's RUN
 * steps, a kubeconfig exec plugin) and change clusters, so in Restricted Mode every such command
 * refuses — in code, not only through `when` clauses, since hidden commands stay callable
 * (executeCommand, keybindings, command: links). Views and diagnostics keep working read-only.
 */
import * as vscode from 'vscode';

export type GuardedAction = 'Build' | 'Push' | 'Deploy' | 'Roll back' | 'Run locally' | 'Stop' | 'Authenticate with an exec plugin';

export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

export function restrictedMessage(action: GuardedAction): string {
  return (
    `prodlike: ${action} is disabled in Restricted Mode. This workspace is not trusted, and ${action.toLowerCase()} ` +
    'would run code from it or change a cluster. Trust the workspace to enable it.'
  );
}

/** True when the action may run; otherwise tells the user why not and returns false. */
export function requireTrust(action: GuardedAction): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showWarningMessage(restrictedMessage(action), manage).then((choice) => {
    if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
