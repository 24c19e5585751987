import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withDeadline } from '../../src/core/deadline';

describe('withDeadline', () => {
  it('hands back what the request answered in time', async () => {
    const rows = await withDeadline(1_000, async (signal) => {
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(signal.aborted, false);
      return ['default'];
    });
    assert.deepEqual(rows, ['default']);
  });

  it('gives up at the deadline with a timeout the user can act on, and aborts the request', async () => {
    let seen: AbortSignal | undefined;
    const started = performance.now();
    await assert.rejects(
      withDeadline(
        50,
        (signal) => {
          seen = signal;
          return new Promise(() => undefined); // never answers, ignores its signal
        },
        'Check that it is up, then click to retry.',
      ),
      (e: Error & { code?: string; fix?: string }) => {
        assert.equal(e.code, 'timeout');
        assert.match(e.message, /^no answer within 50 ms$/);
        assert.equal(e.fix, 'Check that it is up, then click to retry.');
        return true;
      },
    );
    assert.ok(performance.now() - started < 1_000, 'it does not wait for the request');
    assert.equal(seen?.aborted, true, 'the request is told to stop');
  });

  it('reports the deadline, not the AbortError of a request that honours its signal', async () => {
    await assert.rejects(
      withDeadline(20, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))))),
      /no answer within 20 ms/,
    );
  });
});
