// In-process log sources for unit tests of the merger's pure logic (ordering, dedupe, resume,
// budget, limits, backpressure). They behave like a kubelet's log endpoint: sinceTime is rounded
// down to the second, tailLines counts from the end, follow waits for new lines — and they can
// drop, stall or refuse a stream on request.
import { SourceGoneError, type LogSource, type OpenRequest, type RawLine, type SourceIdentity, type SourceState } from '../../../src/core/logs';

export interface FakeLine extends RawLine {
  time: string;
}

type Fault = { type: 'drop' | 'stall'; afterLines: number } | { type: 'refuse'; message: string };

let clock = Date.parse('2030-01-01T00:00:00Z');

/** Timestamps as a kubelet writes them; `sameAsLast` repeats the previous one (several lines per instant). */
export function stamp(sameAsLast = false): string {
  if (!sameAsLast) clock += 1; // 1 ms apart: many lines share a second, as in real logs
  const base = new Date(clock).toISOString().slice(0, 19);
  return `${base}.${String((clock % 1000) * 1_000_000 + 123).padStart(9, '0')}Z`;
}

export class FakeSource implements LogSource {
  readonly lines: FakeLine[] = [];
  readonly faults: Fault[] = [];
  readonly requests: OpenRequest[] = [];
  currentState: SourceState = 'running';
  /** Lines the source handed to a reader (for the backpressure test). */
  handedOut = 0;
  private wake: (() => void)[] = [];
  private closed = false;

  constructor(readonly identity: SourceIdentity) {}

  write(text: string, options: { stream?: 'stdout' | 'stderr'; sameTime?: boolean } = {}): FakeLine {
    const line = { time: stamp(options.sameTime), stream: options.stream ?? 'stdout', text } as FakeLine;
    this.lines.push(line);
    for (const w of this.wake.splice(0)) w();
    return line;
  }

  /** The container ends: followers reach the end of the stream. */
  end(state: SourceState = 'terminated'): void {
    this.currentState = state;
    this.closed = true;
    for (const w of this.wake.splice(0)) w();
  }

  async state(): Promise<SourceState> {
    return this.currentState;
  }

  async *open(request: OpenRequest, signal: AbortSignal): AsyncGenerator<RawLine> {
    this.requests.push(request);
    if (this.currentState === 'gone') throw new SourceGoneError('pod deleted');
    const fault = this.faults.shift();
    if (fault?.type === 'refuse') throw new Error(fault.message);
    const since = request.sinceTime ? Date.parse(request.sinceTime.slice(0, 19) + 'Z') : undefined;
    let start = 0;
    if (since !== undefined) start = this.lines.findIndex((l) => Date.parse(l.time.slice(0, 23) + 'Z') >= since);
    if (start < 0) start = this.lines.length;
    if (request.tailLines !== undefined) start = Math.max(start, this.lines.length - request.tailLines);
    let sent = 0;
    for (let i = start; ; i++) {
      while (i >= this.lines.length) {
        if (!request.follow || this.closed) return;
        await new Promise<void>((resolve) => {
          this.wake.push(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (signal.aborted) return;
      }
      if (fault && sent >= (fault as { afterLines: number }).afterLines) {
        if (fault.type === 'drop') throw new Error('connection reset by peer');
        if (fault.type === 'stall') {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          return;
        }
      }
      if (signal.aborted) return;
      sent++;
      this.handedOut++;
      yield this.lines[i]!;
    }
  }
}

export function identity(pod: string, container = 'app', extra: Partial<SourceIdentity> = {}): SourceIdentity {
  return { kind: 'pod', cluster: 'test', namespace: 'default', pod, container, ...extra };
}
