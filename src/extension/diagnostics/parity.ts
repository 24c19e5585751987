/**
 * Parity findings as Problems: core's checkParity over the workspace, on start and after a save of
 * any file (debounced; a newer run cancels the one in flight). prodlike.yaml's own errors are shown
 * on prodlike.yaml. Works in Restricted Mode: it only reads files, it runs nothing.
 */
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { Ctx } from '../ctx';
import { workspaceCoreModule, type WorkspaceCore } from '../lazy';
import { asUserError, isAborted } from '../errors';
import { DisposableStore, MutableDisposable, abortable } from '../lifecycle';
import { Observable } from '../observable';

export type ParityState =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; root: string; findings: WorkspaceCore.ReportedFinding[]; at: number }
  | { kind: 'failed'; message: string };

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(f: { ruleId: string; severity: string; message: string; line: number; column: number; endLine: number; endColumn: number }): vscode.Diagnostic {
  const start = new vscode.Position(Math.max(0, f.line - 1), Math.max(0, f.column - 1));
  const endLine = Math.max(start.line, f.endLine - 1);
  let end = new vscode.Position(endLine, Math.max(0, f.endColumn - 1));
  if (end.isBeforeOrEqual(start)) end = start.translate(0, 1);
  const d = new vscode.Diagnostic(new vscode.Range(start, end), f.message, SEVERITY[f.severity] ?? vscode.DiagnosticSeverity.Warning);
  d.source = 'prodlike';
  d.code = f.ruleId;
  return d;
}

export class ParityDiagnostics implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly collection: vscode.DiagnosticCollection;
  private readonly configCollection: vscode.DiagnosticCollection;
  private readonly run = new MutableDisposable<AbortController & vscode.Disposable>();
  private timer: NodeJS.Timeout | undefined;
  readonly state = new Observable<ParityState>({ kind: 'idle' });
  /** The findings behind the published diagnostics, by file URI (quick fixes read their `data`). */
  private findingsByUri = new Map<string, WorkspaceCore.ReportedFinding[]>();

  constructor(private readonly ctx: Ctx) {
    this.collection = this.store.add(vscode.languages.createDiagnosticCollection('prodlike'));
    this.configCollection = this.store.add(vscode.languages.createDiagnosticCollection('prodlike.yaml'));
    this.store.add(this.run);
    this.store.add(this.state);
    this.store.add({ dispose: () => clearTimeout(this.timer) });
    this.store.add(vscode.workspace.onDidSaveTextDocument((doc) => doc.uri.scheme === 'file' && this.schedule()));
    this.store.add(
      ctx.project.onDidChange((s) => {
        this.showConfigProblems();
        if (s.kind === 'ready' || s.kind === 'none') this.schedule(0);
      }),
    );
  }

  /** Runs a check soon; repeated calls within the window make one run. */
  schedule(delayMs = 400): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), delayMs);
  }

  /** Runs a check now; resolves with the findings (undefined when cancelled by a newer run or failed). */
  async check(): Promise<WorkspaceCore.ReportedFinding[] | undefined> {
    const state = this.ctx.project.state;
    const root = state.kind === 'ready' || state.kind === 'invalid' ? state.root : this.ctx.project.root;
    if (!root) return undefined;
    const controller = abortable();
    this.run.value = controller;
    this.state.value = { kind: 'running' };
    try {
      const disable = state.kind === 'ready' ? state.config.rules.disable : [];
      const report = await workspaceCoreModule().checkParity(root, { disable, signal: controller.signal });
      if (controller.signal.aborted) return undefined;
      this.publish(root, report.findings);
      this.state.value = { kind: 'done', root, findings: report.findings, at: Date.now() };
      return report.findings;
    } catch (e) {
      if (isAborted(e) || controller.signal.aborted) return undefined;
      this.ctx.output.error('parity check failed', e);
      this.state.value = { kind: 'failed', message: asUserError(e).message };
      return undefined;
    }
  }

  private publish(root: string, findings: readonly WorkspaceCore.ReportedFinding[]): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const byUri = new Map<string, WorkspaceCore.ReportedFinding[]>();
    for (const f of findings) {
      const list = byFile.get(f.file) ?? [];
      list.push(toDiagnostic(f));
      byFile.set(f.file, list);
      const uri = vscode.Uri.file(join(root, f.file)).toString();
      byUri.set(uri, [...(byUri.get(uri) ?? []), f]);
    }
    this.findingsByUri = byUri;
    this.collection.clear();
    this.collection.set([...byFile].map(([file, list]) => [vscode.Uri.file(join(root, file)), list]));
  }

  /** The finding a prodlike diagnostic of this document was made from. */
  findingFor(uri: vscode.Uri, d: vscode.Diagnostic): WorkspaceCore.ReportedFinding | undefined {
    return this.findingsByUri.get(uri.toString())?.find((f) => f.ruleId === d.code && f.line - 1 === d.range.start.line && f.column - 1 === d.range.start.character);
  }

  private showConfigProblems(): void {
    this.configCollection.clear();
    const s = this.ctx.project.state;
    if (s.kind !== 'invalid') return;
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const p of s.problems) {
      const d = toDiagnostic({ ruleId: 'prodlike-yaml', severity: 'error', message: p.path ? `${p.path}: ${p.message}` : p.message, line: p.line, column: p.column, endLine: p.line, endColumn: p.column + 1 });
      byFile.set(p.file, [...(byFile.get(p.file) ?? []), d]);
    }
    this.configCollection.set([...byFile].map(([file, list]) => [vscode.Uri.file(file), list]));
  }

  dispose(): void {
    this.store.dispose();
  }
}
