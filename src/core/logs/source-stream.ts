/**
 * Reading one source for as long as it has something to say: open, read, and when the stream
 * drops, stalls or ends, ask the source what its container is doing and reopen from the last line
 * (resume.ts), within the source's reconnect budget (retry.ts). Lines are redacted, annotated and
 * filtered here, in the reader, and handed over through the bounded queue: while the consumer is
 * slow, the reader is parked in `deliver` and does not read its socket.
 */
import { messageOf } from '../errors';
import { wantsLine, type LineFilter } from './filters';
import { colorIndex, detectLevel, jsonFields } from './presentation';
import type { Redactor } from './redact';
import { ResumePoint } from './resume';
import { ReconnectBudget, sleep, type RetryPolicy } from './retry';
import { normalizeTime } from './timestamps';
import { SourceGoneError, sourceKey, sourceLabel, type LogSource, type OpenRequest, type RawLine, type TailLine, type TailNotice } from './types';

export interface SourceStreamOptions {
  follow: boolean;
  /** Normalised RFC 3339: lines before it are not shown (also when a server rounds sinceTime down). */
  since?: string;
  tail?: number;
  /** No line for this long: the stream is assumed stalled and reopened (lossless, so harmless when it was just quiet). */
  idleTimeoutMs: number;
  retry: RetryPolicy;
  lines: LineFilter;
  redactor: Redactor;
}

/** A line (its `seq` is set by the merger when it hands the line out) or a notice. */
export type Delivery = ({ type: 'line' } & TailLine) | { type: 'notice'; notice: TailNotice };

/** True (or a promise of true) while someone listens; false once nobody does. Synchronous when there is room, so a line costs no promise. */
export type Deliver = (d: Delivery) => boolean | Promise<boolean>;

/**
 * A source that can also hand over its lines in batches (those of one network chunk): a busy
 * stream then costs one await per batch instead of one per line. Read in place of `open`. The
 * times of its lines are already normalised (timestamps.ts), which costs one cheap test per line.
 */
export interface BatchingLogSource extends LogSource {
  openBatches(request: OpenRequest, signal: AbortSignal): AsyncIterable<RawLine[]>;
}

const batching = (s: LogSource): s is BatchingLogSource => typeof (s as Partial<BatchingLogSource>).openBatches === 'function';

class IdleTimeout extends Error {}

/** After discovery says an instance is finished, its open stream gets this long to end by itself. */
export const DOWN_GRACE_MS = 1000;

export class SourceStream {
  /** Set by discovery: this instance will write nothing new; read to the end, do not reopen. */
  down = false;
  private current: AbortController | undefined;
  private closedAfterDown = false;
  /** Whether the stream opened last gave a new line (then its end is no failed attempt). */
  private gotLines = false;
  private readonly resume = new ResumePoint();
  private readonly budget: ReconnectBudget;
  private readonly label: string;
  private readonly color: number;
  /** One object shared by every line of this source: a line costs no copy of its source. */
  private readonly sourceView: TailLine['source'];

  constructor(
    readonly source: LogSource,
    private readonly options: SourceStreamOptions,
    /** When set, the first open asks for lines since this time instead of the tail (a source that waited for a slot). */
    private readonly startedLate?: string,
  ) {
    this.budget = new ReconnectBudget(options.retry);
    this.label = sourceLabel(source.identity);
    this.color = colorIndex(sourceKey(source.identity));
    const id = source.identity;
    this.sourceView = Object.freeze({ cluster: id.cluster, namespace: id.namespace, pod: id.pod, container: id.container, ...(id.node ? { node: id.node } : {}), kind: id.kind, ...(id.instance ? { instance: id.instance } : {}) });
  }

