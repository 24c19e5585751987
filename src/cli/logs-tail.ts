/**
 * `prodlike logs` for workloads: every pod (or swarm task) of a workload, a label selector or a
 * namespace, on one or several kube contexts, in one stream with a coloured `[pod/container]`
 * prefix per source; `--json` prints one JSON object per line. Notices (a source starting or
 * ending, reconnects, the stream limit) go to stderr, so stdout stays the log.
 *
 * The local-container form (`prodlike logs <container>`) lives in commands/logs.ts, which calls
 * `runWorkloadLogs` when the target is not a local container or workload flags were given.
 */
import type { Command } from 'commander';
import { ProdlikeError } from '../core/errors';
import { containerPattern, sinceToTime, userPattern, type TailLine, type TailNotice, type TailOptions } from '../core/logs';
import { tailLogBatches } from '../core/logs/tail';
import type { Engine } from '../core/docker/engine';
import { discoveriesFor } from './logs-sources';
import { paint, type CliIO } from './io';
import type { CommandContext } from './program';

export interface WorkloadLogFlags {
  selector?: string;
  namespace?: string;
  context?: string;
  env?: string;
  engine?: string;
  follow?: boolean;
  since?: string;
  tail?: string;
  grep?: string[];
  exclude?: string[];
  container?: string[];
  initContainers?: boolean;
  onlyErrors?: boolean;
  maxLogRequests?: string;
  timestamps?: boolean;
  local?: boolean;
  order?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The options the workload form adds to `prodlike logs`. */
export function addWorkloadLogOptions(cmd: Command): Command {
  return cmd
    .option('-l, --selector <selector>', 'pods with these labels (app=web,tier!=db) instead of a workload')
    .option('-n, --namespace <name>', 'namespace (default: the environment\'s, else the context\'s)')
    .option('--context <names>', 'kube contexts, comma-separated: tail several clusters at once')
    .option('--env <name>', 'environment from prodlike.yaml (default: the default one)')
    .option('--grep <regex>', 'only lines matching (repeatable: all must match)', collect)
    .option('--exclude <regex>', 'leave out lines matching (repeatable)', collect)
    .option('-c, --container <name>', 'only these containers (repeatable; a regex matched against the whole name)', collect)
    .option('--init-containers', 'also show init containers')
    .option('--only-errors', 'only lines whose level is error or fatal')
    .option('--max-log-requests <n>', 'at most this many log streams at once (default 50)')
    .option('-t, --timestamps', 'print each line\'s time')
    .option('--local', 'local containers: the parity runs, or those -l or [target] names (with --context/--env: both)')
    .option('--order <how>', 'arrival (default), or time: hold lines 200 ms and print them by timestamp across sources');
}

/** True when the flags can only mean workloads (no local container reads them). */
export function wantsWorkloads(flags: WorkloadLogFlags): boolean {
  return Boolean(flags.local || flags.order || flags.selector || flags.namespace || flags.context || flags.env || flags.grep?.length || flags.exclude?.length || flags.container?.length || flags.initContainers || flags.onlyErrors || flags.maxLogRequests);
}

export function tailOptionsFrom(flags: WorkloadLogFlags): TailOptions {
  const tail = flags.tail === undefined ? (flags.follow ? 10 : undefined) : Number(flags.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < -1)) throw new ProdlikeError('usage', `--tail "${flags.tail}" is not a number of lines.`, 'Write --tail 100, or --tail -1 for all.');
  let since: string | undefined;
  if (flags.since !== undefined) {
    since = sinceToTime(flags.since);
    if (!since) throw new ProdlikeError('usage', `--since "${flags.since}" is neither a duration (10m, 2h) nor a time (RFC 3339).`);
  }
  const max = flags.maxLogRequests === undefined ? undefined : Number(flags.maxLogRequests);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new ProdlikeError('usage', `--max-log-requests "${flags.maxLogRequests}" must be a whole number of at least 1.`);
  if (flags.order !== undefined && flags.order !== 'arrival' && flags.order !== 'time') throw new ProdlikeError('usage', `--order "${flags.order}" is neither arrival nor time.`);
  return {
    follow: flags.follow === true,
    ...(flags.order === 'time' ? { order: 'time' as const } : {}),
    ...(since ? { since } : {}),
    ...(tail !== undefined && tail >= 0 ? { tail } : {}),
    ...(max ? { maxStreams: max } : {}),
    lines: {
      include: (flags.grep ?? []).map((g) => userPattern(g, '--grep')),
      exclude: (flags.exclude ?? []).map((g) => userPattern(g, '--exclude')),
      onlyErrors: flags.onlyErrors === true,
    },
    containers: { containers: (flags.container ?? []).map(containerPattern), initContainers: flags.initContainers === true },
  };
}

const PALETTE = ['cyan', 'green', 'magenta', 'yellow', 'blue', 'greenBright'] as const;

export function formatLine(io: CliIO, line: TailLine, options: { multiCluster: boolean; timestamps: boolean; prefixes?: WeakMap<TailLine['source'], string> }): string {
  const s = line.source;
  // A source's lines share one source object: its prefix is built once, not per line.
  let prefix = options.prefixes?.get(s);
  if (prefix === undefined) {
    prefix = paint(io, PALETTE[line.color % PALETTE.length]!, `[${options.multiCluster ? `${s.cluster}:` : ''}${s.pod}/${s.container}]`);
    options.prefixes?.set(s, prefix);
  }
  const time = options.timestamps && line.time ? `${paint(io, 'dim', line.time)} ` : '';
  const text = line.level === 'error' || line.level === 'fatal' ? paint(io, 'red', line.text) : line.level === 'warn' ? paint(io, 'yellow', line.text) : line.text;
  return `${prefix} ${time}${text}\n`;
}

