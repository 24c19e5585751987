/**
 * The Clusters tree's nodes: cluster → namespace → workload → Revisions / Pods (Tasks on swarm).
 * Each node knows how to render itself and fetch its children; failures become ErrorNodes with a
 * fix-it action instead of pop-ups. `contextValue` carries the state menus match on
 * (package.json `view/item/context`), and every node has a stable `id` so expansion survives a refresh.
 */
import * as vscode from 'vscode';
import type { Cluster, Pod, Revision, Workload, WorkloadRef } from '../../../core/cluster/types';
import type { ClusterSource } from '../../clusters';
import type { Ctx } from '../../ctx';
import { withDeadline } from '../../../core/deadline';
import { asUserError, type UserError } from '../../errors';
import { podDescription, revisionDescription, revisionLabel, workloadDescription } from '../format';

export interface TreeContext {
  ctx: Ctx;
  /** Called when a namespace's workloads were listed: the refresh manager may start watching it. */
  watched(node: NamespaceNode): void;
  /** Called when a workload's pods (tasks) were listed: they are watched (core's watchPods) while visible. */
  watchedPods(node: PodsNode): void;
  /** The one NamespaceNode per cluster and namespace (the refresh manager fires changes on it). */
  namespaceNode(cluster: ClusterNode, namespace: string): NamespaceNode;
}

export abstract class Node {
  abstract readonly id: string;
  abstract treeItem(): vscode.TreeItem;
  children(): Promise<Node[]> {
    return Promise.resolve([]);
  }
}

/** A failure as a row: the message, the fix in the tooltip, and a click (or inline action) that retries. */
export class ErrorNode extends Node {
  constructor(
    readonly id: string,
    readonly error: UserError,
    readonly retry: Node | undefined,
    readonly actions: { title: string; command: string; arguments?: unknown[] }[] = [],
  ) {
    super();
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.error.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    item.tooltip = new vscode.MarkdownString(`${this.error.message}${this.error.fix ? `\n\n**Fix:** ${this.error.fix}` : ''}`);
    item.description = this.error.fix ? 'Retry' : undefined;
    item.contextValue = this.actions.some((a) => a.command === 'prodlike.clusters.switchContext') ? 'prodlike.error.context' : 'prodlike.error';
    item.command = { title: 'Retry', command: 'prodlike.clusters.refresh', arguments: [this.retry] };
    return item;
  }
}

export class InfoNode extends Node {
  constructor(readonly id: string, readonly label: string, readonly icon = 'info') {
    super();
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = 'prodlike.info';
    return item;
  }
}

/**
 * Lists a row's children. A failure becomes an ErrorNode whose click retries; so does a request that
 * has not answered within `prodlike.clusters.requestTimeoutSeconds` (the request is aborted), so
 * a cluster that accepts connections and never answers shows an error, not a row spinning for ever.
 */
async function guarded(
  tc: TreeContext,
  owner: Node,
  idPrefix: string,
  what: string,
  fetch: (signal: AbortSignal) => Promise<Node[]>,
  actions: ErrorNode['actions'] = [],
): Promise<Node[]> {
  const log = tc.ctx.output;
  const started = performance.now();
  const elapsed = () => `${(performance.now() - started).toFixed(1)} ms`;
  log.debug(`Clusters: listing ${idPrefix}`);
  try {
    const rows = await withDeadline(requestTimeoutMs(), fetch, 'Check that it is up (prodlike doctor), then click to retry.');
    log.debug(`Clusters: listed ${idPrefix}: ${rows.length} rows in ${elapsed()}`);
    return rows;
  } catch (e) {
    const u = asUserError(e);
    const line = `Clusters: listing ${idPrefix} failed after ${elapsed()}: ${u.message}`;
    if (u.code === 'timeout') log.warn(line);
    else log.debug(line);
    return [new ErrorNode(`${idPrefix}/error`, { ...u, message: `${what}: ${u.message}` }, owner, actions)];
  }
}

function requestTimeoutMs(): number {
  const seconds = vscode.workspace.getConfiguration('prodlike').get<number>('clusters.requestTimeoutSeconds') ?? 20;
  return Math.max(0.5, seconds) * 1000;
}

export class ClusterNode extends Node {
  readonly id: string;
  constructor(readonly tc: TreeContext, readonly source: Exclude<ClusterSource, { kind: 'unresolved' }>) {
    super();
    this.id = source.id;
  }

