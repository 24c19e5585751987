// Unit tests of the merger's pure logic against in-process fake sources (fake-source.ts): ordering,
// numbering, lossless resume across drops and stalls, restarts, budgets, the stream limit and
// backpressure. The real servers are exercised in test/integration/logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tailLogs, fixedSources, type DiscoveryEvent, type TailEvent, type TailOptions, type TailLine, type TailNotice } from '../../../src/core/logs';
import { tailLogBatches } from '../../../src/core/logs/tail';
import { FakeSource, identity } from './fake-source';

type Line = TailLine & { type: 'line' };

/** Reads the tail until `until` says stop (or it ends), then aborts it; returns what was seen. */
async function collect(
  discovery: AsyncIterable<DiscoveryEvent>,
  options: TailOptions,
  until: (lines: Line[], notices: TailNotice[]) => boolean = () => false,
): Promise<{ lines: Line[]; notices: TailNotice[] }> {
  const ac = new AbortController();
  const lines: Line[] = [];
  const notices: TailNotice[] = [];
  for await (const e of tailLogs(discovery, { idleTimeoutMs: 5000, retry: { initialDelayMs: 1, maxDelayMs: 5 }, ...options }, ac.signal)) {
    if (e.type === 'line') lines.push(e);
    else notices.push(e.notice);
    if (until(lines, notices)) {
      ac.abort();
    }
  }
  return { lines, notices };
}

function texts(lines: Line[], pod?: string): string[] {
  return lines.filter((l) => !pod || l.source.pod === pod).map((l) => l.text);
}

function assertNumbered(lines: Line[]): void {
  assert.deepEqual(
    lines.map((l) => l.seq),
    lines.map((_, i) => i + 1),
    'every line carries the next sequence number',
  );
}

/** A discovery that reports sources and then stays open, as a watch does, until the tail ends. */
async function* live(events: DiscoveryEvent[], hold: Promise<void> = new Promise(() => undefined)): AsyncGenerator<DiscoveryEvent> {
  yield* events;
  await hold;
}

test('lines of all sources come out in one stream, numbered, each source in its own order', async () => {
  const a = new FakeSource(identity('web-1'));
  const b = new FakeSource(identity('web-2'));
  for (let i = 0; i < 50; i++) {
    a.write(`a ${i}`);
    b.write(`b ${i}`);
  }
  a.end();
  b.end();
  const { lines, notices } = await collect(fixedSources([a, b]), {});
  assertNumbered(lines);
  assert.deepEqual(texts(lines, 'web-1'), Array.from({ length: 50 }, (_, i) => `a ${i}`));
  assert.deepEqual(texts(lines, 'web-2'), Array.from({ length: 50 }, (_, i) => `b ${i}`));
  assert.ok(notices.some((n) => n.type === 'source-started' && n.source === 'web-1/app'));
  // Each source keeps its colour; the colour does not depend on which source came first.
  const colors = new Set(lines.filter((l) => l.source.pod === 'web-1').map((l) => l.color));
  assert.equal(colors.size, 1);
  const again = await collect(fixedSources([b, a]), {});
  assert.equal(again.lines.find((l) => l.source.pod === 'web-1')!.color, [...colors][0]);
});

test('a stream dropped again and again mid-second resumes exactly where it stopped: nothing lost, nothing repeated', async () => {
  const s = new FakeSource(identity('web-1'));
  // Many lines per second and several per exact instant — including identical ones, which are real lines too.
  for (let i = 0; i < 300; i++) {
    s.write(`line ${i}`);
    if (i % 10 === 0) s.write(`line ${i} (same instant)`, { sameTime: true });
    if (i % 25 === 0) s.write(`line ${i} (same instant)`, { sameTime: true });
  }
  s.faults.push({ type: 'drop', afterLines: 7 }, { type: 'drop', afterLines: 40 }, { type: 'drop', afterLines: 1 }, { type: 'drop', afterLines: 95 });
  s.end();
  const { lines, notices } = await collect(fixedSources([s]), { follow: true });
  assertNumbered(lines);
  assert.deepEqual(texts(lines), s.lines.map((l) => l.text));
  assert.equal(notices.filter((n) => n.type === 'reconnecting').length, 4);
  // Resumed streams asked from the second of the last line, never from the start.
  assert.ok(s.requests.slice(1).every((r) => r.sinceTime !== undefined && r.tailLines === undefined));
});

