/**
 * A watch that is not trusted to last (FIELD-NOTES: watches go silent for minutes, sockets drop,
 * resourceVersions expire). It lists, then watches from the list's resourceVersion, and:
 * - re-watches from the last seen resourceVersion when the server ends the stream cleanly
 *   (its timeoutSeconds) or the stream goes silent longer than `idleTimeoutMs` (bookmarks are asked
 *   for, so a healthy watch is never silent that long);
 * - re-watches with exponential back-off after an error (dropped socket, 5xx, 401), saying so with
 *   a `reconnecting` event;
 * - lists again after `410 Gone` (as an HTTP status or an ERROR event) and yields `synced` with the
 *   full state, so a consumer replaces what it had instead of missing deletions.
 * It ends only when the signal aborts; nothing it does can become an uncaught exception.
 */
import type { WatchEvent } from '../cluster/types';
import { ProdlikeError, messageOf } from '../errors';
import { type KubeApi, KubeApiError } from './api';

export interface WatchOptions<T> {
  /** The list path, e.g. /apis/apps/v1/namespaces/web/deployments. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Turns one raw object into what the consumer gets; throwing skips the object. */
  convert: (raw: unknown) => T;
  signal: AbortSignal;
  /** Default 60 s: a watch silent for longer is re-established. */
  idleTimeoutMs?: number;
  /** Server-side watch timeout (default 300 s): the server ends the stream and we re-watch. */
  timeoutSeconds?: number;
  /** Back-off after errors: base and cap in ms (default 250 ms, 30 s). */
  backoffMs?: { base: number; max: number };
}

interface RawList {
  metadata?: { resourceVersion?: string };
  items?: unknown[] | null;
}

export async function* watchObjects<T>(api: KubeApi, o: WatchOptions<T>): AsyncGenerator<WatchEvent<T>> {
  const base = o.backoffMs?.base ?? 250;
  const max = o.backoffMs?.max ?? 30_000;
  let rv: string | undefined;
  let failures = 0;
  const selectors = { labelSelector: o.labelSelector, fieldSelector: o.fieldSelector };
  while (!o.signal.aborted) {
    try {
      if (rv === undefined) {
        const list = await api.request<RawList>('GET', o.path, { query: selectors, signal: o.signal });
        const objects: T[] = [];
        for (const item of list?.items ?? []) {
          const converted = tryConvert(o.convert, item);
          if (converted !== undefined) objects.push(converted);
        }
        rv = list?.metadata?.resourceVersion ?? '';
        yield { type: 'synced', objects };
      }
      const stream = api.lines(o.path, {
        query: { ...selectors, watch: 1, resourceVersion: rv || undefined, allowWatchBookmarks: true, timeoutSeconds: o.timeoutSeconds ?? 300 },
        signal: o.signal,
        idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
      });
      let gone = false;
      for await (const line of stream) {
        if (line.trim() === '') continue;
        let event: { type?: string; object?: { code?: number; metadata?: { resourceVersion?: string } } };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          continue; // a malformed line is skipped; the next relist repairs any gap
        }
        failures = 0;
        if (event.type === 'ERROR') {
          if (event.object?.code === 410) {
            gone = true;
            break;
          }
          throw new ProdlikeError('internal', `watch error: ${messageOf(event.object)}`);
        }
        const objectRv = event.object?.metadata?.resourceVersion;
        if (objectRv) rv = objectRv;
        if (event.type === 'BOOKMARK') continue;
        const type = event.type === 'ADDED' ? 'added' : event.type === 'MODIFIED' ? 'modified' : event.type === 'DELETED' ? 'deleted' : undefined;
        if (!type) continue;
        const converted = tryConvert(o.convert, event.object);
        if (converted !== undefined) yield { type, object: converted };
      }
      if (gone) rv = undefined; // 410 Gone: the resourceVersion is too old, list again
      // A clean end (server timeout): watch again from where we were, at once.
    } catch (e) {
      if (o.signal.aborted) return;
      if (e instanceof KubeApiError && e.status === 410) {
        rv = undefined;
        continue;
      }
      failures++;
      yield { type: 'reconnecting', reason: messageOf(e), attempt: failures };
      await sleep(Math.min(max, base * 2 ** (failures - 1)) * (0.5 + Math.random() / 2), o.signal);
    }
  }
}

function tryConvert<T>(convert: (raw: unknown) => T, raw: unknown): T | undefined {
  try {
    return convert(raw);
  } catch {
    return undefined;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
