/**
 * The Clusters view. Roots: the local swarm, every kubeconfig context, and the environments of
 * prodlike.yaml whose cluster cannot be named. Each expanded namespace is watched (core's
 * reconnecting watchWorkloads) while the view is visible, and a change refreshes that namespace only.
 */
import * as vscode from 'vscode';
import type { Ctx } from '../../ctx';
import { asUserError } from '../../errors';
import { RefreshManager } from '../refresh';
import { ClusterNode, ErrorNode, NamespaceNode, Node, UnresolvedEnvironmentNode, type PodsNode, type TreeContext } from './nodes';

export class ClustersTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly refresh: RefreshManager<Node>;
  private readonly namespaces = new Map<string, NamespaceNode>();
  private readonly podsNodes = new Map<string, PodsNode>();
  private readonly tc: TreeContext;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.refresh = new RefreshManager<Node>((node) => {
      ctx.output.debug(`Clusters: refresh ${node?.id ?? 'all'}`);
      this.changed.fire(node);
    });
    this.tc = {
      ctx,
      watched: (node) => this.watchNamespace(node),
      watchedPods: (node) => this.watchPods(node),
      namespaceNode: (cluster, ns) => {
        const key = `${cluster.id}/ns/${ns}`;
        let node = this.namespaces.get(key);
        if (!node || node.clusterNode.source !== cluster.source) {
          node = new NamespaceNode(this.tc, cluster, ns);
          this.namespaces.set(key, node);
        }
        return node;
      },
    };
    this.subscriptions.push(
      ctx.clusters.onDidReset(() => {
        this.refresh.stopWatches();
        this.namespaces.clear();
        this.podsNodes.clear();
        ctx.output.debug('Clusters: reset, refresh all');
        this.changed.fire(undefined);
      }),
      ctx.project.onDidChange(() => ctx.clusters.projectChanged()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => ctx.clusters.reset()),
    );
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return node.treeItem();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node) return node.children();
    this.ctx.output.debug('Clusters: listing the roots');
    try {
      if (this.ctx.project.state.kind === 'loading') await this.ctx.project.reload();
      const { sources, kubeconfigError } = await this.ctx.clusters.sources();
      const roots: Node[] = sources.map((s) => (s.kind === 'unresolved' ? new UnresolvedEnvironmentNode(s) : new ClusterNode(this.tc, s)));
      if (kubeconfigError) roots.push(new ErrorNode('kubeconfig/error', { ...kubeconfigError, message: `Cannot read the kubeconfig: ${kubeconfigError.message}` }, undefined));
      return roots;
    } catch (e) {
      return [new ErrorNode('clusters/error', asUserError(e), undefined)];
    }
  }

  private watchNamespace(node: NamespaceNode): void {
    const cluster = node.clusterNode.cluster();
    this.refresh.watch(
      {
        key: node.id,
        run: async (signal, changed) => {
          let first = true;
          for await (const event of cluster.watchWorkloads(node.namespace, signal)) {
            // The first full list repeats what was just listed; reconnect notices change nothing.
            if (event.type === 'synced' && first) {
              first = false;
              continue;
            }
            if (event.type === 'reconnecting') continue;
            changed();
          }
        },
      },
      node,
    );
  }

  /** A pod's phase, readiness or restarts changed, or a pod came or went: that Pods node is listed again. */
  private watchPods(node: PodsNode): void {
    // The watch outlives the node object it started with (a namespace refresh makes new ones): it refreshes the latest.
    this.podsNodes.set(node.id, node);
    const cluster = node.workloadNode.cluster;
    this.refresh.watch(
      {
        key: node.id,
        run: async (signal) => {
          let first = true;
          for await (const event of cluster.watchPods(node.workloadNode.ref, signal)) {
            if (event.type === 'synced' && first) {
              first = false;
              continue;
            }
            if (event.type === 'reconnecting') continue;
            this.refresh.request(this.podsNodes.get(node.id) ?? node);
          }
        },
      },
      node,
    );
  }

  dispose(): void {
    this.refresh.dispose();
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

export function createClustersView(ctx: Ctx): { tree: ClustersTree; view: vscode.TreeView<Node>; disposable: vscode.Disposable } {
  const tree = new ClustersTree(ctx);
  const view = vscode.window.createTreeView('prodlike.clusters', { treeDataProvider: tree, showCollapseAll: true });
  tree.refresh.setVisible(view.visible);
  const vis = view.onDidChangeVisibility((e) => tree.refresh.setVisible(e.visible));
  return { tree, view, disposable: vscode.Disposable.from(vis, view, tree) };
}
