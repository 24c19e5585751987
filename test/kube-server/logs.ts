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
  line(l: StoredLine): void;
  end(): void;
}

export class PodLogs {
  private readonly logs = new Map<string, ContainerLog>();
  private lastMs = 0;
  private sub = 0;
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

  write(ns: string, pod: string, container: string, text: string, at?: Date): StoredLine[] {
    const e = this.entry(ns, pod, container);
    const out: StoredLine[] = [];
    for (const t of text.split('\n')) {
      const line = this.stamp(t, at);
      e.current.push(line);
      out.push(line);
      for (const f of [...e.followers]) f.line(line);
    }
    if (e.current.length > 2 * this.keepLines) e.current.splice(0, e.current.length - this.keepLines);
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
    const base = new Date(ms).toISOString().slice(0, 19);
    const nanos = String((ms % 1000) * 1_000_000 + this.sub * 1000).padStart(9, '0');
    return { time: `${base}.${nanos}Z`, ms, text };
  }
}
