/**
 * Swarm tasks as log sources. Swarm never restarts a container in place: a task that dies is
 * replaced by a new task (a new container on some node), so each task is one source, and the
 * task list — polled, because the engine (API 1.41) has no task events — says which to read.
 * A task that ends is read to its end; its successor is read from its start.
 *
 * Each task's log comes from `GET /tasks/{id}/logs` with timestamps, so a dropped stream resumes
 * from its last line (resume.ts) like any other source.
 */
import type { Readable } from 'node:stream';
import type { Engine } from '../docker/engine';
import { messageOf, ProdlikeError } from '../errors';
import { readServiceLogs, rfc3339ToUnix } from '../swarm/logs';
import { DEFAULT_NAMESPACE, STACK_LABEL, taskName } from '../swarm/workload';
import { sleep } from './retry';
import { SourceGoneError, instanceKey, type LogSource, type OpenRequest, type RawLine, type SourceDiscovery, type SourceIdentity, type SourceState } from './types';

export interface SwarmLogTarget {
  engine: Engine;
  /** How the cluster is named in prefixes ("swarm"). */
  cluster: string;
  /** Service name (or `stack_name` / name inside `namespace`). */
  service: string;
  namespace?: string;
}

interface TaskView {
  id: string;
  slot?: number;
  nodeId?: string;
  state: string;
  desired: string;
  containerId?: string;
}

const TERMINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

function taskView(raw: unknown): TaskView | undefined {
  const t = raw as { ID?: unknown; Slot?: unknown; NodeID?: unknown; DesiredState?: unknown; Status?: { State?: unknown; ContainerStatus?: { ContainerID?: unknown } } };
  if (typeof t?.ID !== 'string') return undefined;
  return {
    id: t.ID,
    ...(typeof t.Slot === 'number' ? { slot: t.Slot } : {}),
    ...(typeof t.NodeID === 'string' ? { nodeId: t.NodeID } : {}),
    state: typeof t.Status?.State === 'string' ? t.Status.State : 'unknown',
    desired: typeof t.DesiredState === 'string' ? t.DesiredState : 'unknown',
    ...(typeof t.Status?.ContainerStatus?.ContainerID === 'string' ? { containerId: t.Status.ContainerStatus.ContainerID } : {}),
  };
}

function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number })?.statusCode === 404;
}

export class SwarmTaskSource implements LogSource {
  constructor(
    private readonly engine: Engine,
    readonly identity: SourceIdentity,
    private readonly taskId: string,
    private readonly tty: boolean,
    /** Why the task's node cannot be read any more (it is down), or undefined while it can. */
    private readonly nodeLost: () => string | undefined = () => undefined,
  ) {}

  async *open(request: OpenRequest, signal: AbortSignal): AsyncGenerator<RawLine> {
    // A lost node's log cannot be read: followed, the engine's stream would wait for it forever.
    const lost = this.nodeLost();
    if (lost) throw new SourceGoneError(lost);
    const query: Record<string, unknown> = { stdout: true, stderr: true, timestamps: true, follow: request.follow };
    if (request.sinceTime) query.since = rfc3339ToUnix(request.sinceTime) ?? request.sinceTime;
    if (request.tailLines !== undefined && request.tailLines >= 0) query.tail = String(request.tailLines);
    let stream: Readable;
    try {
      stream = await new Promise<Readable>((resolve, reject) => {
        this.engine.docker.modem.dial(
          { path: `/tasks/${encodeURIComponent(this.taskId)}/logs?`, method: 'GET', isStream: true, abortSignal: signal, options: { _query: query }, statusCodes: { 200: true, 404: 'no such task', 500: 'server error', 503: 'node is not part of a swarm' } } as never,
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Readable)),
        );
      });
    } catch (e) {
      if (isNotFound(e)) throw new SourceGoneError('the task was removed');
      throw e;
    }
    const onAbort = () => stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const raw of readServiceLogs(stream, !this.tty)) yield { ...(raw.time ? { time: raw.time } : {}), stream: raw.stream, text: raw.text };
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async state(signal: AbortSignal): Promise<SourceState> {
    try {
      const t = taskView(await this.engine.docker.getTask(this.taskId).inspect({ abortSignal: signal } as object));
      if (!t) return 'gone';
      return TERMINAL.has(t.state) ? 'terminated' : 'running';
    } catch (e) {
      if (isNotFound(e)) return 'gone';
      throw e;
    }
  }
}

export interface SwarmDiscoveryOptions {
  follow: boolean;
  /** How often the task list is read while following (default 1000 ms). */
  pollMs?: number;
}

