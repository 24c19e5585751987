import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { RefreshManager } from '../../../src/extension/views/refresh';

describe('RefreshManager', () => {
  it('refreshes at once after a quiet spell, and gathers a burst into one refresh per node', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
    try {
      const fired: (string | undefined)[] = [];
      const r = new RefreshManager<string>((n) => fired.push(n), { debounceMs: 250, pollMs: 0 });
      r.setVisible(true);
      mock.timers.tick(1000);

      r.request('pods-a');
      mock.timers.tick(0);
      assert.deepEqual(fired, ['pods-a'], 'a single change shows on the next turn');

      r.request('pods-a');
      r.request('pods-b');
      r.request('pods-a');
      mock.timers.tick(100);
      assert.deepEqual(fired.slice(1), [], 'changes right after a refresh wait for the window');
      mock.timers.tick(150);
      assert.deepEqual(fired.slice(1), ['pods-a', 'pods-b'], 'one refresh per node at the end of the window');
      r.dispose();
    } finally {
      mock.timers.reset();
    }
  });

  it('does nothing while hidden, and stops its watches when hidden', async () => {
    const fired: (string | undefined)[] = [];
    const r = new RefreshManager<string>((n) => fired.push(n), { pollMs: 0 });
    r.request('x');
    r.watch({ key: 'k', run: () => new Promise(() => undefined) }, 'x');
    assert.equal(r.watchCount, 0, 'no watch starts while hidden');
    r.setVisible(true);
    let aborted = false;
    r.watch({ key: 'k', run: (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => ((aborted = true), resolve()))) }, 'x');
    assert.equal(r.watchCount, 1);
    r.setVisible(false);
    assert.equal(aborted, true, 'hiding the view ends its watches');
    assert.equal(r.watchCount, 0);
    r.dispose();
  });

  // A reload of everything makes VS Code drop the listings in flight: a row being expanded at that
  // moment would show no children. So the view reloads on showing only when it missed something.
  it('reloads on showing only when something was listed or changed while it was hidden', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
    try {
      const fired: (string | undefined)[] = [];
      const r = new RefreshManager<string>((n) => fired.push(n), { pollMs: 0 });
      r.setVisible(true);
      mock.timers.tick(1000);
      assert.deepEqual(fired, [], 'the first show lists everything anyway: no reload on top');

      r.setVisible(false);
      r.setVisible(true);
      mock.timers.tick(0);
      assert.deepEqual(fired, [undefined], 'shown again after being hidden: what changed meanwhile was not watched');
      r.dispose();

      const listedHidden: (string | undefined)[] = [];
      const h = new RefreshManager<string>((n) => listedHidden.push(n), { pollMs: 0 });
      h.watch({ key: 'k', run: () => new Promise(() => undefined) }, 'x');
      h.setVisible(true);
      mock.timers.tick(0);
      assert.deepEqual(listedHidden, [undefined], 'listed while hidden (no watch started): the first show reloads, and so starts it');
      h.dispose();
    } finally {
      mock.timers.reset();
    }
  });
});
