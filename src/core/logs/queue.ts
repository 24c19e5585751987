/**
 * A bounded hand-over between the readers of many streams and one consumer. `push` resolves only
 * when there is room, so a slow consumer stops the readers, which stop reading their sockets, and
 * TCP pushes back on the servers: memory stays bounded by `capacity` lines, however long the tail.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly spaceWaiters: (() => void)[] = [];
  private itemWaiter: (() => void) | undefined;
  private closed = false;
  /** Items handed out by `takeBatch` that the consumer still holds: they count against the capacity. */
  private lent = 0;

  constructor(readonly capacity: number) {
    if (capacity < 1) throw new RangeError('capacity must be at least 1');
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /**
   * Adds an item: true at once when there is room (no promise per line on the hot path), else a
   * promise that resolves when there is; false when the queue was closed (the consumer left).
   */
  push(item: T): boolean | Promise<boolean> {
    if (this.closed) return false;
    if (this.size + this.lent < this.capacity) {
      this.items.push(item);
      this.wakeConsumer();
      return true;
    }
    return this.pushWhenRoom(item);
  }

  private async pushWhenRoom(item: T): Promise<boolean> {
    while (!this.closed && this.size + this.lent >= this.capacity) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    if (this.closed) return false;
    this.items.push(item);
    this.wakeConsumer();
    return true;
  }

  /** The next item, or undefined once closed and drained. */
  async take(): Promise<T | undefined> {
    while (this.size === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.itemWaiter = resolve));
    }
    return this.takeNow();
  }

  /** The next item if one is there (no waiting): lets a consumer drain a burst without a promise per item. */
  takeNow(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head] = undefined as T;
    this.head++;
    // Compact now and then so the array does not grow with the total number of lines.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.spaceWaiters.shift()?.();
    return item;
  }

  /**
   * Every item there now, in one array (empty when there is none): a consumer that handles a burst
   * at once costs one step per burst, not one per item. The consumer holds them until its next
   * `takeBatch` (or `waitForItems`), and until then they take room in the queue as if they were
   * still in it: readers and queue together hold at most `capacity` items, as before.
   */
  takeBatch(): T[] {
    this.giveBackLent();
    if (this.size === 0) return [];
    const batch = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.lent = batch.length;
    return batch;
  }

  /** Resolves true once an item is there, false once the queue is closed and drained. Gives back what `takeBatch` lent. */
  async waitForItems(): Promise<boolean> {
    this.giveBackLent();
    while (this.size === 0) {
      if (this.closed) return false;
      await new Promise<void>((resolve) => (this.itemWaiter = resolve));
    }
    return true;
  }

  private giveBackLent(): void {
    let n = this.lent;
    this.lent = 0;
    while (n-- > 0 && this.spaceWaiters.length > 0) this.spaceWaiters.shift()!();
  }

  /** No more pushes; pending and future pushes return false, `take` drains what is left. */
  close(): void {
    this.closed = true;
    for (const w of this.spaceWaiters.splice(0)) w();
    this.wakeConsumer();
  }

  private wakeConsumer(): void {
    const w = this.itemWaiter;
    this.itemWaiter = undefined;
    w?.();
  }
}
