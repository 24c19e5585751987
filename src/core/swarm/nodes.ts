/**
 * Swarm nodes in the Cluster interface's words (`ClusterNode`), and what a rollout watch says when
 * a node that runs the service's tasks is lost. Pure functions of engine JSON, except
 * `listSwarmNodes`, the one engine call.
 *
 * A node is lost when its manager stops receiving heartbeats (the dispatcher's heartbeat period
 * times a grace factor, about 3 periods: 15 s by default, 6 s with `--dispatcher-heartbeat 2s`).
 * Before that the swarm — and therefore prodlike — still believes the node and its tasks run;
 * after it, swarm reschedules the node's tasks of replicated services elsewhere.
 */
import { z } from 'zod';
import type Dockerode from 'dockerode';
import type { ClusterNode, RolloutEvent } from '../cluster/types';
import type { EngineEndpoint } from '../docker/engine';
import { swarmError } from './errors';
import { parseEngineList, type SwarmService, type SwarmTask } from './schema';
import { taskName } from './workload';

export const SwarmNodeSchema = z.looseObject({
  ID: z.string(),
  Description: z
    .looseObject({
      Hostname: z.string().optional(),
      Engine: z.looseObject({ EngineVersion: z.string().optional() }).optional(),
    })
    .optional(),
  Spec: z.looseObject({ Role: z.string().optional(), Availability: z.string().optional() }).optional(),
  Status: z.looseObject({ State: z.string().optional(), Message: z.string().optional(), Addr: z.string().optional() }).optional(),
  ManagerStatus: z.looseObject({ Leader: z.boolean().optional(), Reachability: z.string().optional(), Addr: z.string().optional() }).nullish(),
});
export type SwarmNodeJson = z.infer<typeof SwarmNodeSchema>;

const HEALTH: Record<string, ClusterNode['health']> = { ready: 'ready', down: 'down', disconnected: 'disconnected', unknown: 'unknown' };
const AVAILABILITY: Record<string, ClusterNode['availability']> = { active: 'active', pause: 'pause', drain: 'drain' };

export function toClusterNode(n: SwarmNodeJson): ClusterNode {
  const role = n.Spec?.Role === 'manager' ? 'manager' : 'worker';
  const health = HEALTH[n.Status?.State ?? ''] ?? 'unknown';
  const ms = n.ManagerStatus;
  const manager: ClusterNode['manager'] = role !== 'manager' ? undefined : ms?.Leader ? 'leader' : ms?.Reachability === 'reachable' ? 'reachable' : ms?.Reachability === 'unreachable' ? 'unreachable' : 'unknown';
  const message = n.Status?.Message;
  return {
    name: n.Description?.Hostname || n.ID.slice(0, 12),
    id: n.ID,
    role,
    availability: AVAILABILITY[n.Spec?.Availability ?? ''] ?? 'active',
    health,
    // The engine says "heartbeat failure" or "node is down"; a ready node's message is noise.
    ...(health !== 'ready' && message ? { message } : {}),
    ...(n.Status?.Addr ? { address: n.Status.Addr } : {}),
    ...(manager ? { manager } : {}),
    ...(n.Description?.Engine?.EngineVersion ? { version: n.Description.Engine.EngineVersion } : {}),
  };
}

/** Managers first (the leader first of all), then by name: the order `docker node ls` users scan. */
export function sortNodes(nodes: ClusterNode[]): ClusterNode[] {
  const rank = (n: ClusterNode) => (n.manager === 'leader' ? 0 : n.role === 'manager' ? 1 : 2);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export async function listSwarmNodes(docker: Dockerode, endpoint: EngineEndpoint, signal?: AbortSignal): Promise<ClusterNode[]> {
  try {
    const raw: unknown = await docker.listNodes({ abortSignal: signal } as object);
    return sortNodes(parseEngineList(SwarmNodeSchema, raw, 'a node list').map(toClusterNode));
  } catch (e) {
    throw swarmError(endpoint, e, 'Cannot list nodes');
  }
}

/**
 * Follows node health between two reads of a rollout and says, once per loss, which node that ran
 * (or was given) tasks of the service stopped answering, and once when it is back.
 */
export class NodeLossReport {
  private readonly down = new Set<string>();

  /** Warnings for nodes that went down (or came back) since the last call. */
  update(nodes: ClusterNode[], tasks: SwarmTask[], serviceName: string): RolloutEvent[] {
    const events: RolloutEvent[] = [];
    const live = tasks.filter((t) => t.DesiredState === 'running' || t.Status.State === 'running');
    for (const n of nodes) {
      if (n.health === 'down' || n.health === 'disconnected') {
        if (this.down.has(n.id)) continue;
        const affected = live.filter((t) => t.NodeID === n.id).length;
        if (affected === 0) continue; // a node the service does not use: not this rollout's news
        this.down.add(n.id);
        events.push({ type: 'warning', message: nodeLossMessage(n, affected, serviceName) });
      } else if (this.down.delete(n.id)) {
        events.push({ type: 'warning', message: `node ${n.name} is ${n.health} again.` });
      }
    }
    return events;
  }

  get lost(): number {
    return this.down.size;
  }
}

export function nodeLossMessage(n: ClusterNode, tasks: number, serviceName: string): string {
  const why = n.message ? ` (${n.message})` : '';
  return `node ${n.name} is ${n.health}${why}: ${tasks} task(s) of ${serviceName} ran there; swarm reschedules them on the remaining nodes.`;
}

/**
 * Swarm's updater waits for the new task of each slot to run. When that task was placed on a node
 * that is then lost before the task started, swarm shuts the task down but the updater keeps
 * waiting for it: the update stays "updating" until the node comes back (measured on Engine 20.10;
 * it then counts the task as failed and applies the failure action). A watch that only waits would
 * sit until its deadline, so this says what happened instead: the rollout is stuck, and why.
 */
export function stuckOnLostNode(service: SwarmService, tasks: SwarmTask[], nodes: ClusterNode[]): RolloutEvent | undefined {
  const state = service.UpdateStatus?.State;
  if (state !== 'updating' && state !== 'rollback_started') return undefined;
  const lost = new Map(nodes.filter((n) => n.health === 'down' || n.health === 'disconnected').map((n) => [n.id, n]));
  if (lost.size === 0) return undefined;
  const started = Date.parse(service.UpdateStatus?.StartedAt ?? '') || 0;
  const image = service.Spec.TaskTemplate.ContainerSpec.Image;
  const waitedFor = tasks.find(
    (t) =>
      t.NodeID !== undefined &&
      lost.has(t.NodeID) &&
      t.Spec.ContainerSpec.Image === image &&
      (Date.parse(t.CreatedAt ?? '') || 0) >= started &&
      t.DesiredState !== 'running' &&
      !['running', 'complete', 'failed', 'rejected', 'shutdown'].includes(t.Status.State),
  );
  if (!waitedFor) return undefined;
  const node = lost.get(waitedFor.NodeID!)!;
  const name = service.Spec.Name;
  const what = state === 'updating' ? 'update' : 'rollback';
  return {
    type: 'failed',
    reason: 'NodeLost',
    message:
      `The ${what} of ${name} is stuck: its new task ${taskName(name, waitedFor)} was placed on node ${node.name}, which is ${node.health}${node.message ? ` (${node.message})` : ''} before the task started. ` +
      `Swarm waits for that task until the node returns, then counts it as failed (failure action: ${service.Spec.UpdateConfig?.FailureAction ?? 'pause'}). ` +
      `Run \`prodlike rollback\` or deploy again to finish on the remaining nodes now.`,
    pods: [taskName(name, waitedFor)],
  };
}
