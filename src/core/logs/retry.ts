/**
 * How often one source may be reopened. A stream that delivered lines since it was opened earns
 * a fresh budget (the source works; the network hiccupped). Consecutive failures — an open that
 * fails, or a stream that ends before giving anything — back off exponentially with jitter and
 * give up after `maxAttempts`, so a broken source neither hammers the API server nor keeps the
 * tail waiting forever.
 */
export interface RetryPolicy {
  /** Consecutive failed attempts before a source is given up (default 8). */
  maxAttempts: number;
  /** First delay (default 250 ms); doubles each failure up to `maxDelayMs` (default 8 s). */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, initialDelayMs: 250, maxDelayMs: 8000 };

export class ReconnectBudget {
  private failures = 0;

  constructor(private readonly policy: RetryPolicy = DEFAULT_RETRY) {}

  /** The stream gave lines: the source works, start counting again. */
  succeeded(): void {
    this.failures = 0;
  }

  /** Records a failure; the delay before the next attempt, or undefined when the budget is spent. */
  failed(): number | undefined {
    this.failures++;
    if (this.failures > this.policy.maxAttempts) return undefined;
    return this.delay();
  }

  /** Delay before a reopen that is not a failure (a stalled or ended stream): short, but not zero. */
  pause(): number {
    return Math.min(this.policy.initialDelayMs, 100) + this.failures * this.policy.initialDelayMs;
  }

  get attempts(): number {
    return this.failures;
  }

  private delay(): number {
    const base = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** (this.failures - 1));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }
}

/** Sleeps, or resolves early (false) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
