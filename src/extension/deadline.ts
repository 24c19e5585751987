/**
 * A request the user is waiting on, with a deadline. A cluster or engine that accepts the
 * connection and then never answers would otherwise leave a tree row spinning for ever: at the
 * deadline the request is aborted (the signal reaches dockerode and client-node) and the caller
 * gets a `timeout` error, whether or not the request honoured its signal. No `vscode` import.
 */
export class DeadlineError extends Error {
  readonly code = 'timeout';
  readonly fix: string;
  constructor(readonly ms: number, fix: string) {
    super(`no answer within ${formatSeconds(ms)}`);
    this.name = 'ProdlikeError';
    this.fix = fix;
  }
}

export async function withDeadline<T>(ms: number, fix: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before the abort, so the caller sees the deadline, not the request's AbortError.
      reject(new DeadlineError(ms, fix));
      controller.abort();
    }, ms);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
