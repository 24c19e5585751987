// `order: 'time'` (`prodlike logs --order time`): lines of different sources handed out by their
// timestamps within a short window, instead of as they arrive. In-process sources whose lines arrive
// when the test says, so arrival order and time order differ on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedSources, tailLogs, type LogSource, type RawLine, type TailEvent, type TailOptions } from '../../../src/core/logs';
import { identity } from './fake-source';

const at = (s: number) => `2030-01-01T00:00:${String(s).padStart(2, '0')}.000000000Z`;

/** A source that hands out `lines` (each after its delay, in ms from the open) and ends. */
function scripted(pod: string, lines: { delayMs: number; second: number; text: string }[]): LogSource {
  return {
    identity: identity(pod),
    async *open(_request, signal): AsyncGenerator<RawLine> {
      const start = Date.now();
      for (const l of lines) {
        const wait = start + l.delayMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (signal.aborted) return;
        yield { time: at(l.second), stream: 'stdout', text: l.text };
      }
    },
  };
}

async function run(sources: LogSource[], options: TailOptions): Promise<TailEvent[]> {
  const out: TailEvent[] = [];
  for await (const e of tailLogs(fixedSources(sources), { follow: false, ...options }, new AbortController().signal)) out.push(e);
  return out;
}

const texts = (events: TailEvent[]) => events.flatMap((e) => (e.type === 'line' ? [e.text] : []));

test('within the window, lines of several sources come out by timestamp, numbered in that order', async () => {
  const sources = () => [
    scripted('a', [{ delayMs: 0, second: 2, text: 'a@2' }, { delayMs: 0, second: 4, text: 'a@4' }]),
    // Written earlier, read later (a slower stream): arrives 60 ms after a's lines.
    scripted('b', [{ delayMs: 60, second: 1, text: 'b@1' }, { delayMs: 60, second: 3, text: 'b@3' }]),
  ];
  const arrival = await run(sources(), {});
  assert.deepEqual(texts(arrival), ['a@2', 'a@4', 'b@1', 'b@3'], 'by default, as they arrive');
  const timed = await run(sources(), { order: 'time', orderWindowMs: 500 });
  assert.deepEqual(texts(timed), ['b@1', 'a@2', 'b@3', 'a@4']);
  assert.deepEqual(timed.flatMap((e) => (e.type === 'line' ? [e.seq] : [])), [1, 2, 3, 4]);
});

test('a line later than the window is not waited for: it comes when it arrives', async () => {
  const timed = await run(
    [scripted('a', [{ delayMs: 0, second: 2, text: 'a@2' }]), scripted('b', [{ delayMs: 400, second: 1, text: 'b@1 (late)' }])],
    { order: 'time', orderWindowMs: 50 },
  );
  assert.deepEqual(texts(timed), ['a@2', 'b@1 (late)']);
});

test("a source's own lines keep their order, also several with one timestamp; a notice follows the lines before it", async () => {
  const same = [1, 2, 3].map((n) => ({ delayMs: 0, second: 5, text: `a#${n}` }));
  const events = await run([scripted('a', same), scripted('b', [{ delayMs: 20, second: 5, text: 'b#1' }])], { order: 'time', orderWindowMs: 100 });
  assert.deepEqual(texts(events).filter((t) => t.startsWith('a')), ['a#1', 'a#2', 'a#3']);
  // a's stream ends (a notice) while b's line is not yet there: a's lines are out before the notice.
  const ended = events.findIndex((e) => e.type === 'notice' && e.notice.type === 'source-ended' && e.notice.source === 'a/app');
  const lastOfA = events.findIndex((e) => e.type === 'line' && e.text === 'a#3');
  assert.ok(lastOfA >= 0 && lastOfA < ended, 'the lines before the notice come before it');
});
