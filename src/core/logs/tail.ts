/**
 * `tailLogs`: every source a discovery reports, read at once and merged into one stream of lines
 * (in arrival order, or by timestamp within a short window with `order: 'time'`; each source's own
 * lines in their order) and notices, numbered by `seq`.
 *
 * - at most `maxStreams` streams are open at once (stern's --max-log-requests); the others wait,
 *   the caller is told which and why, and each starts when a stream ends — from the time it was
 *   found when a tail was asked for, so it loses no line written since the tail began;
 * - every stream is lossless across drops, stalls and restarts (source-stream.ts);
 * - values of the workload's Secrets and common credential patterns are masked before a line is
 *   handed out (redact.ts);
 * - one bounded queue between the readers and the consumer: a slow consumer slows the readers.
 *
 * Ends when the discovery has ended and every stream has; or when the signal aborts; or when the
 * consumer stops iterating. A discovery that fails is rethrown to the consumer after the lines
 * that were already read.
 */
import { ProdlikeError } from '../errors';
import { wantsContainer, type ContainerFilter, type LineFilter } from './filters';
import { BoundedQueue } from './queue';
import { Redactor } from './redact';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
import { SourceStream, type Delivery } from './source-stream';
import { normalizeTime } from './timestamps';
import { instanceKey, sourceLabel, type LogSource, type SourceDiscovery, type TailEvent, type TailNotice } from './types';

export interface TailOptions {
  /** Keep following new lines (default true). */
  follow?: boolean;
  /** RFC 3339: lines from this time on (durations are converted by the caller: sinceToTime). */
  since?: string;
  /** The last N lines of each container at the start; undefined or -1: all (within `since`). */
  tail?: number;
  lines?: LineFilter;
  containers?: ContainerFilter;
  /** At most this many streams open at once (default 50, as stern and kubectl). */
  maxStreams?: number;
  /** A stream silent for this long is reopened, to detect a stall (default 60 s). */
  idleTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Lines held between readers and the consumer (default 1000). */
  bufferLines?: number;
  /** Secret values known up front (more come from the discovery). */
  secrets?: string[];
  /** 'arrival' (default): each line as soon as it is read. 'time': held `orderWindowMs` and handed out by timestamp across sources. */
  order?: 'arrival' | 'time';
  /** How long `order: 'time'` holds a line (default 200 ms). */
  orderWindowMs?: number;
}

export const DEFAULT_MAX_STREAMS = 50;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_ORDER_WINDOW_MS = 200;

type Item = Delivery;

/** A tail in progress: its readers push into `queue`; `stop` ends it. */
interface RunningTail {
  queue: BoundedQueue<Item>;
  /** The discovery's failure, rethrown to the consumer after the lines already read. */
  failure(): unknown;
  stop(): void;
}

/**
 * Every event of the tail, one at a time: `tailLogBatches` taken apart. A consumer that is slow on
 * one line still slows the readers, because the batch it is working through counts against
 * `bufferLines` until it asks for the next one.
 */
export async function* tailLogs(discovery: SourceDiscovery, options: TailOptions, signal: AbortSignal): AsyncGenerator<TailEvent> {
  for await (const batch of tailLogBatches(discovery, options, signal)) yield* batch;
}

/**
 * The tail handing out, in one array, every event queued when the consumer asks, numbered by `seq`:
 * one generator step per burst instead of one per line (the CLI's loop, where that step was a tenth
 * of the cost of a line). The consumer holds a batch until it asks for the next, and a held batch
 * counts against `bufferLines`: a slow consumer slows the readers.
 */
export async function* tailLogBatches(discovery: SourceDiscovery, options: TailOptions, signal: AbortSignal): AsyncGenerator<TailEvent[]> {
  const run = startTail(discovery, options, signal);
  let seq = 0;
  try {
    if (options.order === 'time') {
      // Lines leave the time window one at a time: batches of one.
      for await (const item of inTimeOrder(run.queue, options.orderWindowMs ?? DEFAULT_ORDER_WINDOW_MS, maxHeld(options))) {
        if (item.type === 'line') item.seq = ++seq;
        yield [item];
      }
    } else {
      for (;;) {
        const batch = run.queue.takeBatch();
        if (batch.length === 0) {
          if (!(await run.queue.waitForItems())) break;
          continue;
        }
        for (const item of batch) if (item.type === 'line') item.seq = ++seq;
        yield batch;
      }
    }
    const failure = run.failure();
    if (failure) throw failure;
  } finally {
    run.stop();
  }
}

