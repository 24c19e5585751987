// Shared set-up for the log tail's integration tests: a tail running in the background whose
// events are collected, and waits for what a user would see (bounded, never timed assertions).
import { tailLogs, type SourceDiscovery, type TailEvent, type TailLine, type TailNotice, type TailOptions } from '../../../src/core/logs';

export type Line = TailLine & { type: 'line' };

export interface RunningTail {
  lines: Line[];
  notices: TailNotice[];
  /** Resolves when `check` holds over what was seen; rejects with what was seen after `timeoutMs`. */
  until(check: (lines: Line[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
  done: Promise<void>;
}

export function startTail(discovery: SourceDiscovery, options: TailOptions): RunningTail {
  const ac = new AbortController();
  const lines: Line[] = [];
  const notices: TailNotice[] = [];
  const waiters = new Set<() => void>();
  const done = (async () => {
    for await (const e of tailLogs(discovery, options, ac.signal) as AsyncIterable<TailEvent>) {
      if (e.type === 'line') lines.push(e);
      else notices.push(e.notice);
      for (const w of [...waiters]) w();
    }
  })();
  done.catch(() => undefined);
  return {
    lines,
    notices,
    until(check, what, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const test = () => {
          if (!check(lines)) return;
          waiters.delete(test);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`not seen within ${timeoutMs} ms: ${what}\nlast lines: ${lines.slice(-8).map((l) => `${l.source.pod}: ${l.text}`).join('\n')}\nnotices: ${JSON.stringify(notices.slice(-8))}`));
        }, timeoutMs);
        waiters.add(test);
        test();
        void done.then(test, test);
      });
    },
    async stop() {
      ac.abort();
      await done.catch(() => undefined);
    },
    done,
  };
}

/** Every line a test wrote appears exactly once; the sequence numbers count 1, 2, 3… without gaps. */
export function assertLossless(lines: Line[], written: string[], assert: typeof import('node:assert/strict')): void {
  assert.deepEqual(
    lines.map((l) => l.seq),
    lines.map((_, i) => i + 1),
  );
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l.text, (counts.get(l.text) ?? 0) + 1);
  const missing = written.filter((w) => !counts.has(w));
  const repeated = written.filter((w) => (counts.get(w) ?? 0) > 1);
  assert.deepEqual(missing, [], 'no written line is lost');
  assert.deepEqual(repeated, [], 'no written line is repeated');
  // Nothing else is repeated either (the "started" lines of each container instance included).
  const seen = new Set<string>();
  for (const l of lines) {
    const key = `${l.source.pod}/${l.source.instance}/${l.time}/${l.text}`;
    assert.ok(!seen.has(key), `repeated: ${key}`);
    seen.add(key);
  }
}
