/**
 * The parity runs on the local engine: list, logs, stop, and the files a container changed.
 * Only containers labelled as parity runs are listed; logs/stop/diff take any container name or ID.
 */
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ProdlikeError } from '../errors';
import { engineMessage, engineStatus, engineUnreachable, isConnectionError, type Engine } from './engine';
import { PARITY_LABEL } from './run-as-production';

export interface ParityRun {
  id: string;
  name: string;
  image: string;
  workload?: string;
  environment?: string;
  state: string;
  status: string;
  ports: string[];
  created: Date;
}

export async function listParityRuns(engine: Engine): Promise<ParityRun[]> {
  const list = await call(engine, 'list containers', () => engine.docker.listContainers({ all: true, filters: { label: [`${PARITY_LABEL}=true`] } }));
  return list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    image: c.Image,
    workload: c.Labels['dev.prodlike.workload'],
    environment: c.Labels['dev.prodlike.environment'],
    state: c.State,
    status: c.Status,
    ports: c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
    created: new Date(c.Created * 1000),
  }));
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** One line, without its newline. */
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Unix seconds, or a duration like 10m / 2h (relative to now). */
  since?: string;
  /** Last N lines (all when undefined). */
  tail?: number;
  signal?: AbortSignal;
}

/**
 * A container's log as lines. Without a TTY the engine multiplexes stdout and stderr in 8-byte-
 * header frames (which may be split across chunks, and a line across frames); with a TTY there is
 * one raw stream, reported as stdout.
 */
export async function* containerLogs(engine: Engine, nameOrId: string, options: LogOptions = {}): AsyncGenerator<LogLine> {
  const container = engine.docker.getContainer(nameOrId);
  const info = await call(engine, `find container ${nameOrId}`, () => container.inspect());
  const raw = (await call(engine, `read the log of ${nameOrId}`, () =>
    (container.logs as (o: object) => Promise<unknown>).call(container, {
      follow: (options.follow ?? false) as true,
      stdout: true,
      stderr: true,
      since: options.since ? parseSince(options.since) : undefined,
      tail: options.tail,
      abortSignal: options.signal,
    }),
  )) as unknown;
  const stream = Buffer.isBuffer(raw) ? Readable.from([raw]) : (raw as Readable);
  const onAbort = () => stream.destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* info.Config.Tty ? rawLines(stream) : demuxLines(stream);
  } catch (e) {
    if (options.signal?.aborted) return;
    throw e;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/** Splits the engine's multiplexed log format into lines per stream. Exported for tests. */
export async function* demuxLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<LogLine> {
  let buf = Buffer.alloc(0);
  const partial = { stdout: '', stderr: '' };
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  for await (const chunk of stream) {
    buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const which = buf[0] === 2 ? 'stderr' : 'stdout';
      partial[which] += decoders[which].write(buf.subarray(8, 8 + size));
      buf = buf.subarray(8 + size);
      let nl: number;
      while ((nl = partial[which].indexOf('\n')) >= 0) {
        yield { stream: which, text: partial[which].slice(0, nl).replace(/\r$/, '') };
        partial[which] = partial[which].slice(nl + 1);
      }
    }
  }
  for (const which of ['stdout', 'stderr'] as const) {
    const rest = partial[which] + decoders[which].end();
    if (rest) yield { stream: which, text: rest };
  }
}

async function* rawLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<LogLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      yield { stream: 'stdout', text: pending.slice(0, nl).replace(/\r$/, '') };
      pending = pending.slice(nl + 1);
    }
  }
  pending += decoder.end();
  if (pending) yield { stream: 'stdout', text: pending };
}

/** `10m`, `2h`, `30s`, `1d` → unix seconds before now; a plain number is unix seconds already. */
export function parseSince(since: string, now = Date.now()): number {
  if (/^\d+$/.test(since)) return Number(since);
  const m = /^(\d+)(s|m|h|d)$/.exec(since);
  if (m) return Math.floor(now / 1000) - Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(since);
  if (!Number.isNaN(t)) return Math.floor(t / 1000);
  throw new ProdlikeError('usage', `--since "${since}" is not a time.`, 'Use a duration (30s, 10m, 2h, 1d) or a timestamp (2026-01-31T12:00:00Z).');
}

/** Stops (and removes, unless keep) a container. */
export async function stopContainer(engine: Engine, nameOrId: string, options: { keep?: boolean; timeoutSeconds?: number } = {}): Promise<void> {
  const c = engine.docker.getContainer(nameOrId);
  await call(engine, `find container ${nameOrId}`, () => c.inspect());
  await c.stop({ t: options.timeoutSeconds ?? 10 }).catch((e: unknown) => {
    if (engineStatus(e) !== 304) throw e; // 304: already stopped
  });
  if (!options.keep) await c.remove({ v: true }).catch(() => undefined);
}

export interface FileChange {
  path: string;
  kind: 'changed' | 'added' | 'deleted';
}

/** Files the container wrote compared to its image (`docker diff`) — where an app logs to files, it shows. */
export async function containerChanges(engine: Engine, nameOrId: string): Promise<FileChange[]> {
  const c = engine.docker.getContainer(nameOrId);
  const changes = (await call(engine, `read the changes of ${nameOrId}`, () => c.changes())) as { Path: string; Kind: number }[] | null;
  const kinds = ['changed', 'added', 'deleted'] as const;
  return (changes ?? []).map((ch) => ({ path: ch.Path, kind: kinds[ch.Kind] ?? 'changed' })).sort((a, b) => a.path.localeCompare(b.path));
}

async function call<T>(engine: Engine, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isConnectionError(e)) throw engineUnreachable(engine.endpoint, e);
    if (engineStatus(e) === 404) throw new ProdlikeError('not-found', `Cannot ${what}: no such container.`, 'List parity runs with `prodlike ps` (or all containers with `docker ps -a`).');
    throw new ProdlikeError('internal', `Cannot ${what}: ${engineMessage(e)}`, undefined, { cause: e });
  }
}
