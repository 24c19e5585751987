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
import { engineLabelFilter, matchesLabels, parseLabelSelector, type LabelRequirement } from './label-selector';
import { sleep } from './retry';
import { SourceGoneError, instanceKey, type LogSource, type OpenRequest, type RawLine, type SourceDiscovery, type SourceIdentity, type SourceState } from './types';

export interface SwarmLogTarget {
  engine: Engine;
  /** How the cluster is named in prefixes ("swarm"). */
  cluster: string;
  /** Service name (or `stack_name` / name inside `namespace`). Without it: every service `selector` and `namespace` pick. */
  service?: string;
  /** Service labels (`app=web,tier!=db`): the tasks of every matching service, also of services created later. */
  selector?: string;
  /** The stack (`com.docker.stack.namespace`); "default" is the services outside any stack. */
  namespace?: string;
}

interface TaskView {
  id: string;
  serviceId?: string;
  slot?: number;
  nodeId?: string;
  state: string;
  desired: string;
  containerId?: string;
}

const TERMINAL = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

function taskView(raw: unknown): TaskView | undefined {
  const t = raw as { ID?: unknown; ServiceID?: unknown; Slot?: unknown; NodeID?: unknown; DesiredState?: unknown; Status?: { State?: unknown; ContainerStatus?: { ContainerID?: unknown } } };
  if (typeof t?.ID !== 'string') return undefined;
  return {
    id: t.ID,
    ...(typeof t.ServiceID === 'string' ? { serviceId: t.ServiceID } : {}),
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
  // One named service is looked up once (a typo is an error); a selection is read again on every
  // poll, so services created (or labelled) later join the tail and removed ones leave it.
  const named = target.service ? await findService({ ...target, service: target.service }, signal) : undefined;
  const requirements = target.selector ? parseLabelSelector(target.selector) : [];
  const what = named ? `service ${named.Spec.Name}` : describeSelection(target);
  const nodes = new Map<string, string>();
  /** Nodes the swarm has lost (down or disconnected), with the reason a stream of theirs ends. */
  const lostNodes = new Map<string, string>();
  const known = new Map<string, { key: string; name: string }>(); // task ID → instance key, task name
  const ended = new Set<string>();
  let failures = 0;
  let announcedEmpty = false;
  while (!signal.aborted) {
    let tasks: TaskView[];
    let services: Map<string, ServiceInfo>;
    try {
      services = new Map((named ? [named] : await matchingServices(target, requirements, signal)).map((s) => [s.ID, s]));
      // No service, no task list: an empty service filter would list every task of the swarm.
      const raw = services.size ? ((await docker.listTasks({ filters: { service: [...services.keys()] }, abortSignal: signal } as object)) as unknown[]) : [];
      tasks = raw.map(taskView).filter((t): t is TaskView => t !== undefined && (named !== undefined || (t.serviceId !== undefined && services.has(t.serviceId))));
      for (const t of tasks) {
        if (t.nodeId && !nodes.has(t.nodeId)) {
          const n = (await docker.getNode(t.nodeId).inspect().catch(() => undefined)) as { Description?: { Hostname?: string } } | undefined;
          nodes.set(t.nodeId, n?.Description?.Hostname ?? t.nodeId.slice(0, 12));
        }
      }
      if (tasks.length) await readLostNodes(docker, nodes, lostNodes, signal);
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ProdlikeError && e.code === 'usage') throw e;
      if (!options.follow) throw new ProdlikeError('engine-unreachable', `Cannot list the tasks of ${what}: ${messageOf(e)}`);
      failures++;
      yield { type: 'notice', level: 'warning', message: `Cannot list the tasks of ${what} (attempt ${failures}): ${messageOf(e)}` };
      await sleep(Math.min(10_000, 250 * 2 ** failures), signal);
      continue;
    }
    // Running tasks are read; a task that ends while read is read to its end. Tasks that had ended
    // before the tail began are not (swarm keeps a history of dead tasks: it would replay old failures).
    const onLostNode = (t: TaskView) => t.nodeId !== undefined && lostNodes.has(t.nodeId);
    const readable = tasks.filter((t) => t.containerId && !TERMINAL.has(t.state) && !ended.has(t.id) && !onLostNode(t));
    if (readable.length === 0 && known.size === 0 && !announcedEmpty) {
      announcedEmpty = true;
      const none = named || services.size ? `${named ? 'Service' : 'The services of'} ${what} ${named ? 'has' : 'have'} no running task` : `No service matches ${what}`;
      yield { type: 'notice', level: 'info', message: `${none}${options.follow ? `; waiting for ${named || services.size ? 'one' : 'them'}` : ''}.` };
    }
    for (const t of readable) {
      if (known.has(t.id)) continue;
      const service = named ?? services.get(t.serviceId!)!;
      const name = service.Spec.Name;
      const identity: SourceIdentity = {
        kind: 'task',
        cluster: target.cluster,
        namespace: service.Spec.Labels?.[STACK_LABEL] ?? target.namespace ?? DEFAULT_NAMESPACE,
        pod: taskName(name, { ID: t.id, Slot: t.slot, NodeID: t.nodeId }),
        container: name,
        ...(t.nodeId ? { node: nodes.get(t.nodeId) ?? t.nodeId } : {}),
        instance: t.containerId!,
        role: 'app',
      };
      known.set(t.id, { key: instanceKey(identity), name: identity.pod });
      const nodeId = t.nodeId;
      const tty = service.Spec.TaskTemplate?.ContainerSpec?.TTY === true;
      yield { type: 'up', source: new SwarmTaskSource(target.engine, identity, t.id, tty, () => (nodeId ? lostNodes.get(nodeId) : undefined)) };
    }
    const byId = new Map(tasks.map((t) => [t.id, t]));
    for (const [id, { key, name }] of [...known]) {
      const t = byId.get(id);
      if (!t || TERMINAL.has(t.state) || onLostNode(t)) {
        if (t && onLostNode(t)) yield { type: 'notice', level: 'warning', message: `${name}: ${lostNodes.get(t.nodeId!)}` };
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

/** The services the selector and the namespace pick (the engine narrows by label; every requirement is checked here). */
async function matchingServices(target: SwarmLogTarget, requirements: LabelRequirement[], signal: AbortSignal): Promise<ServiceInfo[]> {
  const label = engineLabelFilter(requirements);
  if (target.namespace && target.namespace !== DEFAULT_NAMESPACE) label.push(`${STACK_LABEL}=${target.namespace}`);
  const raw = (await target.engine.docker.listServices({ filters: label.length ? { label } : {}, abortSignal: signal } as object)) as unknown[];
  return (Array.isArray(raw) ? (raw as ServiceInfo[]) : []).filter(
    (s) => typeof s?.ID === 'string' && typeof s.Spec?.Name === 'string' && matchesLabels(requirements, s.Spec.Labels) && (!target.namespace || (s.Spec.Labels?.[STACK_LABEL] ?? DEFAULT_NAMESPACE) === target.namespace),
  );
}

function describeSelection(target: SwarmLogTarget): string {
  const parts = [target.selector ? `labels "${target.selector}"` : '', target.namespace ? `namespace "${target.namespace}"` : ''].filter(Boolean);
  return parts.length ? parts.join(' in ') : 'any service';
}

async function findService(target: SwarmLogTarget & { service: string }, signal: AbortSignal): Promise<ServiceInfo> {
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
