/**
 * Several discoveries as one — several kube contexts (`--context a,b`), or a context and a swarm —
 * so the tail reads every cluster in one stream. A discovery that fails ends the merged one with
 * its error (a context that cannot be reached is something the user must hear about).
 */
import type { DiscoveryEvent, SourceDiscovery } from './types';

export async function* mergeDiscoveries(discoveries: SourceDiscovery[]): SourceDiscovery {
  const iterators = discoveries.map((d) => d[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<DiscoveryEvent> }>>();
  const pull = (i: number) => pending.set(i, iterators[i]!.next().then((r) => ({ i, r })));
  iterators.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    for (const p of pending.values()) p.catch(() => undefined);
    await Promise.allSettled(iterators.map((it) => it.return?.()));
  }
}
