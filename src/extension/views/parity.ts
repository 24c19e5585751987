/** The Parity view: the last check's findings grouped by rule; a finding opens its place in the file. */
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { ParityDiagnostics } from '../diagnostics/parity';
import type { WorkspaceCore } from '../lazy';

type Finding = WorkspaceCore.ReportedFinding;
type Item = { kind: 'rule'; ruleId: string; findings: Finding[] } | { kind: 'finding'; root: string; finding: Finding } | { kind: 'message'; text: string; icon: string };

const ICON: Record<string, string> = { error: 'error', warning: 'warning', info: 'info' };

class ParityTree implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly parity: ParityDiagnostics) {}

  fire(): void {
    this.changed.fire();
  }

  getTreeItem(item: Item): vscode.TreeItem {
    switch (item.kind) {
      case 'message': {
        const t = new vscode.TreeItem(item.text);
        t.iconPath = new vscode.ThemeIcon(item.icon);
        return t;
      }
      case 'rule': {
        const worst = item.findings.some((f) => f.severity === 'error') ? 'error' : item.findings.some((f) => f.severity === 'warning') ? 'warning' : 'info';
        const t = new vscode.TreeItem(item.ruleId, vscode.TreeItemCollapsibleState.Expanded);
        t.id = `rule/${item.ruleId}`;
        t.description = `${item.findings.length}`;
        t.iconPath = new vscode.ThemeIcon(ICON[worst] ?? 'warning');
        t.contextValue = 'prodlike.parityRule';
        return t;
      }
      case 'finding': {
        const f = item.finding;
        const t = new vscode.TreeItem(`${f.file}:${f.line}`);
        t.id = `finding/${f.fingerprint}/${f.file}/${f.line}/${f.column}`;
        t.description = f.message;
        t.tooltip = `${f.message}\n${f.ruleId} · ${f.severity}`;
        t.iconPath = new vscode.ThemeIcon(ICON[f.severity] ?? 'warning');
        const pos = new vscode.Position(Math.max(0, f.line - 1), Math.max(0, f.column - 1));
        t.command = { title: 'Open', command: 'vscode.open', arguments: [vscode.Uri.file(join(item.root, f.file)), { selection: new vscode.Range(pos, pos) }] };
        t.contextValue = 'prodlike.finding';
        return t;
      }
    }
  }

  getChildren(item?: Item): Item[] {
    const s = this.parity.state.value;
    if (!item) {
      if (s.kind === 'idle' || s.kind === 'running') return [{ kind: 'message', text: 'Checking…', icon: 'loading~spin' }];
      if (s.kind === 'failed') return [{ kind: 'message', text: `The check failed: ${s.message}`, icon: 'error' }];
      if (s.findings.length === 0) return [{ kind: 'message', text: 'No parity problems found', icon: 'pass' }];
      const byRule = new Map<string, Finding[]>();
      for (const f of s.findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
      return [...byRule].map(([ruleId, findings]) => ({ kind: 'rule', ruleId, findings }));
    }
    if (item.kind === 'rule' && s.kind === 'done') return item.findings.map((finding) => ({ kind: 'finding', root: s.root, finding }));
    return [];
  }
}

export function createParityView(parity: ParityDiagnostics): vscode.Disposable {
  const tree = new ParityTree(parity);
  const view = vscode.window.createTreeView('prodlike.parity', { treeDataProvider: tree });
  const sub = parity.state.onDidChange((s) => {
    // "running" is shown only when there was nothing yet; later re-checks replace the list when done.
    if (s.kind !== 'running') tree.fire();
    view.badge = s.kind === 'done' && s.findings.length ? { value: s.findings.length, tooltip: `${s.findings.length} parity findings` } : undefined;
  });
  return vscode.Disposable.from(sub, view);
}