export async function* swarmDiscovery(target: SwarmLogTarget, options: SwarmDiscoveryOptions, signal: AbortSignal): SourceDiscovery {
  const docker = target.engine.docker;
  const service = await findService(target, signal);
  const name = service.Spec.Name;
  const namespace = service.Spec.Labels?.[STACK_LABEL] ?? target.namespace ?? DEFAULT_NAMESPACE;
  const tty = service.Spec.TaskTemplate?.ContainerSpec?.TTY === true;
  const nodes = new Map<string, string>();
  /** Nodes the swarm has lost (down or disconnected), with the reason a stream of theirs ends. */
  const lostNodes = new Map<string, string>();
  const known = new Map<string, string>(); // task ID → instance key
  const ended = new Set<string>();
  let failures = 0;
  let announcedEmpty = false;
  while (!signal.aborted) {
    let tasks: TaskView[];
    try {
      const raw = (await docker.listTasks({ filters: { service: [service.ID] }, abortSignal: signal } as object)) as unknown[];
      tasks = raw.map(taskView).filter((t): t is TaskView => t !== undefined);
      for (const t of tasks) {
        if (t.nodeId && !nodes.has(t.nodeId)) {
          const n = (await docker.getNode(t.nodeId).inspect().catch(() => undefined)) as { Description?: { Hostname?: string } } | undefined;
          nodes.set(t.nodeId, n?.Description?.Hostname ?? t.nodeId.slice(0, 12));
        }
      }
      await readLostNodes(docker, nodes, lostNodes, signal);
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
      if (!options.follow) throw new ProdlikeError('engine-unreachable', `Cannot list the tasks of service ${name}: ${messageOf(e)}`);
      failures++;
      yield { type: 'notice', level: 'warning', message: `Cannot list the tasks of service ${name} (attempt ${failures}): ${messageOf(e)}` };
      await sleep(Math.min(10_000, 250 * 2 ** failures), signal);
      continue;
    }
    // Running tasks are read; a task that ends while read is read to its end. Tasks that had ended
    // before the tail began are not (swarm keeps a history of dead tasks: it would replay old failures).
    const onLostNode = (t: TaskView) => t.nodeId !== undefined && lostNodes.has(t.nodeId);
    const readable = tasks.filter((t) => t.containerId && !TERMINAL.has(t.state) && !ended.has(t.id) && !onLostNode(t));
    if (readable.length === 0 && !announcedEmpty) {
      announcedEmpty = true;
      yield { type: 'notice', level: 'info', message: `Service ${name} has no running task${options.follow ? ' yet; waiting for one' : ''}.` };
    }
    for (const t of readable) {
      if (known.has(t.id)) continue;
      const identity: SourceIdentity = {
        kind: 'task',
        cluster: target.cluster,
        namespace,
        pod: taskName(name, { ID: t.id, Slot: t.slot, NodeID: t.nodeId }),
        container: name,
        ...(t.nodeId ? { node: nodes.get(t.nodeId) ?? t.nodeId } : {}),
        instance: t.containerId!,
        role: 'app',
      };
      known.set(t.id, instanceKey(identity));
      const nodeId = t.nodeId;
      yield { type: 'up', source: new SwarmTaskSource(target.engine, identity, t.id, tty, () => (nodeId ? lostNodes.get(nodeId) : undefined)) };
    }
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const [id, key] of [...known]) {
      const t = byId.get(id);
      if (!t || TERMINAL.has(t.state) || onLostNode(t)) {
        if (t && onLostNode(t)) yield { type: 'notice', level: 'warning', message: `${taskName(name, { ID: t.id, Slot: t.slot, NodeID: t.nodeId })}: ${lostNodes.get(t.nodeId!)}` };
        yield { type: 'down', key };
        known.delete(id);
        ended.add(id);
      }
    }
    if (!options.follow) return;
    await sleep(options.pollMs ?? 1000, signal);
  }
}

interface ServiceInfo {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string>; TaskTemplate?: { ContainerSpec?: { TTY?: boolean } } };
}

async function findService(target: SwarmLogTarget, signal: AbortSignal): Promise<ServiceInfo> {
  const names = [target.service];
  if (target.namespace && target.namespace !== DEFAULT_NAMESPACE && !target.service.startsWith(`${target.namespace}_`)) names.push(`${target.namespace}_${target.service}`);
  for (const n of names) {
    try {
      const s = (await target.engine.docker.getService(n).inspect({ abortSignal: signal } as object)) as ServiceInfo;
      if (s?.Spec?.Name === n || s?.ID === n) return s;
    } catch (e) {
      if (!isNotFound(e)) throw new ProdlikeError('engine-unreachable', `Cannot read service ${n} at ${target.engine.endpoint.url}: ${messageOf(e)}`);
    }
  }
  throw new ProdlikeError('not-found', `There is no swarm service "${target.service}" at ${target.engine.endpoint.url}.`, 'List the services with `prodlike status`.');
}

/** Refreshes which nodes the swarm has lost; hostnames come along for free. */
async function readLostNodes(docker: Engine['docker'], names: Map<string, string>, lost: Map<string, string>, signal: AbortSignal): Promise<void> {
  const raw = (await docker.listNodes({ abortSignal: signal } as object)) as { ID?: string; Description?: { Hostname?: string }; Status?: { State?: string; Message?: string } }[];
  lost.clear();
  for (const n of Array.isArray(raw) ? raw : []) {
    if (typeof n?.ID !== 'string') continue;
    const name = n.Description?.Hostname ?? n.ID.slice(0, 12);
    names.set(n.ID, name);
    const state = n.Status?.State;
    if (state === 'down' || state === 'disconnected') lost.set(n.ID, `node ${name} is ${state}${n.Status?.Message ? ` (${n.Status.Message})` : ''}; its log can no longer be read`);
  }
}