  /**
   * Discovery says this instance is finished (pod deleted, container replaced). Its stream usually
   * ends by itself; if it stays open and quiet, it is closed after a grace period and the source's
   * state decides whether anything is left to read (nothing is lost: a drain reads from the last line).
   */
  markDown(graceMs = DOWN_GRACE_MS): void {
    if (this.down) return;
    this.down = true;
    const t = setTimeout(() => {
      if (!this.current || this.current.signal.aborted) return;
      this.closedAfterDown = true;
      this.current.abort();
    }, graceMs);
    t.unref();
  }

  /** Resolves when the source has nothing more to give, the consumer left, or the signal aborted. */
  async run(deliver: Deliver, signal: AbortSignal): Promise<void> {
    const say = async (notice: TailNotice) => deliver({ type: 'notice', notice });
    let first = true;
    while (!signal.aborted) {
      let follow = this.options.follow;
      // A source that waited for a slot may have changed meanwhile: ask before its first open too.
      if (!first || this.startedLate !== undefined) {
        const state = await this.state(signal);
        if (signal.aborted) return;
        if (state === 'gone') {
          await say({ type: 'source-ended', source: this.label, reason: 'gone' });
          return;
        }
        if (state === 'terminated') follow = false;
      }
      const request = this.request(follow);
      this.resume.reopened();
      const stream = new AbortController();
      this.current = stream;
      this.closedAfterDown = false;
      const stop = () => stream.abort();
      signal.addEventListener('abort', stop, { once: true });
      this.gotLines = false;
      let outcome: 'ended' | 'stalled' | 'failed';
      let reason = '';
      const opened: AsyncIterable<RawLine | RawLine[]> = batching(this.source) ? this.source.openBatches(request, stream.signal) : this.source.open(request, stream.signal);
      const it = opened[Symbol.asyncIterator]();
      const watchdog = new IdleWatchdog(this.options.idleTimeoutMs, () => {
        stream.abort();
        // Let the iterator unwind in the background; its pending next() settles once the abort lands.
        void Promise.resolve(it.return?.()).catch(() => undefined);
      });
      try {
        for (;;) {
          const next = await watchdog.race(it.next());
          if (next.done) break;
          watchdog.alive();
          const raws = next.value;
          const count = Array.isArray(raws) ? raws.length : 1;
          for (let i = 0; i < count; i++) {
            const line = this.take(Array.isArray(raws) ? raws[i]! : (raws as RawLine));
            if (!line) continue;
            const delivered = deliver(line);
            if (delivered === true) continue;
            // The consumer is slow: waiting for it is not silence of the stream.
            watchdog.pause();
            const ok = await delivered;
            watchdog.resume();
            if (!ok) return;
          }
        }
        outcome = 'ended';
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof SourceGoneError) {
          await say({ type: 'source-ended', source: this.label, reason: messageOf(e) || 'gone' });
          return;
        }
        outcome = e instanceof IdleTimeout || this.closedAfterDown ? 'stalled' : 'failed';
        reason = e instanceof IdleTimeout ? `no output for ${this.options.idleTimeoutMs} ms` : messageOf(e);
      } finally {
        watchdog.dispose();
        signal.removeEventListener('abort', stop);
        stream.abort();
      }
      first = false;
      if (outcome === 'ended' && (!follow || this.down)) {
        await say({ type: 'source-ended', source: this.label, reason: follow ? 'stopped' : 'read to the end' });
        return;
      }
      // A stall of a quiet container is not a failure: the reopen only checks the stream is alive.
      // A failed open, or a stream that ends or breaks without giving anything, is one.
      let delay: number | undefined;
      if (outcome === 'stalled' || this.gotLines) delay = this.budget.pause();
      else delay = this.budget.failed();
      if (delay === undefined) {
        await say({ type: 'source-failed', source: this.label, reason: `gave up after ${this.options.retry.maxAttempts} attempts: ${reason || 'the stream kept ending'}` });
        return;
      }
      if (outcome !== 'stalled') {
        await say({ type: 'reconnecting', source: this.label, reason: reason || 'the server ended the stream', attempt: this.budget.attempts, delayMs: delay });
      }
      if (!(await sleep(delay, signal))) return;
    }
  }

  private async state(signal: AbortSignal): Promise<'running' | 'terminated' | 'gone'> {
    if (!this.source.state) return this.down ? 'terminated' : 'running';
    try {
      const s = await this.source.state(signal);
      // Discovery said the instance is done, the source still sees it running: read what is there, once.
      return s === 'running' && this.down ? 'terminated' : s;
    } catch {
      // Cannot tell (API unreachable): try the stream itself, the budget bounds the attempts.
      return this.down ? 'terminated' : 'running';
    }
  }

  private request(follow: boolean): OpenRequest {
    const since = this.resume.sinceTime;
    if (since) return { sinceTime: since, follow };
    // Nothing read yet (first open, or every attempt failed before a line): ask as at the start.
    if (this.startedLate) return { sinceTime: this.startedLate, follow };
    return { ...(this.options.since ? { sinceTime: this.options.since } : {}), ...(this.options.tail !== undefined && this.options.tail >= 0 ? { tailLines: this.options.tail } : {}), follow };
  }

  /** The line to hand out; undefined when it was already shown (a reopened stream repeats) or is filtered out. */
  private take(raw: RawLine): Delivery | undefined {
    // Normalised once per line (a batching source's times are, which the first test of normalizeTime confirms cheaply).
    const normalised = raw.time === undefined ? undefined : normalizeTime(raw.time);
    if (!this.resume.acceptNormalized(normalised)) return undefined;
    const time = normalised ?? raw.time;
    if (!this.gotLines) {
      this.gotLines = true;
      this.budget.succeeded();
    }
    return this.present(raw, time);
  }

  /** `time`: the raw line's time, normalised when it could be. */
  private present(raw: RawLine, time: string | undefined): Delivery | undefined {
    if (this.options.since && time && time < this.options.since) return undefined;
    const text = this.options.redactor.redact(raw.text);
    const fields = jsonFields(text);
    const level = detectLevel(text, fields);
    if (!wantsLine(text, level, this.options.lines)) return undefined;
    const line: Delivery = { type: 'line', seq: 0, source: this.sourceView, stream: raw.stream, text, color: this.color };
    if (time) line.time = time;
    if (level) line.level = level;
    if (fields) line.fields = fields;
    return line;
  }
}

