/**
 * Where a stream stopped, so a reopened stream continues exactly there.
 *
 * A stream is reopened from the second of its last line (servers keep only seconds of sinceTime),
 * so it repeats every line from that second on. Lines before the last line's time were shown;
 * lines at exactly that time were shown as many times as we counted them — a container may write
 * several lines with one timestamp, and even identical ones, so we count rather than compare texts
 * (stern compares texts for the whole second and drops real repeated lines). Everything after is new.
 */
import { normalizeTime, resumeSince } from './timestamps';

export class ResumePoint {
  /** Normalised time of the last line given out. */
  private last: string | undefined;
  /** How many lines with exactly `last` were given out. */
  private atLast = 0;
  /** While replaying after a reopen: how many lines at `last` are still to be skipped. */
  private skipAtLast = 0;

  /** sinceTime for the next open; undefined before the first line. */
  get sinceTime(): string | undefined {
    return this.last ? resumeSince(this.last) : undefined;
  }

  get lastTime(): string | undefined {
    return this.last;
  }

  /** Call when a stream is (re)opened: the lines at the last time will come again. */
  reopened(): void {
    this.skipAtLast = this.atLast;
  }

  /**
   * True when the line is new (and records it); false when it was already given out.
   * Lines without a readable time cannot be placed: they are always new.
   */
  accept(time: string | undefined): boolean {
    return this.acceptNormalized(time === undefined ? undefined : normalizeTime(time));
  }

  /** `accept` for a time already normalised (timestamps.ts), or undefined when it could not be: not checked again. */
  acceptNormalized(t: string | undefined): boolean {
    if (t === undefined) return true;
    if (this.last === undefined || t > this.last) {
      this.last = t;
      this.atLast = 1;
      this.skipAtLast = 0;
      return true;
    }
    if (t < this.last) return false;
    if (this.skipAtLast > 0) {
      this.skipAtLast--;
      return false;
    }
    this.atLast++;
    return true;
  }
}
