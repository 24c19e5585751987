/**
 * The vocabulary of the log tail. A `LogSource` is one container's output (a Kubernetes pod's
 * container, a swarm task, a local container); a `SourceDiscovery` says which sources exist as
 * they come and go; `tailLogs` (tail.ts) turns both into one stream of `LogLine`s and notices.
 *
 * Orchestrators appear only in the adapters (kube-sources.ts, swarm-sources.ts, docker-sources.ts):
 * everything else here is plain logic that tests drive with in-process fakes.
 */
import type { LogLine } from '../cluster/types';

/** Who wrote a line, in the user's words. `key` is stable across restarts of the same container. */
export interface SourceIdentity {
  kind: 'pod' | 'task' | 'container';
  /** kube context, "swarm", or "local". */
  cluster: string;
  namespace: string;
  /** Pod name, task name (service.slot), or local container name. */
  pod: string;
  container: string;
  node?: string;
  /** Container ID: changes when the container restarts, so a restarted container is a new instance. */
  instance?: string;
  /** "init" for init containers, "sidecar"/"app" otherwise; lets users pick init and sidecar containers. */
  role?: 'app' | 'init' | 'sidecar';
}

/** One line as the orchestrator gave it: its time (RFC 3339, nanoseconds when known) and text without newline. */
export interface RawLine {
  time?: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface OpenRequest {
  /** Lines at or after this instant (RFC 3339). Servers may round it down to the second. */
  sinceTime?: string;
  /** Only the last N lines (first open only: a resume never uses it). */
  tailLines?: number;
  /** Keep the stream open for new lines. False when the container has ended: read what is left. */
  follow: boolean;
}

/**
 * What a source's container is doing now, asked before a stream is reopened:
 * - running: reopen and follow;
 * - terminated: the container ended but its log can still be read (a restarted container's previous
 *   log, a finished pod): read the rest once, then stop;
 * - gone: nothing more can be read (pod deleted, restarted twice since, task removed).
 */
export type SourceState = 'running' | 'terminated' | 'gone';

export interface LogSource {
  readonly identity: SourceIdentity;
  /** The lines of the source from `sinceTime`/`tailLines`, ending when the server ends the stream. */
  open(request: OpenRequest, signal: AbortSignal): AsyncIterable<RawLine>;
  /** Absent: assumed running while discovery lists it. */
  state?(signal: AbortSignal): Promise<SourceState>;
}

/** Thrown by `open` when the source no longer exists (404): it is dropped without retrying. */
export class SourceGoneError extends Error {
  override readonly name = 'SourceGoneError';
}

/** What a discovery reports. Discoveries reconnect on their own; they end only when the signal aborts. */
export type DiscoveryEvent =
  /** A source exists (again). Re-reporting a known source (same key and instance) is harmless. */
  | { type: 'up'; source: LogSource }
  /** The source's instance will write nothing new: its stream is read to the end and not reopened. */
  | { type: 'down'; key: string }
  /** Values to mask from now on (the Secrets a workload references). */
  | { type: 'secrets'; values: string[] }
  | { type: 'notice'; level: 'info' | 'warning'; message: string };

export type SourceDiscovery = AsyncIterable<DiscoveryEvent>;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * A line ready to show. Extends the Cluster interface's `LogLine` (compatible: every addition is
 * optional there) with what a terminal and the editor need to render it.
 */
export interface TailLine extends LogLine {
  seq: number;
  source: LogLine['source'] & { kind: SourceIdentity['kind']; instance?: string };
  /** Stable per source (same pod and container → same colour), 0 … COLOR_COUNT-1. */
  color: number;
  level?: LogLevel;
  /** The line's fields when its text is a JSON object (after redaction). */
  fields?: Record<string, unknown>;
}

export type TailNotice =
  | { type: 'source-started'; source: string; resumed: boolean }
  | { type: 'source-ended'; source: string; reason: string }
  | { type: 'reconnecting'; source: string; reason: string; attempt: number; delayMs: number }
  | { type: 'source-failed'; source: string; reason: string }
  /** More sources than --max-log-requests: these wait until a stream ends. */
  | { type: 'limit'; open: number; waiting: string[]; max: number; message: string }
  | { type: 'discovery'; level: 'info' | 'warning'; message: string };

export type TailEvent = ({ type: 'line' } & TailLine) | ({ type: 'notice' } & { notice: TailNotice });

/** Key of a source across restarts: colour, filters and messages use it. */
export function sourceKey(id: SourceIdentity): string {
  return `${id.cluster}/${id.namespace}/${id.pod}/${id.container}`;
}

/** Key of one container instance: one stream each. */
export function instanceKey(id: SourceIdentity): string {
  return id.instance ? `${sourceKey(id)}#${id.instance}` : sourceKey(id);
}

/** How a source is named in messages and prefixes: pod/container, with the context when several are tailed. */
export function sourceLabel(id: SourceIdentity): string {
  return `${id.pod}/${id.container}`;
}
