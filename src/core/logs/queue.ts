/**
 * A bounded hand-over between the readers of many streams and one consumer. `push` resolves only
 * when there is room, so a slow consumer stops the readers, which stop reading their sockets, and
 * TCP pushes back on the servers: memory stays bounded by `capacity` lines, however long the tail.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private readonly spaceWaiters: (() => void)[] = [];
  private itemWaiter: (() => void) | undefined;
  private closed = false;

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
    if (this.size < this.capacity) {
      this.items.push(item);
      this.wakeConsumer();
      return true;
    }
    return this.pushWhenRoom(item);
  }

  private async pushWhenRoom(item: T): Promise<boolean> {
    while (!this.closed && this.size >= this.capacity) {
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
