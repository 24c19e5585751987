/**
 * Several async iterables read as one: each value is yielded as soon as its iterable produces it,
 * and the merged iterable ends when all of them have. An error in any of them ends the merge with
 * that error. Returning early (or failing) closes every iterable that is still open.
 */
export async function* mergeIterables<T>(iterables: AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = iterables.map((it) => it[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
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
    // Pulls still in flight settle later: never as unhandled rejections.
    for (const p of pending.values()) p.catch(() => undefined);
    await Promise.allSettled(iterators.map((it) => it.return?.()));
  }
}
