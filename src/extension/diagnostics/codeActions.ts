/**
 * Quick fixes for parity findings whose fix is mechanical (quickFixes.ts computes the edits). The
 * digest of an image is asked of the local engine only when the user opens the light bulb on a
 * pinning finding; when the engine does not know it, the fix is shown disabled with the reason.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { localEngine } from '../local';
import { FIXABLE_RULES, PIN_RULES, pinImageEdit, readinessProbeEdit, repoDigestFor, revisionHistoryEdit, type QuickFixEdit } from './quickFixes';

const ENGINE_TIMEOUT_MS = 3000;

export class ParityQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly ctx: Ctx) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext, token: vscode.CancellationToken): Promise<vscode.CodeAction[]> {
    const parity = this.ctx.parity;
    const ours = context.diagnostics.filter((d) => d.source === 'prodlike' && FIXABLE_RULES.has(String(d.code)));
    if (!parity || ours.length === 0) return [];
    const lines = doc.getText().split(/\r?\n/);
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const f = parity.findingFor(doc.uri, d);
      if (!f) continue;
      if (PIN_RULES.has(f.ruleId)) {
        const image = f.data?.image;
        if (!image) continue;
        const digest = await this.digestOf(image);
        if (token.isCancellationRequested) return [];
        const edit = digest ? pinImageEdit(lines, f, digest) : undefined;
        if (edit) actions.push(this.action(doc, d, edit));
        else {
          const a = new vscode.CodeAction(`Pin ${image} to its digest`, vscode.CodeActionKind.QuickFix);
          a.disabled = { reason: `The Docker engine has no registry digest for ${image}: pull it (or push it) first, then try again.` };
          a.diagnostics = [d];
          actions.push(a);
        }
        continue;
      }
      const edit = readinessProbeEdit(lines, f) ?? revisionHistoryEdit(lines, f);
      if (edit) actions.push(this.action(doc, d, edit));
    }
    return actions;
  }

  private action(doc: vscode.TextDocument, d: vscode.Diagnostic, e: QuickFixEdit): vscode.CodeAction {
    const a = new vscode.CodeAction(e.title, vscode.CodeActionKind.QuickFix);
    a.edit = new vscode.WorkspaceEdit();
    a.edit.replace(doc.uri, new vscode.Range(e.start.line, e.start.character, e.end.line, e.end.character), e.text);
    a.diagnostics = [d];
    a.isPreferred = true;
    return a;
  }

  /** The image's digest in its own repository, as the local engine knows it; undefined when it does not (or is unreachable). */
  private async digestOf(image: string): Promise<string | undefined> {
    try {
      const engine = localEngine(this.ctx);
      const info = await Promise.race([
        engine.docker.getImage(image).inspect(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ENGINE_TIMEOUT_MS).unref()),
      ]);
      return repoDigestFor(image, info.RepoDigests ?? []);
    } catch {
      return undefined;
    }
  }
}

export function registerParityQuickFixes(ctx: Ctx): vscode.Disposable {
  const selector: vscode.DocumentSelector = [
    { scheme: 'file', language: 'dockerfile' },
    { scheme: 'file', language: 'yaml' },
    { scheme: 'file', pattern: '**/{Dockerfile,Dockerfile.*,*.Dockerfile,Containerfile}' },
  ];
  return vscode.languages.registerCodeActionsProvider(selector, new ParityQuickFixes(ctx), { providedCodeActionKinds: ParityQuickFixes.kinds });
}
