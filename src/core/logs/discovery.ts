/**
 * Several discoveries as one — several kube contexts (`--context a,b`), or a context and a swarm —
 * so the tail reads every cluster in one stream. A discovery that fails ends the merged one with
 * its error (a context that cannot be reached is something the user must hear about).
 */
import { mergeIterables } from '../merge-iterables';
import type { DiscoveryEvent, SourceDiscovery } from './types';

export function mergeDiscoveries(discoveries: SourceDiscovery[]): SourceDiscovery {
  return mergeIterables<DiscoveryEvent>(discoveries);
}
