/**
 * The engine's event stream (`GET /events`) as typed events that survive a dropped connection.
 *
 * The stream is re-opened with exponential backoff (with jitter) whenever it ends or fails, for as
 * long as the signal allows. A re-opened stream asks the engine for the events since the last one
 * it delivered (`since`, in the engine's own clock), so what happened during a short drop still
 * arrives: the engine replays them from its in-memory buffer (the newest 256 events). The buffer is
 * finite and a restarted engine has none, so every reconnection is announced (`connected` with
 * `resumed: true`): a consumer that shows state lists it again then.
 */
import type { Readable } from 'node:stream';
import { messageOf } from '../errors';
import { sleep } from '../logs/retry';
import type { Engine } from './engine';
import { readJsonLines } from './json-stream';

export type EngineObjectType = 'container' | 'image' | 'network' | 'volume' | 'service' | 'node' | 'daemon' | 'plugin' | 'config' | 'secret';

export interface EngineEvent {
  type: EngineObjectType;
  /** `start`, `die`, `destroy`, `tag`, `delete`… (for exec events the engine adds details: `exec_start: sh`). */
  action: string;
  /** The container or image ID. */
  id: string;
  /** The actor's attributes: a container's labels, `name` and `image`; an image's `name`. */
  attributes: Record<string, string>;
  /** When the engine saw it (its clock). */
  time: Date;
}

export type EngineEventsItem =
  /** The stream is open; `resumed` after a drop (events beyond the engine's buffer may be missing: list again). */
  | { kind: 'connected'; resumed: boolean }
  | { kind: 'event'; event: EngineEvent }
  /** The stream dropped or could not be opened; the next attempt starts after `delayMs`. */
  | { kind: 'reconnecting'; reason: string; attempt: number; delayMs: number };

export interface EngineEventsOptions {
  signal: AbortSignal;
  /** Only these object types (the engine filters). */
  types?: EngineObjectType[];
  /** Only these actions (the engine filters). */
  actions?: string[];
  /** Replay from this time on the first connection (e.g. when the caller listed just before). */
  since?: Date;
  /** First delay after a failure; doubles per consecutive failure up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/** Reads one engine message; undefined for what is not an event (tolerant: engines add fields). */
export function toEngineEvent(raw: unknown): EngineEvent | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const e = raw as RawEvent;
  const action = e.Action ?? e.status;
  const id = e.Actor?.ID ?? e.id;
  if (typeof e.Type !== 'string' || typeof action !== 'string' || typeof id !== 'string') return undefined;
  const ms = typeof e.timeNano === 'number' ? e.timeNano / 1e6 : typeof e.time === 'number' ? e.time * 1000 : Date.now();
  return { type: e.Type as EngineObjectType, action, id, attributes: { ...(e.Actor?.Attributes ?? {}) }, time: new Date(ms) };
}

/** How long a connection must stay up to count as working (its drop then restarts the backoff). */
const HEALTHY_MS = 10_000;

/** The engine's `since`: Unix seconds (a fraction is allowed). */
const sinceParam = (t: Date) => (t.getTime() / 1000).toFixed(3);

/**
 * Follows the engine's events until the signal aborts. Never throws for a failing engine: failures
 * become `reconnecting` items and the stream is tried again.
 */
export async function* watchEngineEvents(engine: Engine, options: EngineEventsOptions): AsyncGenerator<EngineEventsItem> {
  const { signal } = options;
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const filters: Record<string, string[]> = {};
  if (options.types?.length) filters.type = options.types;
  if (options.actions?.length) filters.event = options.actions;

  let since = options.since;
  // The engine's `since` is inclusive and coarse (ms here): events of the last delivered
  // millisecond come again after a reconnect and are skipped by key.
  let lastMs = -Infinity;
  let seenAtLast = new Set<string>();
  let failures = 0;
  let connectedBefore = false;

  while (!signal.aborted) {
    let stream: Readable | undefined;
    let reason = 'the engine closed the event stream';
    let openedAt = Infinity;
    try {
      const query: Record<string, string> = {};
      if (Object.keys(filters).length) query.filters = JSON.stringify(filters);
      if (since) query.since = sinceParam(since);
      // `_query`: dockerode would otherwise put every option (the signal too) in the URL.
      stream = (await engine.docker.getEvents({ _query: query, abortSignal: signal } as object)) as unknown as Readable;
      openedAt = Date.now();
      yield { kind: 'connected', resumed: connectedBefore };
      connectedBefore = true;
      for await (const raw of readJsonLines(stream, { what: 'the event stream', code: 'internal', signal })) {
        const event = toEngineEvent(raw);
        if (!event) continue;
        failures = 0;
        const ms = event.time.getTime();
        const key = `${(raw as RawEvent).timeNano ?? ms}/${event.type}/${event.action}/${event.id}`;
        if (ms < lastMs || (ms === lastMs && seenAtLast.has(key))) continue;
        if (ms > lastMs) {
          lastMs = ms;
          seenAtLast = new Set();
        }
        seenAtLast.add(key);
        since = new Date(Math.floor(ms));
        yield { kind: 'event', event };
      }
    } catch (e) {
      reason = messageOf(e);
    } finally {
      stream?.destroy();
    }
    if (signal.aborted) return;
    // Nothing newer arrived: resume from when this connection was lost, not from before it opened.
    since ??= new Date();
    // A connection that delivered, or stayed up a while, worked: back off from the start again.
    // One the engine (or a proxy) closes at once counts as a failure, so it is not hammered.
    if (Date.now() - openedAt >= HEALTHY_MS) failures = 0;
    failures++;
    const base = Math.min(maxDelay, initialDelay * 2 ** (failures - 1));
    const delayMs = Math.round(base * (0.75 + Math.random() * 0.5));
    yield { kind: 'reconnecting', reason, attempt: failures, delayMs };
    if (!(await sleep(delayMs, signal))) return;
  }
}