  treeItem(): vscode.TreeItem {
    const s = this.source;
    const item = new vscode.TreeItem(s.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const envs = s.environments.length ? s.environments.join(', ') : undefined;
    item.description = [envs, s.server].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(s.kind === 'swarm' ? 'vm' : 'cloud');
    const lines = [
      `**${s.kind === 'swarm' ? 'Docker Swarm' : 'Kubernetes context'}** ${s.name}${s.kind === 'kube' && s.current ? ' (current context)' : ''}`,
      `server: \`${s.server ?? 'unknown'}\``,
    ];
    if (envs) lines.push(`environments: ${envs}`);
    if (s.kind === 'kube' && s.context.usesExecPlugin) {
      lines.push(`credentials from the program \`${s.context.execCommand ?? 'an exec plugin'}\`${vscode.workspace.isTrusted ? '' : ' — not run in Restricted Mode'}`);
    }
    item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    item.contextValue = `prodlike.cluster.${s.kind}`;
    return item;
  }

  cluster(): Cluster {
    return this.tc.ctx.clusters.open(this.source);
  }

  override children(): Promise<Node[]> {
    return guarded(
      this.tc,
      this,
      this.id,
      `Cannot reach ${this.source.kind === 'swarm' ? 'the local swarm' : `cluster ${this.source.name}`}`,
      async (signal) => {
        const cluster = this.cluster();
        const namespaces = await cluster.listNamespaces(signal);
        // Hundreds of namespaces are common on shared clusters: the environments' own come first.
        const wanted = new Set(this.environmentNamespaces());
        namespaces.sort((a, b) => Number(wanted.has(b)) - Number(wanted.has(a)) || a.localeCompare(b));
        return namespaces.map((ns) => this.tc.namespaceNode(this, ns));
      },
      this.source.kind === 'kube' ? [{ title: 'Switch Context', command: 'prodlike.clusters.switchContext' }] : [],
    );
  }

  environmentNamespaces(): string[] {
    const state = this.tc.ctx.project.state;
    if (state.kind !== 'ready') return [];
    return Object.values(state.config.environments)
      .filter((e) => this.source.environments.includes(e.name))
      .map((e) => e.namespace ?? 'default');
  }
}

export class UnresolvedEnvironmentNode extends Node {
  readonly id: string;
  constructor(readonly source: Extract<ClusterSource, { kind: 'unresolved' }>) {
    super();
    this.id = source.id;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.source.environment, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = this.source.error.message;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.tooltip = new vscode.MarkdownString(`${this.source.error.message}\n\n**Fix:** ${this.source.error.fix ?? ''}`);
    item.contextValue = 'prodlike.environment.unresolved';
    item.command = { title: 'Open prodlike.yaml', command: 'prodlike.config.open' };
    return item;
  }
}

export class NamespaceNode extends Node {
  readonly id: string;
  constructor(readonly tc: TreeContext, readonly clusterNode: ClusterNode, readonly namespace: string) {
    super();
    this.id = `${clusterNode.id}/ns/${namespace}`;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.namespace, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.clusterNode.source.kind === 'swarm' ? 'layers' : 'symbol-namespace');
    item.contextValue = 'prodlike.namespace';
    if (this.clusterNode.environmentNamespaces().includes(this.namespace)) item.description = 'environment';
    return item;
  }

  override children(): Promise<Node[]> {
    return guarded(this.tc, this, this.id, `Cannot list the workloads of ${this.namespace}`, async (signal) => {
      const workloads = await this.clusterNode.cluster().listWorkloads(this.namespace, signal);
      this.tc.watched(this);
      if (workloads.length === 0) return [new InfoNode(`${this.id}/empty`, 'No workloads')];
      return workloads.map((w) => new WorkloadNode(this.tc, this, w));
    });
  }
}

export class WorkloadNode extends Node {
  readonly id: string;
  constructor(readonly tc: TreeContext, readonly namespaceNode: NamespaceNode, readonly workload: Workload) {
    super();
    this.id = `${namespaceNode.id}/w/${workload.name}`;
  }

  get ref(): WorkloadRef {
    return { namespace: this.workload.namespace, name: this.workload.name };
  }

  get cluster(): Cluster {
    return this.namespaceNode.clusterNode.cluster();
  }

  /** The environments of prodlike.yaml that deploy to this workload. */
  environments(): string[] {
    const state = this.tc.ctx.project.state;
    if (state.kind !== 'ready') return [];
    const cn = this.namespaceNode.clusterNode;
    return Object.values(state.config.environments)
      .filter((e) => cn.source.environments.includes(e.name) && e.workload === this.workload.name && (cn.source.kind === 'swarm' || (e.namespace ?? 'default') === this.workload.namespace))
      .map((e) => e.name);
  }

