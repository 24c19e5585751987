/**
 * Local containers on the Docker engine as log sources: the parity runs `prodlike run` started
 * (by default), or the containers a label selector or their names pick.
 *
 * - The engine's event stream (container start, die, destroy; docker/events.ts) says when a container
 *   appears, stops or is removed; it is subscribed to before the containers are listed, so none slips
 *   between the two, and re-subscribed (with a fresh list) when it drops.
 * - Each run of a container is one instance. Docker keeps one log per container across restarts,
 *   so runs are told apart by time, at a boundary both runs agree on (runBoundary): a restarted
 *   container shows each line once, under the run that wrote it, whichever stream reads it first.
 *   A new container (same name, new ID) is a new source with the same colour.
 * - Logs are read with timestamps, so a dropped stream resumes from its last line (resume.ts);
 *   stdout and stderr are demultiplexed unless the container has a TTY (one raw stream).
 * - Values of environment variables whose names say they are credentials (DB_PASSWORD, API_TOKEN…)
 *   are masked, as the Secrets a Kubernetes workload references are.
 */
import type { Readable } from 'node:stream';
import { engineMessage, engineStatus, engineUnreachable, isConnectionError, type Engine } from '../docker/engine';
import { watchEngineEvents } from '../docker/events';
import { PARITY_LABEL } from '../docker/run-as-production';
import { ProdlikeError } from '../errors';
import { readServiceLogs, rfc3339ToUnix } from '../swarm/logs';
import { engineLabelFilter, matchesLabels, parseLabelSelector, type LabelRequirement } from './label-selector';
import { normalizeTime } from './timestamps';
import { SourceGoneError, instanceKey, type DiscoveryEvent, type LogSource, type OpenRequest, type RawLine, type SourceDiscovery, type SourceIdentity, type SourceState } from './types';

/** How local containers are named as a cluster in prefixes and JSON. */
export const LOCAL_CLUSTER = 'local';

export interface LocalLogTarget {
  engine: Engine;
  /** Default "local". */
  cluster?: string;
  /** Containers whose labels match (`app=web,tier!=db`). */
  selector?: string;
  /** Containers with these names (or full IDs). With neither a selector nor names: every parity run. */
  names?: string[];
}

export interface LocalDiscoveryOptions {
  follow: boolean;
  /** First delay before the event stream is re-subscribed (default 250 ms, doubling to 10 s). */
  reconnectDelayMs?: number;
}

// ---- the parts of a container the tail reads ----

interface ContainerView {
  id: string;
  name: string;
  labels: Record<string, string>;
  env: string[];
  tty: boolean;
  running: boolean;
  /** Normalised; the current (or last) run's start. */
  startedAt?: string;
  /** Normalised; when the last finished run finished (undefined if none has). */
  finishedAt?: string;
}

function engineTime(v: unknown): string | undefined {
  // The engine writes "0001-01-01T00:00:00Z" for "never".
  if (typeof v !== 'string' || v.startsWith('0001-')) return undefined;
  return normalizeTime(v);
}

