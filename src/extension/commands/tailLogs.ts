import type { CommandFactory } from './types';
import { environmentTarget, nodeTarget } from '../targets';
import { PodNode, WorkloadNode } from '../views/clusters/nodes';
import { openLogTerminal } from '../logs/logTerminal';

/** prodlike.logs.tail — follows the logs of every pod of a workload (or one pod) in a terminal; several tails can run at once. */
export const tailLogs: CommandFactory = (ctx) => async (node?: unknown) => {
  const req =
    node instanceof PodNode
      ? { ...nodeTarget(ctx, node.workloadNode), pod: node.pod.name }
      : node instanceof WorkloadNode
        ? nodeTarget(ctx, node)
        : await environmentTarget(ctx);
  if (!req) return;
  // The terminal owns the tail: closing it (or the window) ends the streams.
  openLogTerminal(req).show(true);
};
