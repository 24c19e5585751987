/**
 * Runtime rules: run the image the way production runs it (production's environment, no network,
 * nothing mounted but what it declares) and look at what it did to its own filesystem. This is the
 * half no file linter can do: a Dockerfile and a manifest can look clean while the app still
 * writes its logs to /app/logs/app.log.
 *
 * Split in two so the judgement is testable without an engine: `observeContainer` talks to the
 * engine and returns data; `judgeObservation` turns data into findings.
 */
import type Dockerode from 'dockerode';
import type { Hit, Position, Rule } from '../model';
import { ProdlikeError, messageOf, throwIfAborted } from '../../errors';

export const RUNTIME_RULES: Rule[] = [
  {
    id: 'runtime-logs-to-file',
    severity: 'error',
    area: 'runtime',
    title: 'At run time the app wrote logs to files',
    explanation: 'Run with production\'s environment, the container wrote `*.log` files or into a log folder. Those lines never reach `docker logs`, `kubectl logs` or the log collector, and they disappear with the container — often exactly when you need them.',
    fix: 'Configure the app\'s logger to write to stdout/stderr (or link the file to /dev/stdout in the Dockerfile).',
  },
  {
    id: 'runtime-state-in-container',
    severity: 'warning',
    area: 'runtime',
    title: 'At run time the app wrote files outside its declared volumes',
    explanation: 'Files written to the container\'s own filesystem (uploads, caches, SQLite databases, session files) live only as long as that container: a deploy, a restart or a second replica does not see them. Containers must be disposable; state belongs in a volume or a backing service.',
    fix: 'Move the data to a backing service (database, object store), or declare the folder as a volume (`VOLUME` and a PersistentVolumeClaim) if it must persist; use /tmp for scratch files.',
  },
];

export interface FileChange {
  path: string;
  /** Docker's diff kinds. */
  kind: 'modified' | 'added' | 'deleted';
}

export interface ContainerObservation {
  image: string;
  stdoutBytes: number;
  stderrBytes: number;
  changes: FileChange[];
  /** Exit code if the process ended during the observation window. */
  exitCode?: number;
}

export interface ObserveOptions {
  docker: Dockerode;
  image: string;
  /** Production's environment (secret values replaced by placeholders by the caller). */
  env: Record<string, string>;
  /**
   * Folders production mounts that the image does not declare as VOLUME: an empty tmpfs stands in
   * for each, so writes there are not counted as state (declared VOLUMEs get Docker's own volumes).
   */
  mounts: string[];
  /** How long to let the app run (default 5 s); the app usually logs at start. */
  durationMs?: number;
  /** Label value for the container, so a stray one can be traced and removed. */
  name?: string;
  signal?: AbortSignal;
}

const KINDS: FileChange['kind'][] = ['modified', 'added', 'deleted'];

