// The extension's entry point: a thin layer over src/core (DESIGN.md). Nothing slow or networked here.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('prodlike.doctor.run', () => {
      void vscode.window.showInformationMessage('prodlike is installed.');
    }),
  );
}

export function deactivate(): void {}
