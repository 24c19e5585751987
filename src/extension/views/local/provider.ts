/**
 * The Local view: what prodlike made on the local engine — the images it built (tag, digest once
 * pushed, age) and its parity runs (containers started "as in production"). Live while visible:
 * it follows the engine's event stream (core's watchEngineEvents, re-opened with backoff when it
 * drops), so a run started or stopped anywhere — the CLI, a terminal, another window — shows
 * within a moment; bursts are coalesced by the RefreshManager. Hidden, it watches nothing. An
 * unreachable engine is a row with a Retry, not a pop-up, and the row clears by itself once the
 * stream re-opens.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../../ctx';
import { asUserError, type UserError } from '../../errors';
import { clustersCoreModule, type ClustersCore } from '../../lazy';
import { localEngine, repositoryOf } from '../../local';
import { RefreshManager } from '../refresh';
import { age, shortDigest } from '../format';
import { LOCAL_VIEW_EVENTS, builtImageLabel, changesLocalView, parityRunDescription } from './format';

const MAX_IMAGES = 15;

export type LocalNode = GroupNode | ImageNode | RunNode | MessageNode;

export class GroupNode {
  constructor(readonly kind: 'images' | 'runs') {}
}

export class ImageNode {
  constructor(readonly image: ClustersCore.BuiltImageInfo) {}
  /** The reference a push or run uses: the first tag (repo:tag). */
  get reference(): string | undefined {
    return this.image.references[0];
  }
  /** `repo:tag@sha256:…` once pushed. */
  get pinned(): string | undefined {
    const ref = this.reference;
    const digest = this.image.repoDigests[0]?.split('@')[1];
    return ref && digest ? `${ref}@${digest}` : undefined;
  }
}

export class RunNode {
  constructor(readonly run: ClustersCore.ParityRun) {}
}

export class MessageNode {
  constructor(readonly id: string, readonly text: string, readonly error?: UserError) {}
}

