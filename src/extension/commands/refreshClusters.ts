import type { CommandFactory } from './types';
import { ErrorNode, Node } from '../views/clusters/nodes';

/** prodlike.clusters.refresh — the view's refresh button (everything: kubeconfig re-read, clusters reopened), or a node's Retry. */
export const refreshClusters: CommandFactory = (ctx) => (node?: unknown) => {
  const target = node instanceof ErrorNode ? node.retry : node;
  if (target instanceof Node) ctx.clustersTree?.refresh.request(target);
  else ctx.clusters.reset();
};
