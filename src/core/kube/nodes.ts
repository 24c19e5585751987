/**
 * Kubernetes nodes in the Cluster interface's words (`ClusterNode`, shared with swarm), so
 * `prodlike status` and the cluster tree show both orchestrators' machines the same way:
 *
 * - role: a `node-role.kubernetes.io/control-plane` (or the older `master`) label → control-plane,
 *   as kubectl's ROLES column says; anything else → worker. Kubernetes has no leader among nodes,
 *   so `manager` stays undefined.
 * - availability: `spec.unschedulable` (cordoned, or drained: the API cannot tell which) → pause,
 *   the swarm word for "keeps what runs there, takes nothing new".
 * - health: the Ready condition. False (the kubelet says NotReady) and Unknown (the kubelet stopped
 *   posting; the node lifecycle controller evicts its pods after a toleration, 300 s by default)
 *   are both "down" with the condition's message; no Ready condition at all is "unknown".
 */
import { z } from 'zod';
import type { ClusterNode } from '../cluster/types';

const ROLE_LABEL = 'node-role.kubernetes.io/';

export const nodeSchema = z
  .object({
    metadata: z.object({ name: z.string(), uid: z.string().optional(), labels: z.record(z.string(), z.string()).nullish() }).passthrough(),
    spec: z.object({ unschedulable: z.boolean().nullish() }).passthrough().nullish(),
    status: z
      .object({
        conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().nullish(), message: z.string().nullish() }).passthrough()).nullish(),
        addresses: z.array(z.object({ type: z.string(), address: z.string() }).passthrough()).nullish(),
        nodeInfo: z.object({ kubeletVersion: z.string().nullish() }).passthrough().nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type KubeNode = z.infer<typeof nodeSchema>;

/** The roles a node's labels give it (`kubectl get nodes` ROLES), sorted. */
export function nodeRoles(n: KubeNode): string[] {
  return Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith(ROLE_LABEL) && k.length > ROLE_LABEL.length)
    .map((k) => k.slice(ROLE_LABEL.length))
    .sort();
}

export function toClusterNode(n: KubeNode): ClusterNode {
  const roles = nodeRoles(n);
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const health: ClusterNode['health'] = !ready ? 'unknown' : ready.status === 'True' ? 'ready' : 'down';
  const message = health === 'ready' ? undefined : (ready?.message ?? ready?.reason ?? undefined);
  const addresses = n.status?.addresses ?? [];
  const address = (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP') ?? addresses.find((a) => a.type === 'Hostname'))?.address;
  const version = n.status?.nodeInfo?.kubeletVersion;
  return {
    name: n.metadata.name,
    id: n.metadata.uid ?? n.metadata.name,
    role: roles.includes('control-plane') || roles.includes('master') ? 'control-plane' : 'worker',
    availability: n.spec?.unschedulable ? 'pause' : 'active',
    health,
    ...(message ? { message } : {}),
    ...(address ? { address } : {}),
    ...(version ? { version } : {}),
  };
}

/** Control plane first, then by name with numbers in order (node-2 before node-10). */
export function sortKubeNodes(nodes: ClusterNode[]): ClusterNode[] {
  const rank = (n: ClusterNode) => (n.role === 'control-plane' ? 0 : 1);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, undefined, { numeric: true }));
}