function containerView(raw: unknown): ContainerView | undefined {
  const c = raw as { Id?: unknown; Name?: unknown; Config?: { Labels?: unknown; Env?: unknown; Tty?: unknown }; State?: { Running?: unknown; StartedAt?: unknown; FinishedAt?: unknown } } | undefined;
  if (typeof c?.Id !== 'string') return undefined;
  const labels = c.Config?.Labels && typeof c.Config.Labels === 'object' ? (c.Config.Labels as Record<string, string>) : {};
  const startedAt = engineTime(c.State?.StartedAt);
  const finishedAt = engineTime(c.State?.FinishedAt);
  return {
    id: c.Id,
    name: typeof c.Name === 'string' ? c.Name.replace(/^\//, '') : c.Id.slice(0, 12),
    labels,
    env: Array.isArray(c.Config?.Env) ? c.Config.Env.filter((e): e is string => typeof e === 'string') : [],
    tty: c.Config?.Tty === true,
    running: c.State?.Running === true,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
  };
}

async function inspect(engine: Engine, id: string, signal: AbortSignal): Promise<ContainerView | undefined> {
  try {
    return containerView(await engine.docker.getContainer(id).inspect({ abortSignal: signal } as object));
  } catch (e) {
    if (engineStatus(e) === 404) return undefined;
    throw e;
  }
}

// Names that say a variable holds a credential (the redactor's key patterns, as variable names).
const CREDENTIAL_NAME = /password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|credential|auth/i;

/** Values of the container's credential-named variables: masked before any line of it is shown. */
export function credentialValues(env: string[]): string[] {
  return env.flatMap((e) => {
    const eq = e.indexOf('=');
    return eq > 0 && CREDENTIAL_NAME.test(e.slice(0, eq)) && e.length > eq + 1 ? [e.slice(eq + 1)] : [];
  });
}

// ---- one run of a container ----

/**
 * Lines are stamped by the engine as it copies them from the container's pipes, not by the
 * process, so neither recorded instant is an exact boundary: a run's last lines can be stamped just
 * after its `FinishedAt` (the process's exit; about 0.5 ms later, 2 times in 30 here), and the next
 * run's first lines just before its `StartedAt` (recorded once the process already runs; up to 6 ms
 * earlier, 14 times in 20). Between the two lies the quiet gap of a restart (300 ms or more for
 * `docker restart`, at least the restart policy's 100 ms back-off), so the boundary is a little
 * after the finish: a grace of 50 ms, or the middle of the gap when the next start is known sooner.
 */
const FINISH_GRACE_NS = 50_000_000n;

function nanos(time: string): bigint {
  return BigInt(Date.parse(`${time.slice(0, 19)}Z`)) * 1_000_000n + BigInt(time.slice(20, 29));
}

function fromNanos(ns: bigint): string {
  const ms = ns / 1_000_000n;
  return `${new Date(Number(ms)).toISOString().slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

/** The instant between a run that finished at `finishedAt` and the next run (started at `nextStartedAt`, when known). */
export function runBoundary(finishedAt: string | undefined, nextStartedAt?: string): string | undefined {
  if (finishedAt === undefined || (nextStartedAt !== undefined && nextStartedAt <= finishedAt)) return nextStartedAt;
  const finish = nanos(finishedAt);
  const grace = nextStartedAt === undefined ? FINISH_GRACE_NS : (nanos(nextStartedAt) - finish) / 2n;
  return fromNanos(finish + (grace < FINISH_GRACE_NS ? grace : FINISH_GRACE_NS));
}

/** The boundary after the previous run, seen from an inspect made after the container started again. */
function boundaryBefore(c: ContainerView): string | undefined {
  // While it runs, FinishedAt is the previous run's; once this run has finished too, that finish is lost.
  return c.running ? runBoundary(c.finishedAt, c.startedAt) : c.startedAt;
}

export class LocalContainerSource implements LogSource {
  /** Once known: this run finished then; later lines in the container's log are the next run's. */
  private until: string | undefined;

  constructor(
    private readonly engine: Engine,
    readonly identity: SourceIdentity,
    private readonly containerId: string,
    private readonly tty: boolean,
    /** The run's start (normalised), to recognise it in the engine's answer. */
    private readonly startedAt: string | undefined,
    /** Lines at or before this time are the previous run's. */
    private readonly after?: string,
  ) {}

  /** The boundary with the next run (the first one given wins: both runs must use the same). */
  get end(): string | undefined {
    return this.until;
  }

  endAt(time: string | undefined): void {
    if (this.until === undefined && time !== undefined) this.until = time;
  }

  async *open(request: OpenRequest, signal: AbortSignal): AsyncGenerator<RawLine> {
    // Ask the engine only for this run's lines where it can (since); the bounds are checked here exactly.
    const requested = request.sinceTime ? normalizeTime(request.sinceTime) : undefined;
    const since = requested && this.after ? (requested > this.after ? requested : this.after) : (requested ?? this.after);
    const query: Record<string, unknown> = { stdout: true, stderr: true, timestamps: true, follow: request.follow && this.until === undefined };
    if (since) query.since = rfc3339ToUnix(since) ?? since;
    if (request.tailLines !== undefined && request.tailLines >= 0) query.tail = String(request.tailLines);
    let stream: Readable;
    try {
      stream = await new Promise<Readable>((resolve, reject) => {
        this.engine.docker.modem.dial(
          { path: `/containers/${encodeURIComponent(this.containerId)}/logs?`, method: 'GET', isStream: true, abortSignal: signal, options: { _query: query }, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' } } as never,
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Readable)),
        );
      });
    } catch (e) {
      if (engineStatus(e) === 404) throw new SourceGoneError('the container was removed');
      throw e;
    }
    const onAbort = () => stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const raw of readServiceLogs(stream, !this.tty)) {
        const time = raw.time === undefined ? undefined : normalizeTime(raw.time);
        if (time !== undefined) {
          if (this.after !== undefined && time <= this.after) continue;
          // The next run's lines: this run has been read to its end.
          if (this.until !== undefined && time > this.until) return;
        }
        yield { ...(time ? { time } : {}), stream: raw.stream, text: raw.text };
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async state(signal: AbortSignal): Promise<SourceState> {
    const c = await inspect(this.engine, this.containerId, signal);
    if (!c) return 'gone';
    if (c.startedAt !== this.startedAt) {
      // Started again since: ours ended at the boundary before that start.
      this.endAt(boundaryBefore(c));
      return 'terminated';
    }
    if (c.running) return 'running';
    this.endAt(runBoundary(c.finishedAt));
    return 'terminated';
  }
}

// ---- discovery ----

interface Run {
  key: string;
  startedAt?: string;
  source: LocalContainerSource;
  ended: boolean;
}

export async function* localDiscovery(target: LocalLogTarget, options: LocalDiscoveryOptions, signal: AbortSignal): SourceDiscovery {
  const { engine } = target;
  const cluster = target.cluster ?? LOCAL_CLUSTER;
  const names = new Set(target.names ?? []);
  const requirements: LabelRequirement[] = target.selector ? parseLabelSelector(target.selector) : names.size ? [] : [{ key: PARITY_LABEL, op: '=', value: 'true' }];
  const labelFilter = engineLabelFilter(requirements);
  const wanted = (c: ContainerView) => matchesLabels(requirements, c.labels) && (names.size === 0 || names.has(c.name) || names.has(c.id));
  /** Container ID → the run being read (kept after it ends, so its next start is known as a restart). */
  const runs = new Map<string, Run>();
  const masked = new Set<string>();
  let announcedEmpty = false;

  function* track(c: ContainerView): Generator<DiscoveryEvent> {
    const before = runs.get(c.id);
    if (before && before.startedAt === c.startedAt) return;
    let after: string | undefined;
    if (before) {
      // A restart: the boundary between the runs is the previous run's finish, the same for both.
      after = before.source.end ?? boundaryBefore(c);
      before.source.endAt(after);
      if (!before.ended) yield { type: 'down', key: before.key };
    }
    const values = credentialValues(c.env).filter((v) => !masked.has(v));
    if (values.length) {
      values.forEach((v) => masked.add(v));
      yield { type: 'secrets', values };
    }
    const identity: SourceIdentity = {
      kind: 'container',
      cluster,
      namespace: c.labels['dev.prodlike.namespace'] ?? 'default',
      pod: c.name,
      container: c.labels['dev.prodlike.container'] ?? c.name,
      instance: `${c.id}@${c.startedAt ?? 'created'}`,
      role: 'app',
    };
    const source = new LocalContainerSource(engine, identity, c.id, c.tty, c.startedAt, after);
    runs.set(c.id, { key: instanceKey(identity), ...(c.startedAt ? { startedAt: c.startedAt } : {}), source, ended: false });
    yield { type: 'up', source };
  }

  /** `c`: the container now; undefined when it was removed; null when the engine could not say. */
  function* stopped(id: string, c: ContainerView | undefined | null): Generator<DiscoveryEvent> {
    const run = runs.get(id);
    if (!run) return;
    if (c === undefined) runs.delete(id);
    else if (c && c.startedAt === run.startedAt && !c.running) run.source.endAt(runBoundary(c.finishedAt));
    if (run.ended) return;
    run.ended = true;
    yield { type: 'down', key: run.key };
  }

  /** Every wanted container, now: new runs are reported, runs that stopped meanwhile end. */
  async function* list(): AsyncGenerator<DiscoveryEvent> {
    const found = (await engine.docker.listContainers({ all: !options.follow, filters: labelFilter.length ? { label: labelFilter } : {}, abortSignal: signal } as object)) as { Id: string }[];
    const seen = new Set<string>();
    for (const { Id } of found) {
      const c = await inspect(engine, Id, signal);
      if (!c || !wanted(c)) continue;
      seen.add(c.id);
      yield* track(c);
    }
    for (const id of [...runs.keys()]) if (!seen.has(id)) yield* stopped(id, await inspect(engine, id, signal));
    if (runs.size === 0 && !announcedEmpty) {
      announcedEmpty = true;
      yield { type: 'notice', level: 'info', message: `${noContainers(target, options.follow)}${options.follow ? ' Waiting for one to start.' : ''}` };
    }
  }

  if (!options.follow) {
    try {
      yield* list();
    } catch (e) {
      throw unreachable(engine, e);
    }
    return;
  }

  let connected = false;
  for await (const item of watchEngineEvents(engine, { signal, types: ['container'], actions: ['start', 'die', 'destroy'], initialDelayMs: options.reconnectDelayMs })) {
    if (item.kind === 'connected') {
      // Subscribed first, listed second: a container started in between is in the list or in the events.
      // After a drop, the list also covers what the engine's replay buffer no longer holds.
      try {
        yield* list();
      } catch (e) {
        if (signal.aborted) return;
        if (!connected) throw unreachable(engine, e);
        yield { type: 'notice', level: 'warning', message: `Cannot list the local containers again: ${engineMessage(e)}` };
      }
      connected = true;
    } else if (item.kind === 'reconnecting') {
      // An engine that cannot be reached at the start is the user's to hear about, not to wait for.
      if (!connected) throw engineUnreachable(engine.endpoint, new Error(item.reason));
      yield { type: 'notice', level: 'warning', message: `The container events of ${engine.endpoint.url} stopped (${item.reason}); listening again in ${item.delayMs} ms (attempt ${item.attempt}).` };
    } else {
      const { action, id } = item.event;
      if (action === 'start') {
        const c = await inspect(engine, id, signal).catch(() => undefined);
        if (c && wanted(c)) yield* track(c);
      } else if (action === 'die') {
        if (runs.has(id)) yield* stopped(id, await inspect(engine, id, signal).catch(() => null));
      } else if (action === 'destroy') {
        yield* stopped(id, undefined);
      }
    }
  }
}

function unreachable(engine: Engine, e: unknown): unknown {
  return isConnectionError(e) ? engineUnreachable(engine.endpoint, e) : e instanceof ProdlikeError ? e : new ProdlikeError('internal', `Cannot list the local containers: ${engineMessage(e)}`, undefined, { cause: e });
}

function noContainers(target: LocalLogTarget, running: boolean): string {
  const what = [target.names?.length ? `named ${target.names.join(', ')}` : '', target.selector ? `with labels "${target.selector}"` : ''].filter(Boolean).join(' ') || 'started by prodlike run';
  return `No ${running ? 'running ' : ''}container ${what} on ${target.engine.endpoint.url}.`;
}
