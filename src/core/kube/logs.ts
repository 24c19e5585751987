/**
 * One container's log as LogLines. Timestamps are always asked for (and split off the text), so
 * every line carries the kubelet's RFC 3339 nanosecond time: that is what a merged tail orders by
 * and resumes from (`since` = the last time seen; lines of that same instant are the caller's to
 * skip, as stern does). Ends when the server ends the stream (container restarted, pod gone) or
 * the signal aborts; a dropped connection is an error the caller may resume from.
 */
import type { LogLine, LogOptions } from '../cluster/types';
import { ProdlikeError } from '../errors';
import type { KubeApi } from './api';

export interface PodLogRequest {
  cluster: string;
  namespace: string;
  pod: string;
  options: LogOptions & { previous?: boolean };
  signal: AbortSignal;
  /** For following streams: give up after this long without a byte (default: never; quiet pods are normal). */
  idleTimeoutMs?: number;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) (.*)$/s;

/** "5m", "2h", "30s", "1h30m" → seconds; undefined when the text is a time, not a duration. */
export function durationSeconds(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

export async function* podLogLines(api: KubeApi, r: PodLogRequest): AsyncGenerator<LogLine> {
  const o = r.options;
  const query: Record<string, string | number | boolean | undefined> = { timestamps: true, container: o.container, follow: o.follow ? true : undefined, previous: o.previous ? true : undefined };
  if (o.tail !== undefined && o.tail >= 0) query.tailLines = o.tail;
  if (o.since) {
    const seconds = durationSeconds(o.since);
    if (seconds !== undefined) query.sinceSeconds = Math.max(1, seconds);
    else if (!Number.isNaN(Date.parse(o.since))) query.sinceTime = new Date(Date.parse(o.since)).toISOString().replace(/\.\d+Z$/, 'Z');
    else throw new ProdlikeError('usage', `"${o.since}" is neither a duration (5m, 2h) nor a time (RFC 3339).`);
  }
  const path = `/api/v1/namespaces/${encodeURIComponent(r.namespace)}/pods/${encodeURIComponent(r.pod)}/log`;
  const sinceNanos = query.sinceTime ? timeNanos(o.since!) : undefined;
  for await (const raw of api.lines(path, { query, signal: r.signal, idleTimeoutMs: r.idleTimeoutMs })) {
    const m = STAMP.exec(raw);
    const time = m?.[1];
    // The API's sinceTime has second precision; a finer `since` is honoured here.
    if (sinceNanos !== undefined && time && (timeNanos(time) ?? sinceNanos) < sinceNanos) continue;
    const line: LogLine = {
      source: { cluster: r.cluster, namespace: r.namespace, pod: r.pod, container: o.container ?? '' },
      stream: 'stdout', // the logs API does not say which stream a line came from
      text: m ? m[2]! : raw,
    };
    if (time) line.time = time;
    yield line;
  }
}

/** An RFC 3339 time as nanoseconds since the epoch: log lines of one millisecond still compare. */
export function timeNanos(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text.trim());
  if (!m) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
  }
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}