test('a stalled stream is noticed by its silence and reopened without loss', async () => {
  const s = new FakeSource(identity('web-1'));
  for (let i = 0; i < 20; i++) s.write(`before ${i}`);
  s.faults.push({ type: 'stall', afterLines: 12 });
  let wrote = false;
  const { lines } = await collect(live([{ type: 'up', source: s }]), { idleTimeoutMs: 30 }, (ls) => {
    if (ls.length === 20 && !wrote) {
      wrote = true;
      s.write('after the stall');
    }
    return ls.some((l) => l.text === 'after the stall');
  });
  assertNumbered(lines);
  assert.deepEqual(texts(lines), [...Array.from({ length: 20 }, (_, i) => `before ${i}`), 'after the stall']);
  assert.ok(s.requests.length >= 2, 'the stream was reopened');
});

test('a restarted container: the old instance is read to its end, the new one from its start', async () => {
  const old = new FakeSource(identity('web-1', 'app', { instance: 'c1' }));
  const next = new FakeSource(identity('web-1', 'app', { instance: 'c2' }));
  for (let i = 0; i < 5; i++) old.write(`old ${i}`);
  old.faults.push({ type: 'drop', afterLines: 3 });
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  async function* discovery(): AsyncGenerator<DiscoveryEvent> {
    yield { type: 'up', source: old };
    // The container restarts: it wrote two more lines nobody read before it ended.
    await new Promise((r) => setTimeout(r, 5));
    old.write('old 5');
    old.write('old 6 (last words)');
    old.end('terminated');
    next.write('new 0');
    yield { type: 'down', key: 'test/default/web-1/app#c1' };
    yield { type: 'up', source: next };
    await hold;
  }
  const { lines, notices } = await collect(discovery(), {}, (ls) => {
    const done = ls.some((l) => l.text === 'old 6 (last words)') && ls.some((l) => l.text === 'new 0');
    if (done) release();
    return done;
  });
  assertNumbered(lines);
  assert.deepEqual(texts(lines).filter((t) => t.startsWith('old')), ['old 0', 'old 1', 'old 2', 'old 3', 'old 4', 'old 5', 'old 6 (last words)']);
  assert.deepEqual(texts(lines).filter((t) => t.startsWith('new')), ['new 0']);
  assert.equal(lines.find((l) => l.text === 'new 0')!.source.instance, 'c2');
  // Same pod and container after the restart: same colour.
  assert.equal(lines.find((l) => l.text === 'new 0')!.color, lines[0]!.color);
  assert.ok(notices.some((n) => n.type === 'source-ended' && n.source === 'web-1/app'));
});

test('a deleted pod ends its source without retries', async () => {
  const s = new FakeSource(identity('web-1'));
  s.write('hello');
  s.faults.push({ type: 'drop', afterLines: 1 });
  s.currentState = 'running';
  const { lines, notices } = await collect(fixedSources([s]), {}, (ls) => {
    if (ls.length === 1) s.end('gone');
    return false;
  });
  assert.deepEqual(texts(lines), ['hello']);
  assert.ok(notices.some((n) => n.type === 'source-ended' && n.reason === 'gone'));
  assert.ok(!notices.some((n) => n.type === 'source-failed'));
});

test('a source that keeps failing is given up after its budget, with the reason, and the others go on', async () => {
  const broken = new FakeSource(identity('broken'));
  for (let i = 0; i < 10; i++) broken.faults.push({ type: 'refuse', message: 'container "app" in pod "broken" is waiting to start: ContainerCreating' });
  const ok = new FakeSource(identity('ok'));
  ok.write('fine');
  ok.end();
  const { lines, notices } = await collect(fixedSources([broken, ok]), { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 } });
  assert.deepEqual(texts(lines), ['fine']);
  const failed = notices.find((n) => n.type === 'source-failed');
  assert.ok(failed && failed.type === 'source-failed');
  assert.equal(failed.source, 'broken/app');
  assert.match(failed.reason, /gave up after 3 attempts: .*waiting to start/);
  assert.equal(broken.requests.length, 4);
});