export async function observeContainer(o: ObserveOptions): Promise<ContainerObservation> {
  throwIfAborted(o.signal);
  let container: Dockerode.Container;
  try {
    await o.docker.getImage(o.image).inspect();
  } catch (e) {
    throw new ProdlikeError('not-found', `Image ${o.image} is not in the engine: ${messageOf(e)}`, 'Build it first (`prodlike build`), or name a local image with --image.');
  }
  try {
    container = await o.docker.createContainer({
      Image: o.image,
      name: o.name,
      Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`),
      Labels: { 'dev.prodlike.check': 'runtime' },
      HostConfig: {
        NetworkMode: 'none',
        Tmpfs: Object.fromEntries(o.mounts.map((v) => [v, ''])),
      },
    });
  } catch (e) {
    throw new ProdlikeError('build-failed', `Cannot create a container from ${o.image}: ${messageOf(e)}`);
  }
  try {
    await container.start();
    const exited = await waitOrTimeout(container, o.durationMs ?? 5000, o.signal);
    if (exited === undefined) await container.kill().catch(() => undefined);
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const { stdout, stderr } = demuxedSizes(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)));
    const diff = changeList(await container.changes());
    return {
      image: o.image,
      stdoutBytes: stdout,
      stderrBytes: stderr,
      changes: diff.map((c) => ({ path: c.Path, kind: KINDS[c.Kind] ?? 'modified' })),
      exitCode: exited,
    };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** The engine answers "null" (which docker-modem hands back as a Buffer) when nothing changed. */
function changeList(raw: unknown): { Path: string; Kind: number }[] {
  const v = Buffer.isBuffer(raw) ? (JSON.parse(raw.toString('utf8') || 'null') as unknown) : raw;
  return Array.isArray(v) ? v.filter((c): c is { Path: string; Kind: number } => typeof c?.Path === 'string') : [];
}

async function waitOrTimeout(container: Dockerode.Container, ms: number, signal?: AbortSignal): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    onAbort = () => resolve(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const r = await Promise.race([container.wait().then((w: { StatusCode: number }) => w.StatusCode), stop]);
    return r;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Sizes of stdout and stderr in a multiplexed (non-TTY) log stream: 8-byte frame headers. */
export function demuxedSizes(buf: Buffer): { stdout: number; stderr: number } {
  let stdout = 0;
  let stderr = 0;
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i]!;
    const size = buf.readUInt32BE(i + 4);
    if (type === 1) stdout += size;
    else if (type === 2) stderr += size;
    i += 8 + size;
  }
  return { stdout, stderr };
}

/** Written by the runtime itself, or scratch by convention. */
const IGNORED = /^\/(proc|sys|dev|run|tmp|var\/tmp|var\/run)(\/|$)|^\/etc\/(hostname|hosts|resolv\.conf|mtab)$|^\/root\/\.ash_history$/;
const LOG_FILE = /\.log(\.\d+)?$|(^|\/)logs?\/[^/]+$|^\/var\/log\/.+/;

export interface JudgeInput {
  observation: ContainerObservation;
  volumes: string[];
  /** Where findings point: the CMD/ENTRYPOINT of the Dockerfile that built the image. */
  anchor: { start: Position; end?: Position };
}

export function judgeObservation({ observation, volumes, anchor }: JudgeInput): Hit[] {
  const changed = observation.changes.filter((c) => c.kind !== 'deleted');
  const paths = changed.map((c) => c.path);
  // Docker lists every parent folder of a changed file too; keep only the leaves.
  const leaves = paths.filter((p) => !paths.some((q) => q !== p && q.startsWith(p + '/')));
  const inVolume = (p: string) => volumes.some((v) => p === v || p.startsWith(v.replace(/\/$/, '') + '/'));
  const candidates = leaves.filter((p) => !IGNORED.test(p) && !inVolume(p)).sort();
  const logs = candidates.filter((p) => LOG_FILE.test(p));
  const state = candidates.filter((p) => !LOG_FILE.test(p));
  const hits: Hit[] = [];
  const list = (ps: string[]) => ps.slice(0, 5).join(', ') + (ps.length > 5 ? ` and ${ps.length - 5} more` : '');
  if (logs.length > 0) {
    const out = observation.stdoutBytes + observation.stderrBytes;
    hits.push({
      ruleId: 'runtime-logs-to-file',
      message: `Running ${observation.image} wrote logs to ${list(logs)} while stdout/stderr ${out === 0 ? 'stayed quiet' : `got only ${out} bytes`}.`,
      ...anchor,
      data: { paths: logs.join(','), stdoutBytes: String(observation.stdoutBytes), stderrBytes: String(observation.stderrBytes) },
    });
  }
  if (state.length > 0) {
    hits.push({
      ruleId: 'runtime-state-in-container',
      message: `Running ${observation.image} wrote outside its declared volumes: ${list(state)}.`,
      ...anchor,
      data: { paths: state.join(',') },
    });
  }
  return hits;
}
