/**
 * When a tree refreshes (after vscode-containers' RefreshManager): only while its view is visible;
 * driven by the core's reconnecting watches, with a slow poll as a safety net; bursts of events
 * coalesced into one refresh per node; everything stopped when the view is hidden or disposed.
 * VS Code asks for children of hidden views too (#39340), so hidden means no watches.
 *
 * Coalescing is leading-edge: a change after a quiet spell refreshes at once (one pod's change
 * shows without waiting out a window); changes within `debounceMs` of a refresh are gathered into
 * one refresh at the end of the window. No `vscode` import: bench/tree.ts drives it in plain Node.
 */
import { DisposableStore, abortable, toDisposable, type Disposable } from '../lifecycle';

export interface RefreshOptions {
  debounceMs?: number;
  /** Safety-net full refresh while visible (ms); 0 disables it. */
  pollMs?: number;
}

export interface WatchSource {
  /** Stable key: one watch per key. */
  key: string;
  /** Runs until the signal aborts; calls changed() when something it watches changed. */
  run(signal: AbortSignal, changed: () => void): Promise<void>;
}

export class RefreshManager<T> implements Disposable {
  private readonly store = new DisposableStore();
  private readonly watches = new Map<string, DisposableStore>();
  private readonly pending = new Set<T | undefined>();
  private timer: NodeJS.Timeout | undefined;
  /** When the last refresh fired (performance-independent: Date.now is enough at this granularity). */
  private lastFired = -Infinity;
  private poll: NodeJS.Timeout | undefined;
  private visible = false;
  /** Something was listed, or shown, while no watch ran: the next show reloads. */
  private missedWhileHidden = false;
  private readonly debounceMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly fire: (node: T | undefined) => void,
    options: RefreshOptions = {},
  ) {
    this.debounceMs = options.debounceMs ?? 250;
    this.pollMs = options.pollMs ?? 60_000;
    this.store.add(toDisposable(() => this.stopAll()));
  }

  get isVisible(): boolean {
    return this.visible;
  }

  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) {
      // Whatever happened while hidden was not watched: reload, which re-establishes the watches.
      // Only then: a reload of everything cancels the listings in flight (a row being expanded
      // would show no children), so the first show, which lists everything anyway, does not.
      if (this.missedWhileHidden) this.request(undefined);
      this.missedWhileHidden = false;
      if (this.pollMs > 0) this.poll = setInterval(() => this.request(undefined), this.pollMs);
    } else {
      this.missedWhileHidden = true;
      this.stopAll();
    }
  }

  /** Schedules a refresh of `node` (undefined: everything), coalesced with others within the debounce window. */
  request(node: T | undefined): void {
    if (!this.visible || this.store.isDisposed) return;
    this.pending.add(node);
    if (this.timer) return;
    const quietFor = Date.now() - this.lastFired;
    // Quiet: fire on the next turn (requests made in this turn still join). Busy: at the window's end.
    this.timer = setTimeout(() => this.flush(), quietFor >= this.debounceMs ? 0 : this.debounceMs - quietFor);
  }

  private flush(): void {
    this.timer = undefined;
    this.lastFired = Date.now();
    const nodes = [...this.pending];
    this.pending.clear();
    if (nodes.includes(undefined)) this.fire(undefined);
    else for (const n of nodes) this.fire(n);
  }

  /** Starts watching (once per key) while visible; a change refreshes `node` (undefined: everything). */
  watch(source: WatchSource, node: T | undefined): void {
    if (!this.visible) this.missedWhileHidden = true;
    if (!this.visible || this.store.isDisposed || this.watches.has(source.key)) return;
    const lifetime = new DisposableStore();
    const controller = lifetime.add(abortable());
    this.watches.set(source.key, lifetime);
    void source
      .run(controller.signal, () => this.request(node))
      .catch(() => undefined)
      .finally(() => {
        // A watch that ended on its own (not by stopAll) may be started again by the next listing.
        if (this.watches.get(source.key) === lifetime) this.watches.delete(source.key);
      });
  }

  /** Ends every watch (e.g. the clusters were reset); the next listing starts them again. */
  stopWatches(): void {
    for (const w of this.watches.values()) w.dispose();
    this.watches.clear();
  }

  get watchCount(): number {
    return this.watches.size;
  }

  private stopAll(): void {
    this.stopWatches();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    clearInterval(this.poll);
    this.poll = undefined;
  }

  dispose(): void {
    this.store.dispose();
  }
}