test('at most N streams are open; the others wait, are named in a notice, and start when a stream ends — losing nothing', async () => {
  const sources = [1, 2, 3, 4].map((n) => new FakeSource(identity(`web-${n}`)));
  for (const s of sources) s.write(`${s.identity.pod} first`);
  const { lines, notices } = await collect(live(sources.map((source) => ({ type: 'up', source }) as DiscoveryEvent)), { maxStreams: 2, tail: 10 }, (ls, ns) => {
    if (ls.length === 2 && ns.some((n) => n.type === 'limit')) {
      // web-3 and web-4 wait; they write meanwhile; then web-1 ends and frees a slot.
      sources[2]!.write('web-3 while waiting');
      sources[0]!.end();
    }
    if (ls.some((l) => l.text === 'web-3 while waiting')) sources[1]!.end();
    return ls.some((l) => l.source.pod === 'web-4');
  });
  const limit = notices.find((n) => n.type === 'limit');
  assert.ok(limit && limit.type === 'limit');
  assert.deepEqual(limit.waiting, ['web-3/app', 'web-4/app']);
  assert.match(limit.message, /2 containers wait for a log stream: at most 2 are open at once/);
  assert.ok(texts(lines).includes('web-3 while waiting'), 'a line written while its source waited is not lost');
  assertNumbered(lines);
});

/** A source with 20,000 lines waiting: far more than any buffer. */
function chattySource(): FakeSource {
  const s = new FakeSource(identity('chatty'));
  for (let i = 0; i < 20_000; i++) s.write(`line ${i}`);
  return s;
}

test('a slow consumer slows the readers: lines are not buffered without bound', async () => {
  const s = chattySource();
  const ac = new AbortController();
  const it = tailLogs(fixedSources([s]), { bufferLines: 100 }, ac.signal)[Symbol.asyncIterator]();
  let read = 0;
  while (read < 10) {
    const r = await it.next();
    if (r.value?.type === 'line') read++;
  }
  // The consumer pauses; give the readers every chance to run ahead.
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.ok(s.handedOut <= 10 + 100 + 2, `the reader ran ahead by ${s.handedOut - 10} lines`);
  ac.abort();
  // Draining after abort ends the tail.
  for (;;) if ((await it.next()).done) break;
});