export class LocalTree implements vscode.TreeDataProvider<LocalNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<LocalNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  // The events drive every change; the slow poll is there because rows show ages ("5m") and a
  // run's status ("Up 3 minutes") that go stale without any event.
  readonly refresh = new RefreshManager<LocalNode>((n) => this.changed.fire(n), { debounceMs: 250, pollMs: 60_000 });
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    // Another environment may mean another engine: follow that one's events instead.
    this.subscriptions.push(
      ctx.project.onDidChange(() => {
        this.refresh.stopWatches();
        this.refresh.request(undefined);
      }),
    );
  }

  getTreeItem(node: LocalNode): vscode.TreeItem {
    if (node instanceof GroupNode) {
      const item = new vscode.TreeItem(node.kind === 'images' ? 'Images' : 'Parity runs', vscode.TreeItemCollapsibleState.Expanded);
      item.id = `local/${node.kind}`;
      item.iconPath = new vscode.ThemeIcon(node.kind === 'images' ? 'file-binary' : 'vm');
      item.contextValue = `prodlike.local.${node.kind}`;
      return item;
    }
    if (node instanceof ImageNode) {
      const i = node.image;
      const item = new vscode.TreeItem(builtImageLabel(i), vscode.TreeItemCollapsibleState.None);
      item.id = `local/image/${i.id}`;
      const digest = shortDigest(i.repoDigests[0]?.split('@')[1]);
      item.description = [digest ? `@${digest}` : 'not pushed', age(i.created.toISOString())].filter(Boolean).join(' · ');
      item.iconPath = new vscode.ThemeIcon(digest ? 'package' : 'circle-large-outline');
      item.tooltip = new vscode.MarkdownString(
        [`**${node.reference ?? i.id}**`, `image ID: \`${i.id}\``, ...i.repoDigests.map((d) => `pushed: \`${d}\``), i.sourceTag ? `built from: ${i.sourceTag}` : '', `created: ${i.created.toISOString()}`].filter(Boolean).join('\n\n'),
      );
      item.contextValue = digest ? 'prodlike.image.pushed' : 'prodlike.image';
      return item;
    }
    if (node instanceof RunNode) {
      const r = node.run;
      const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
      item.id = `local/run/${r.id}`;
      item.description = parityRunDescription(r);
      const running = r.state === 'running';
      item.iconPath = new vscode.ThemeIcon(running ? 'vm-running' : 'vm-outline');
      item.tooltip = new vscode.MarkdownString([`**${r.name}**`, `image: \`${r.image}\``, r.workload ? `workload: ${r.workload}` : '', r.environment ? `environment: ${r.environment}` : '', `status: ${r.status}`, ...r.ports.map((p) => `port: ${p}`)].filter(Boolean).join('\n\n'));
      item.contextValue = running ? 'prodlike.run.running' : 'prodlike.run.stopped';
      return item;
    }
    const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    if (node.error) {
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
      item.tooltip = new vscode.MarkdownString(`${node.error.message}${node.error.fix ? `\n\n**Fix:** ${node.error.fix}` : ''}`);
      item.description = 'Retry';
      item.command = { title: 'Retry', command: 'prodlike.local.refresh' };
      item.contextValue = 'prodlike.error';
    } else {
      item.iconPath = new vscode.ThemeIcon('info');
      item.contextValue = 'prodlike.info';
    }
    return item;
  }

  async getChildren(node?: LocalNode): Promise<LocalNode[]> {
    if (!node) {
      this.watchEngine();
      return [new GroupNode('images'), new GroupNode('runs')];
    }
    if (!(node instanceof GroupNode)) return [];
    try {
      const core = clustersCoreModule();
      const engine = localEngine(this.ctx);
      if (node.kind === 'images') {
        const s = await this.ctx.project.ready();
        const images = await core.listBuiltImages(engine, s ? repositoryOf(s.config) : undefined);
        if (images.length === 0) return [new MessageNode('local/images/empty', 'No images built by prodlike yet')];
        // Newest first, and a bounded list: a busy engine holds hundreds of old builds.
        const shown = images.slice(0, MAX_IMAGES).map((i): LocalNode => new ImageNode(i));
        if (images.length > MAX_IMAGES) shown.push(new MessageNode('local/images/more', `${images.length - MAX_IMAGES} older images not shown`));
        return shown;
      }
      const runs = await core.listParityRuns(engine);
      return runs.length ? runs.map((r) => new RunNode(r)) : [new MessageNode('local/runs/empty', 'No parity runs')];
    } catch (e) {
      const u = asUserError(e);
      return [new MessageNode(`local/${node.kind}/error`, `Cannot read the local engine: ${u.message}`, u)];
    }
  }

  /** Follows the local engine's events while the view is visible (the RefreshManager ends the watch when hidden). */
  private watchEngine(): void {
    if (!this.refresh.isVisible) return;
    let engine: ClustersCore.Engine;
    let core: typeof ClustersCore;
    try {
      core = clustersCoreModule();
      engine = localEngine(this.ctx);
    } catch {
      return; // The listing below reports the same failure as a row.
    }
    // Events from just before the listing are replayed, so a change between the listing and the
    // stream's opening is not missed (at worst it refreshes once more).
    const since = new Date(Date.now() - 1000);
    this.refresh.watch(
      {
        key: `engine-events ${engine.endpoint.url}`,
        run: async (signal, changed) => {
          let down = false;
          for await (const item of core.watchEngineEvents(engine, { signal, since, ...LOCAL_VIEW_EVENTS })) {
            if (item.kind === 'event') {
              if (changesLocalView(item.event, core.PARITY_LABEL)) changed();
            } else if (item.kind === 'reconnecting') {
              if (!down) this.ctx.output.info(`Local view: no event stream from ${engine.endpoint.url} (${item.reason}); retrying`);
              down = true;
            } else if (down) {
              // Back after a drop or an unreachable engine: list again (an error row clears, missed changes show).
              down = false;
              changed();
            }
          }
        },
      },
      undefined,
    );
  }

  dispose(): void {
    this.refresh.dispose();
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

export function createLocalView(ctx: Ctx): { tree: LocalTree; disposable: vscode.Disposable } {
  const tree = new LocalTree(ctx);
  const view = vscode.window.createTreeView('prodlike.local', { treeDataProvider: tree });
  tree.refresh.setVisible(view.visible);
  const vis = view.onDidChangeVisibility((e) => tree.refresh.setVisible(e.visible));
  return { tree, disposable: vscode.Disposable.from(vis, view, tree) };
}