const maxHeld = (options: TailOptions) => Math.max(10_000, (options.bufferLines ?? 1000) * 10);

/** Starts discovery and the readers; throws a usage error for options that cannot work. */
function startTail(discovery: SourceDiscovery, options: TailOptions, signal: AbortSignal): RunningTail {
  const follow = options.follow ?? true;
  const maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
  if (!Number.isInteger(maxStreams) || maxStreams < 1) throw new ProdlikeError('usage', `The stream limit must be a whole number of at least 1 (got ${maxStreams}).`);
  const since = options.since === undefined ? undefined : normalizeTime(options.since);
  if (options.since !== undefined && since === undefined) throw new ProdlikeError('usage', `"${options.since}" is not an RFC 3339 time.`);
  const redactor = new Redactor(options.secrets ?? []);
  const containers: ContainerFilter = options.containers ?? {};
  const streamOptions = {
    follow,
    since,
    tail: options.tail,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    lines: options.lines ?? {},
    redactor,
  };

  const queue = new BoundedQueue<Item>(options.bufferLines ?? 1000);
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) inner.abort();
  const deliver = (d: Item) => queue.push(d);

  const streams = new Map<string, SourceStream>();
  const waiting: { source: LogSource; foundAt: string; down: boolean }[] = [];
  let active = 0;
  let discoveryDone = false;
  let discoveryError: unknown;
  let limitNoticeScheduled = false;

  const finishIfDone = () => {
    if (discoveryDone && active === 0 && waiting.length === 0) queue.close();
  };

  const start = (source: LogSource, foundAt?: string, down = false) => {
    const key = instanceKey(source.identity);
    const stream = new SourceStream(source, streamOptions, foundAt);
    if (down) stream.markDown();
    streams.set(key, stream);
    active++;
    void deliver({ type: 'notice', notice: { type: 'source-started', source: sourceLabel(source.identity), resumed: false } });
    void stream
      .run(deliver, inner.signal)
      .catch((e: unknown) => deliver({ type: 'notice', notice: { type: 'source-failed', source: sourceLabel(source.identity), reason: e instanceof Error ? e.message : String(e) } }))
      .finally(() => {
        active--;
        if (streams.get(key) === stream) streams.delete(key);
        // A slot is free: the longest-waiting source gets it.
        const next = waiting.shift();
        if (next && !inner.signal.aborted) start(next.source, next.foundAt, next.down);
        finishIfDone();
      });
  };

  const scheduleLimitNotice = () => {
    if (limitNoticeScheduled) return;
    limitNoticeScheduled = true;
    // Sources arrive in bursts (a list of 80 pods): one notice per burst, not one per pod.
    setImmediate(() => {
      limitNoticeScheduled = false;
      if (waiting.length === 0) return;
      const names = waiting.map((w) => sourceLabel(w.source.identity));
      const notice: TailNotice = {
        type: 'limit',
        open: active,
        max: maxStreams,
        waiting: names,
        message:
          `${names.length} container${names.length === 1 ? '' : 's'} wait${names.length === 1 ? 's' : ''} for a log stream: at most ${maxStreams} are open at once. ` +
          `Each starts when another stream ends${options.tail !== undefined && options.tail >= 0 ? ', from the time it was found' : ''}. ` +
          'Raise the limit (--max-log-requests) or narrow the selection (-l, --container).',
      };
      void deliver({ type: 'notice', notice });
    });
  };

  const found = (source: LogSource) => {
    const key = instanceKey(source.identity);
    if (streams.has(key) || waiting.some((w) => instanceKey(w.source.identity) === key)) return;
    if (!wantsContainer(source.identity, containers)) return;
    if (active < maxStreams) start(source);
    else {
      waiting.push({ source, foundAt: new Date().toISOString(), down: false });
      scheduleLimitNotice();
    }
  };

  const gone = (key: string) => {
    const i = waiting.findIndex((w) => instanceKey(w.source.identity) === key);
    // A waiting source that went away before it got a slot still has its log: read it now if it can be.
    if (i >= 0) {
      if (waiting[i]!.source.state) waiting[i]!.down = true;
      else waiting.splice(i, 1);
    }
    const s = streams.get(key);
    s?.markDown();
  };

  const discover = async () => {
    try {
      for await (const e of discovery) {
        if (inner.signal.aborted) break;
        if (e.type === 'up') found(e.source);
        else if (e.type === 'down') gone(e.key);
        else if (e.type === 'secrets') redactor.add(e.values);
        else if (e.type === 'notice') await deliver({ type: 'notice', notice: { type: 'discovery', level: e.level, message: e.message } });
      }
    } catch (e) {
      if (!inner.signal.aborted) discoveryError = e;
    } finally {
      discoveryDone = true;
      if (discoveryError) {
        inner.abort();
        queue.close();
      }
      finishIfDone();
    }
  };
  inner.signal.addEventListener('abort', () => queue.close(), { once: true });
  void discover();

  return {
    queue,
    failure: () => discoveryError,
    stop: () => {
      signal.removeEventListener('abort', onAbort);
      inner.abort();
      queue.close();
    },
  };
}