/** The JSON object `--json` prints for a line: flat, stable keys. */
export function lineJson(line: TailLine): Record<string, unknown> {
  const s = line.source;
  return {
    seq: line.seq,
    time: line.time,
    cluster: s.cluster,
    namespace: s.namespace,
    pod: s.pod,
    container: s.container,
    ...(s.node ? { node: s.node } : {}),
    kind: s.kind,
    stream: line.stream,
    ...(line.level ? { level: line.level } : {}),
    text: line.text,
    ...(line.fields ? { fields: line.fields } : {}),
  };
}

function renderNotice(io: CliIO, n: TailNotice): void {
  switch (n.type) {
    case 'source-started':
      return void io.err.write(paint(io, 'dim', `+ ${n.source}\n`));
    case 'source-ended':
      return void io.err.write(paint(io, 'dim', `- ${n.source} (${n.reason})\n`));
    case 'reconnecting':
      return void io.err.write(paint(io, 'dim', `~ ${n.source}: reconnecting in ${n.delayMs} ms (${n.reason})\n`));
    case 'source-failed':
      return void io.err.write(`${paint(io, 'red', '✗')} ${n.source}: ${n.reason}\n`);
    case 'limit':
      return void io.err.write(`${paint(io, 'yellow', '!')} ${n.message}\n`);
    case 'discovery':
      return void io.err.write(`${n.level === 'warning' ? paint(io, 'yellow', '!') : paint(io, 'dim', 'i')} ${n.message}\n`);
  }
}

/**
 * stdout in batches: the lines that arrive in one turn of the event loop leave in one write (one
 * system call for a pipe), not one write each — writing was most of the tail's cost per line. A
 * batch leaves once the loop has nothing more to hand over (setImmediate), or at 64 KB. When the
 * terminal or pipe is full, `add` returns a promise to wait on: a slow reader slows the tail, never
 * the memory.
 */
export class OutputBatch {
  private pending = '';
  private scheduled = false;

  constructor(private readonly out: NodeJS.WritableStream & { writableNeedDrain?: boolean }) {}

  add(text: string): Promise<void> | undefined {
    this.pending += text;
    if (this.pending.length >= 64 * 1024) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return this.out.writableNeedDrain ? this.drained() : undefined;
  }

  /** Writes what is pending now; a promise when the stream asks to wait for 'drain'. */
  flush(): Promise<void> | undefined {
    if (this.pending === '') return this.out.writableNeedDrain ? this.drained() : undefined;
    const text = this.pending;
    this.pending = '';
    return this.out.write(text) ? undefined : this.drained();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => this.out.once('drain', () => resolve()));
  }
}

/** True when the engine knows a container by this name or ID; false when it does not or cannot be reached. */
export async function isLocalContainer(engine: Engine, nameOrId: string): Promise<boolean> {
  try {
    await engine.docker.getContainer(nameOrId).inspect({ abortSignal: AbortSignal.timeout(5000) } as object);
    return true;
  } catch {
    return false;
  }
}

export async function runWorkloadLogs(ctx: CommandContext, workload: string | undefined, flags: WorkloadLogFlags, how: { alsoNoContainer?: boolean } = {}): Promise<void> {
  const io = ctx.io;
  const options = tailOptionsFrom(flags);
  const ac = new AbortController();
  const onInt = () => ac.abort();
  process.once('SIGINT', onInt);
  let opened: Awaited<ReturnType<typeof discoveriesFor>>;
  try {
    opened = await discoveriesFor(ctx, workload, flags, ac.signal);
  } catch (e) {
    process.removeListener('SIGINT', onInt);
    throw notFoundEither(e, workload, how.alsoNoContainer);
  }
  const { discovery, multiCluster, dispose } = opened;
  let failed = false;
  const out = new OutputBatch(io.out);
  const format = { multiCluster, timestamps: flags.timestamps === true, prefixes: new WeakMap<TailLine['source'], string>() };
  try {
    // The events queued since the last turn come as one batch: one step of the tail per burst, not per line.
    for await (const batch of tailLogBatches(discovery, options, ac.signal)) {
      for (const e of batch) {
        if (e.type === 'notice') {
          if (e.notice.type === 'source-failed') failed = true;
          // A notice tells about the lines around it: the lines before it are printed first.
          const wait = out.flush();
          if (wait) await wait;
          renderNotice(io, e.notice);
          continue;
        }
        const wait = out.add(io.json ? JSON.stringify(lineJson(e)) + '\n' : formatLine(io, e, format));
        if (wait) await wait;
      }
    }
  } catch (e) {
    throw notFoundEither(e, workload, how.alsoNoContainer);
  } finally {
    out.flush();
    process.removeListener('SIGINT', onInt);
    dispose();
  }
  if (failed) ctx.setExitCode(1);
}

/** A bare name that is neither a local container nor a workload: say both were looked for. */
function notFoundEither(e: unknown, name: string | undefined, alsoNoContainer: boolean | undefined): unknown {
  if (!alsoNoContainer || !(e instanceof ProdlikeError) || e.code !== 'not-found') return e;
  return new ProdlikeError('not-found', `"${name}": no such container on the local engine, and no such workload. ${e.message}`, 'See the local containers with `prodlike ps` and the workloads with `prodlike status`.');
}