  treeItem(): vscode.TreeItem {
    const w = this.workload;
    const item = new vscode.TreeItem(w.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const envs = this.environments();
    item.description = (envs.length ? `${envs.join(', ')} · ` : '') + workloadDescription(w);
    const failed = w.state === 'failed';
    item.iconPath = failed
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon(w.state === 'progressing' ? 'sync' : 'package');
    const failure = w.conditions.find((c) => c.status === 'False' || c.reason === 'ProgressDeadlineExceeded');
    item.tooltip = new vscode.MarkdownString(
      [
        `**${w.kind}** ${w.namespace}/${w.name}`,
        `image: \`${w.image}\``,
        `replicas: ${w.ready} ready, ${w.updated} updated, ${w.available} available of ${w.desired}`,
        w.revision !== undefined ? `revision: ${w.revision}` : '',
        failed && failure ? `**Rollout failed:** ${failure.reason ?? ''} ${failure.message ?? ''}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.contextValue = `prodlike.workload${failed ? '.failed' : ''}`;
    return item;
  }

  override children(): Promise<Node[]> {
    const swarm = this.namespaceNode.clusterNode.source.kind === 'swarm';
    return Promise.resolve([new RevisionsNode(this), new PodsNode(this, swarm ? 'Tasks' : 'Pods')]);
  }
}

export class RevisionsNode extends Node {
  readonly id: string;
  constructor(readonly workloadNode: WorkloadNode) {
    super();
    this.id = `${workloadNode.id}/revisions`;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Revisions', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('history');
    item.contextValue = 'prodlike.revisions';
    return item;
  }
  override children(): Promise<Node[]> {
    return guarded(this.workloadNode.tc, this, this.id, 'Cannot read the rollout history', async (signal) => {
      const revisions = await this.workloadNode.cluster.history(this.workloadNode.ref, signal);
      if (revisions.length === 0) return [new InfoNode(`${this.id}/empty`, 'No revisions recorded')];
      return [...revisions].sort((a, b) => b.number - a.number).map((r) => new RevisionNode(this.workloadNode, r));
    });
  }
}

export class RevisionNode extends Node {
  readonly id: string;
  constructor(readonly workloadNode: WorkloadNode, readonly revision: Revision) {
    super();
    this.id = `${workloadNode.id}/revisions/${revision.number}`;
  }
  treeItem(): vscode.TreeItem {
    const r = this.revision;
    const item = new vscode.TreeItem(revisionLabel(r), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = revisionDescription(r);
    item.iconPath = new vscode.ThemeIcon(r.current ? 'pass-filled' : 'circle-outline');
    item.tooltip = new vscode.MarkdownString([`**Revision ${r.number}**${r.current ? ' (current)' : ''}`, `image: \`${r.image}\``, r.cause ? `cause: ${r.cause}` : '', r.createdAt ? `created: ${r.createdAt}` : ''].filter(Boolean).join('\n\n'));
    item.contextValue = r.current ? 'prodlike.revision.current' : 'prodlike.revision';
    return item;
  }
}

export class PodsNode extends Node {
  readonly id: string;
  constructor(readonly workloadNode: WorkloadNode, readonly label: 'Pods' | 'Tasks') {
    super();
    this.id = `${workloadNode.id}/pods`;
  }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('server-process');
    item.contextValue = 'prodlike.pods';
    return item;
  }
  override children(): Promise<Node[]> {
    return guarded(this.workloadNode.tc, this, this.id, `Cannot list the ${this.label.toLowerCase()}`, async (signal) => {
      const pods = await this.workloadNode.cluster.pods(this.workloadNode.ref, signal);
      this.workloadNode.tc.watchedPods(this);
      if (pods.length === 0) return [new InfoNode(`${this.id}/empty`, `No ${this.label.toLowerCase()}`)];
      return pods.map((p) => new PodNode(this.workloadNode, p));
    });
  }
}

export class PodNode extends Node {
  readonly id: string;
  constructor(readonly workloadNode: WorkloadNode, readonly pod: Pod) {
    super();
    this.id = `${workloadNode.id}/pods/${pod.name}`;
  }
  treeItem(): vscode.TreeItem {
    const p = this.pod;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = podDescription(p);
    const bad = p.restarts > 0 && !p.ready;
    item.iconPath = new vscode.ThemeIcon(p.ready ? 'vm-running' : bad ? 'vm-outline' : 'vm-pending', bad ? new vscode.ThemeColor('list.warningForeground') : undefined);
    item.tooltip = new vscode.MarkdownString(
      [`**${p.name}**`, ...p.containers.map((c) => `${c.name}: \`${c.image}\`${c.state ? ` — ${c.state}` : ''}${c.reason ? ` (${c.reason})` : ''}`)].join('\n\n'),
    );
    item.contextValue = 'prodlike.pod';
    return item;
  }
}