test('non-follow: each source is read once and the tail ends', async () => {
  const s = new FakeSource(identity('web-1'));
  for (let i = 0; i < 30; i++) s.write(`line ${i}`);
  const { lines } = await collect(fixedSources([s]), { follow: false, tail: 5 });
  assert.deepEqual(texts(lines), ['line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
  assert.deepEqual(s.requests, [{ tailLines: 5, follow: false }]);
});

/** A discovery that finds one source with the line "one", then fails. */
async function* failingDiscovery(): AsyncGenerator<DiscoveryEvent> {
  const s = new FakeSource(identity('web-1'));
  s.write('one');
  s.end();
  yield { type: 'up', source: s };
  await new Promise((r) => setTimeout(r, 5));
  throw new Error('the API server refused the watch');
}

test('a discovery that fails is reported to the consumer after the lines already read', async () => {
  const seen: TailEvent[] = [];
  await assert.rejects(async () => {
    for await (const e of tailLogs(failingDiscovery(), {}, new AbortController().signal)) seen.push(e);
  }, /refused the watch/);
  assert.deepEqual(
    seen.filter((e) => e.type === 'line').map((e) => (e as Line).text),
    ['one'],
  );
});

// The CLI reads the tail through tailLogBatches (one array per burst; tailLogs takes its batches
// apart): every line once, in its source's order, numbered without a gap, and readers held up.

/** Three sources, one dropped mid-stream, two streams at most (the third waits for a slot): a fresh, identical set each call. */
function scenario(): FakeSource[] {
  const sources = [1, 2, 3].map((n) => new FakeSource(identity(`web-${n}`)));
  for (const s of sources) {
    for (let i = 0; i < 300; i++) s.write(`${s.identity.pod} line ${i}`, { sameTime: i % 3 !== 0 });
    s.end();
  }
  sources[1]!.faults.push({ type: 'drop', afterLines: 120 });
  return sources;
}

/** What a user sees of an event: a line's source and text, a notice's kind and source. */
function shown(e: TailEvent): string {
  return e.type === 'line' ? `${e.source.pod} ${e.text}` : `notice ${e.notice.type} ${'source' in e.notice ? e.notice.source.split('/')[0] : ''}`;
}

/**
 * Each source's own lines and notices in the order they came, and the numbers of all lines. Lines
 * of different sources interleave in arrival order, which depends on the turns of the event loop,
 * so that interleaving is not compared.
 */
function bySource(events: TailEvent[]): { perSource: Record<string, string[]>; seqs: number[] } {
  const perSource: Record<string, string[]> = {};
  const seqs: number[] = [];
  for (const e of events) {
    const text = shown(e);
    const pod = e.type === 'line' ? e.source.pod : text.split(' ')[2]!;
    (perSource[pod] ??= []).push(text);
    if (e.type === 'line') seqs.push(e.seq);
  }
  return { perSource, seqs };
}

test('batches hand out every line once, in its source\'s order, numbered without a gap, across a drop and a wait for a slot', async () => {
  const options: TailOptions = { follow: false, maxStreams: 2, bufferLines: 50, retry: { initialDelayMs: 1, maxDelayMs: 2 } };
  const batched: TailEvent[] = [];
  let batches = 0;
  for await (const batch of tailLogBatches(fixedSources(scenario()), options, new AbortController().signal)) {
    batches++;
    batched.push(...batch);
  }
  const { perSource, seqs } = bySource(batched);
  assert.deepEqual(Object.keys(perSource).sort(), ['web-1', 'web-2', 'web-3']);
  for (const pod of ['web-1', 'web-2', 'web-3']) {
    assert.deepEqual(perSource[pod]!.filter((e) => !e.startsWith('notice')), Array.from({ length: 300 }, (_, i) => `${pod} ${pod} line ${i}`), 'every line once, in order');
  }
  assert.ok(perSource['web-2']!.includes('notice reconnecting web-2'));
  assert.deepEqual(seqs, Array.from({ length: 900 }, (_, i) => i + 1));
  assert.ok(batches < batched.length, `bursts come as batches (${batches} batches for ${batched.length} events)`);
});

test('a slow consumer of batches slows the readers: the batch it holds counts against the buffer', async () => {
  const s = chattySource();
  const ac = new AbortController();
  const it = tailLogBatches(fixedSources([s]), { bufferLines: 100 }, ac.signal)[Symbol.asyncIterator]();
  let read = 0;
  let seq = 0;
  let held = 0;
  while (read < 300) {
    const r = await it.next();
    held = r.value?.length ?? 0;
    for (const e of r.value ?? []) {
      if (e.type !== 'line') continue;
      read++;
      assert.equal(e.seq, ++seq);
      assert.equal(e.text, `line ${read - 1}`);
    }
    assert.ok((r.value?.length ?? 0) <= 100, `a batch holds at most the buffer (${r.value?.length})`);
  }
  // The consumer pauses with a batch in hand; give the readers every chance to run ahead.
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const ahead = s.handedOut - read;
  assert.ok(held + ahead <= 100 + 2, `the reader ran ahead by ${ahead} lines while the consumer held ${held}`);
  ac.abort();
  for (;;) if ((await it.next()).done) break;
});

test('batches: a discovery that fails is reported after the lines already read', async () => {
  const seen: TailEvent[] = [];
  await assert.rejects(async () => {
    for await (const batch of tailLogBatches(failingDiscovery(), {}, new AbortController().signal)) seen.push(...batch);
  }, /refused the watch/);
  assert.deepEqual(
    seen.filter((e) => e.type === 'line').map((e) => (e as Line).text),
    ['one'],
  );
});