/**
 * The queue's items with lines in timestamp order: each line is held `windowMs` after it arrives,
 * and held lines go out earliest-stamped first once the earliest has been held that long — so lines
 * of different sources written close together come in the order they were written, each at most
 * about `windowMs` late. A line that arrives more than the window after a later-stamped one was
 * handed out comes out of order (the window bounds the delay, not the disorder). Lines without a
 * time, and notices, keep their place after the lines already seen (a notice speaks of the lines
 * before it). Beyond `maxHeld` lines the earliest go out at once: memory stays
 * bounded whatever the rate, at the cost of order under a flood.
 */
async function* inTimeOrder(queue: BoundedQueue<Item>, windowMs: number, maxHeld: number): AsyncGenerator<Item> {
  const held: { item: Item; key: string; at: number }[] = [];
  let head = 0;
  let latest = '';
  let pending: Promise<Item | undefined> | undefined;
  const due = function* (now: number, all = false): Generator<Item> {
    while (head < held.length && (all || held[head]!.at + windowMs <= now || held.length - head > maxHeld)) {
      const h = held[head]!;
      held[head++] = undefined as never;
      yield h.item;
    }
    if (head > 1024 && head * 2 > held.length) {
      held.splice(0, head);
      head = 0;
    }
  };
  for (;;) {
    let item = pending ? undefined : queue.takeNow();
    if (item === undefined) {
      pending ??= queue.take();
      const wait = head < held.length ? held[head]!.at + windowMs - Date.now() : undefined;
      const got = wait === undefined ? await pending : await within(pending, wait);
      if (got === TIMED_OUT) {
        yield* due(Date.now());
        continue;
      }
      pending = undefined;
      if (got === undefined) break;
      item = got;
    }
    const key = (item.type === 'line' ? item.time : undefined) ?? latest;
    if (key > latest) latest = key;
    // Sources mostly deliver in time order: the place is found from the end, usually at once.
    let i = held.length;
    while (i > head && held[i - 1]!.key > key) i--;
    held.splice(i, 0, { item, key, at: Date.now() });
    yield* due(Date.now());
  }
  yield* due(0, true);
}

const TIMED_OUT = Symbol('timed out');

/** `p`'s value, or TIMED_OUT after `ms` (the timer is cleared when `p` settles first). */
function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (ms <= 0) return Promise.resolve(TIMED_OUT);
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), ms)))]).finally(() => clearTimeout(timer));
}

/** A discovery of a fixed set of sources (tests, and callers that know their sources up front). */
export async function* fixedSources(sources: LogSource[]): SourceDiscovery {
  for (const source of sources) yield { type: 'up', source };
}
