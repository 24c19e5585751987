/**
 * Parity diffs as read-only Markdown documents (`prodlike-diff:/<container>.md`): no "save changes?"
 * when closed, reopened with the latest diff of that container, and one click from a rendered preview.
 */
import * as vscode from 'vscode';

export class ParityDiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'prodlike-diff';
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(ParityDiffDocuments.scheme, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  async show(container: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: ParityDiffDocuments.scheme, path: `/${container}.md` });
    this.contents.set(uri.toString(), markdown);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
