/** The NODES table of `prodlike status`: one row per machine, as `docker node ls` / `kubectl get nodes` show them. */
import type { ClusterNode } from '../core/cluster/types';

export function nodeRows(nodes: ClusterNode[]): string[][] {
  return [
    ['NODE', 'ROLE', 'AVAILABILITY', 'HEALTH', 'MANAGER', 'ADDRESS'],
    ...nodes.map((n) => [n.name, n.role, n.availability, n.message ? `${n.health} (${n.message})` : n.health, n.manager ?? '-', n.address ?? '-']),
  ];
}