/**
 * Notices a stream that stays silent for `ms` while it is being read (time spent waiting for a slow
 * consumer does not count). One timer per opened stream, checked against the time of the last
 * line, instead of a timer per line: the stream is aborted (`onIdle`) and `race` rejects with
 * IdleTimeout even if the source's iterator does not react to the abort.
 */
class IdleWatchdog {
  private last = Date.now();
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the stream went idle: every later race rejects with it. */
  private fired: IdleTimeout | undefined;
  /** Rejects the race in progress, if any. */
  private rejectCurrent: ((e: IdleTimeout) => void) | undefined;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.arm(ms);
  }

  // Not Promise.race against one long-lived promise: every race would add a reaction to it that is
  // never released until it settles, and a long tail races once per line (memory grows per line).
  race<T>(next: Promise<T>): Promise<T> {
    if (this.fired) {
      next.catch(() => undefined);
      return Promise.reject(this.fired);
    }
    return new Promise<T>((resolve, reject) => {
      this.rejectCurrent = reject;
      next.then(
        (v) => {
          this.rejectCurrent = undefined;
          resolve(v);
        },
        (e: unknown) => {
          this.rejectCurrent = undefined;
          reject(e);
        },
      );
    });
  }

  alive(): void {
    this.last = Date.now();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.last = Date.now();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      const quiet = Date.now() - this.last;
      if (this.paused || quiet < this.ms) return this.arm(this.paused ? this.ms : this.ms - quiet);
      this.timer = undefined;
      this.onIdle();
      this.fired = new IdleTimeout();
      this.rejectCurrent?.(this.fired);
      this.rejectCurrent = undefined;
    }, ms);
  }
}
