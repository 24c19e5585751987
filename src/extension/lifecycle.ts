/**
 * Ownership of long-lived objects, after VS Code's own `lifecycle.ts`: everything the extension
 * starts (a watch, a timer, a log tail, an event subscription) belongs to exactly one store, and
 * disposing the store ends it. `MutableDisposable` holds "the current X" (the current tail, the
 * current refresh loop): setting a new value disposes the old one.
 */

export interface Disposable {
  dispose(): unknown;
}

export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(d: T): T {
    if (this.disposed) {
      // Adding to a dead store would leak: end it at once instead.
      d.dispose();
    } else {
      this.items.add(d);
    }
    return d;
  }

  /** Disposes and forgets one item added earlier. */
  delete(d: Disposable): void {
    if (this.items.delete(d)) d.dispose();
  }

  clear(): void {
    const items = [...this.items].reverse();
    this.items.clear();
    const errors: unknown[] = [];
    for (const d of items) {
      try {
        d.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'Several disposables failed');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

export class MutableDisposable<T extends Disposable> implements Disposable {
  private current: T | undefined;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (this.current === next) return;
    this.current?.dispose();
    if (this.disposed) {
      next?.dispose();
      this.current = undefined;
    } else {
      this.current = next;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.current?.dispose();
    this.current = undefined;
  }
}

/** An AbortController as a Disposable: disposing it cancels whatever took its signal. */
export function abortable(): AbortController & Disposable {
  const c = new AbortController() as AbortController & Disposable;
  c.dispose = () => c.abort();
  return c;
}

export function toDisposable(fn: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}
