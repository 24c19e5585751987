import * as vscode from 'vscode';
import { join } from 'node:path';
import type { CommandFactory } from './types';

/** prodlike.config.open — opens prodlike.yaml (the fix-it of a configuration error). */
export const openConfig: CommandFactory = (ctx) => async () => {
  const root = ctx.project.root;
  if (!root) return void vscode.window.showInformationMessage('prodlike: open a folder first.');
  for (const name of ['prodlike.yaml', 'prodlike.yml']) {
    const uri = vscode.Uri.file(join(root, name));
    try {
      await vscode.workspace.fs.stat(uri);
      await vscode.window.showTextDocument(uri);
      return;
    } catch {
      // try the next name
    }
  }
  void vscode.window.showInformationMessage(`prodlike: there is no prodlike.yaml in ${root}.`);
};
