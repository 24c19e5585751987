// Container logs as a kubelet keeps them: the current container's lines and the previous (restarted)
// container's lines, each with a nanosecond timestamp, and followers that get new lines as they are
// written and an end when the container restarts or the pod goes away.

export interface StoredLine {
  /** RFC 3339 with nanoseconds, as the kubelet writes it. */
  time: string;
  ms: number;
  text: string;
}

interface ContainerLog {
  current: StoredLine[];
  previous?: StoredLine[];
  followers: Set<Follower>;
}

export interface Follower {
  /** The lines of one write, in order: a follower sends them on together, as a kubelet streams its log file in chunks. */
  lines(ls: StoredLine[]): void;
  end(): void;
}

export class PodLogs {
  private readonly logs = new Map<string, ContainerLog>();
  private lastMs = 0;
  private sub = 0;
  private baseSecond = NaN;
  private base = '';
  /** Write a "started" line when a container starts, so every running pod has some output. */
  logOnStart = true;
  /** Keep about this many lines per container (a kubelet rotates its log files); default all. */
  keepLines = Infinity;

  private entry(ns: string, pod: string, container: string): ContainerLog {
    const key = `${ns}/${pod}/${container}`;
    let e = this.logs.get(key);
    if (!e) {
      e = { current: [], followers: new Set() };
      this.logs.set(key, e);
    }
    return e;
  }

  get(ns: string, pod: string, container: string): { current: StoredLine[]; previous?: StoredLine[] } | undefined {
    return this.logs.get(`${ns}/${pod}/${container}`);
  }

  /** Every line of `text` ("a\nb" is two lines), stamped, kept, and handed to the followers in one batch. */
  write(ns: string, pod: string, container: string, text: string, at?: Date): StoredLine[] {
    const e = this.entry(ns, pod, container);
    const out = text.split('\n').map((t) => this.stamp(t, at));
    for (const line of out) e.current.push(line);
    if (e.current.length > 2 * this.keepLines) e.current.splice(0, e.current.length - this.keepLines);
    for (const f of [...e.followers]) f.lines(out);
    return out;
  }

  startContainer(ns: string, pod: string, container: string, image: string): void {
    const e = this.entry(ns, pod, container);
    if (this.logOnStart && e.current.length === 0) this.write(ns, pod, container, `started ${pod} (${image})`);
  }

  restart(ns: string, pod: string, container: string): void {
    const e = this.entry(ns, pod, container);
    e.previous = e.current;
    e.current = [];
    for (const f of [...e.followers]) f.end();
    e.followers.clear();
  }

  podDeleted(ns: string, pod: string): void {
    for (const [key, e] of this.logs) {
      if (!key.startsWith(`${ns}/${pod}/`)) continue;
      for (const f of [...e.followers]) f.end();
      this.logs.delete(key);
    }
  }

  follow(ns: string, pod: string, container: string, f: Follower): () => void {
    const e = this.entry(ns, pod, container);
    e.followers.add(f);
    return () => e.followers.delete(f);
  }

  endAll(): void {
    for (const e of this.logs.values()) {
      for (const f of [...e.followers]) f.end();
      e.followers.clear();
    }
  }

  /** Strictly increasing nanosecond timestamps, so "since this line" is always well defined. */
  private stamp(text: string, at?: Date): StoredLine {
    const ms = at ? at.getTime() : Date.now();
    this.sub = ms === this.lastMs ? this.sub + 1 : 0;
    this.lastMs = Math.max(this.lastMs, ms);
    // The seconds part changes once a second: formatting it per line was much of a busy writer's cost.
    const second = Math.floor(ms / 1000);
    if (second !== this.baseSecond) {
      this.baseSecond = second;
      this.base = new Date(second * 1000).toISOString().slice(0, 19);
    }
    // Microsecond steps within one millisecond; a burst of more lines than that (a batch written at once) takes nanosecond steps.
    const step = this.sub < 1000 ? this.sub * 1000 : 999_000 + Math.min(this.sub - 999, 999);
    const nanos = String((ms % 1000) * 1_000_000 + step).padStart(9, '0');
    return { time: `${this.base}.${nanos}Z`, ms, text };
  }
}
