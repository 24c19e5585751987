/**
 * A request someone is waiting on, with a deadline. An engine or cluster that accepts the
 * connection and then never answers would otherwise hang a `doctor` or leave a tree row spinning
 * for ever: at the deadline the request is aborted (the signal reaches dockerode and client-node)
 * and the caller gets a `timeout` ProdlikeError, whether or not the request honoured its signal.
 * No dependency but errors.ts: the extension's entry bundle uses it too.
 */
import { ProdlikeError } from './errors';

export async function withDeadline<T>(ms: number, run: (signal: AbortSignal) => Promise<T>, fix?: string): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before the abort, so the caller sees the deadline, not the request's AbortError.
      reject(new ProdlikeError('timeout', `no answer within ${formatDuration(ms)}`, fix));
      controller.abort();
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
