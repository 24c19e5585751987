/**
 * Docker Swarm as a Cluster: the local "production" of DESIGN.md, over the engine's services API.
 *
 * - a service is a Workload (replicated or global), its tasks are Pods; a namespace is a stack
 *   (`docker stack deploy`), and services outside a stack are in "default";
 * - deploy pins the image by digest, writes the update config (update-config.ts) and the cause
 *   (a label), and records the revision on the engine (history.ts);
 * - rollout status reads the service's UpdateStatus and its tasks: swarm itself rolls a failed
 *   update back (failure action `rollback`), prodlike reports that it did and why;
 * - rollback goes to the previous revision with swarm's own rollback when swarm still holds that
 *   spec, or to any recorded revision by restoring its task template, with `kubectl rollout undo`
 *   semantics (a rollback is itself a new revision; already there → skipped).
 *
 * Every request carries the caller's AbortSignal. Cancelling a rollout watch stops watching, not
 * the rollout: swarm finishes (or rolls back) the update on its own, server-side.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type {
  Cluster,
  ClusterIdentity,
  ClusterNode,
  DeployPlan,
  LogLine,
  LogOptions,
  Pod,
  Revision,
  RollbackPlan,
  RolloutEvent,
  RolloutOptions,
  WatchEvent,
  Workload,
  WorkloadRef,
} from '../cluster/types';
import type { SwarmUpdateConfig } from '../config/types';
import { openEngine, resolveEngineEndpoint, type Engine } from '../docker/engine';
import { readJsonLines } from '../docker/json-stream';
import { messageOf, ProdlikeError, throwIfAborted } from '../errors';
import { isNotFound, swarmError } from './errors';
import { listSwarmNodes, NodeLossReport, stuckOnLostNode } from './nodes';
import { DEFAULT_HISTORY_LIMIT, ServiceHistory, type HistoryRecord } from './history';
import { digestOf, parseImageRef, pinDigest, shortImage } from './image-ref';
import { readServiceLogs, rfc3339ToUnix, sinceToUnix } from './logs';
import {
  NodeSchema,
  parseEngine,
  parseEngineList,
  ServiceSchema,
  TaskSchema,
  type ServiceSpec,
  type SwarmService,
  type SwarmTask,
} from './schema';
import { updateConfigFor } from './update-config';
import {
  CAUSE_LABEL,
  currentTasks,
  DEFAULT_NAMESPACE,
  failingTask,
  isTerminal,
  judgeRollout,
  namespaceOf,
  REVISION_LABEL,
  taskName,
  toPod,
  toWorkload,
} from './workload';

export interface SwarmClusterOptions {
  /** How the cluster is named in the UI (default "swarm"). */
  name?: string;
  /** The environment's `update:` section; missing fields take the defaults of update-config.ts. */
  update?: SwarmUpdateConfig;
  /** How many revisions to keep (default 10, as Kubernetes' revisionHistoryLimit). */
  historyLimit?: number;
  /** How often a rollout or the task list is re-read while watching (ms). */
  pollIntervalMs?: number;
}

/** The request a swarm deploy sends: `POST /services/{id}/update?version=…` with this spec. */
export interface SwarmDeployPatch {
  serviceId: string;
  version: number;
  spec: ServiceSpec;
}

/** Either swarm's own rollback (`?rollback=previous`) or an update that restores a recorded task template. */
export interface SwarmRollbackPatch {
  serviceId: string;
  version: number;
  mechanism: 'swarm-rollback' | 'restore';
  spec?: ServiceSpec;
}

const DEFAULT_DEADLINE_MS = 600_000;

export function openSwarmCluster(options: SwarmClusterOptions & { engine?: string; env?: NodeJS.ProcessEnv } = {}): SwarmCluster {
  return new SwarmCluster(openEngine(resolveEngineEndpoint(options.engine, options.env)), options);
}

export class SwarmCluster implements Cluster {
  readonly identity: ClusterIdentity;
  private readonly docker: Dockerode;
  private readonly records: ServiceHistory;
  private readonly poll: number;
  private readonly disposed = new AbortController();

  constructor(
    readonly engine: Engine,
    private readonly options: SwarmClusterOptions = {},
  ) {
    this.docker = engine.docker;
    this.identity = { orchestrator: 'swarm', name: options.name ?? 'swarm', server: engine.endpoint.url };
    this.records = new ServiceHistory(this.docker, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
    this.poll = options.pollIntervalMs ?? 250;
  }

  dispose(): void {
    this.disposed.abort();
  }

  // ---- reading -------------------------------------------------------------------------------

  async listNamespaces(signal?: AbortSignal): Promise<string[]> {
    const services = await this.services(signal);
    return [...new Set([DEFAULT_NAMESPACE, ...services.map(namespaceOf)])].sort();
  }

  async listWorkloads(namespace: string, signal?: AbortSignal): Promise<Workload[]> {
    const [services, tasks, records] = await Promise.all([this.services(signal), this.tasks(undefined, signal), this.allRecords(signal)]);
    return services
      .filter((s) => namespaceOf(s) === namespace)
      .sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name))
      .map((s) => this.workloadOf(s, tasks, records.get(s.ID) ?? []));
  }

  async getWorkload(ref: WorkloadRef, signal?: AbortSignal): Promise<Workload> {
    const s = await this.service(ref, signal);
    const [tasks, records] = await Promise.all([this.tasks(s.ID, signal), this.records.list(s.ID, signal)]);
    return this.workloadOf(s, tasks, records);
  }

  async history(ref: WorkloadRef, signal?: AbortSignal): Promise<Revision[]> {
    const s = await this.service(ref, signal);
    const records = await this.records.list(s.ID, signal);
    const image = s.Spec.TaskTemplate.ContainerSpec.Image;
    if (records.length === 0) {
      // Never deployed with prodlike: what runs is revision 1, as kubectl shows a fresh Deployment.
      return [{ number: 1, image, digest: digestOf(image), cause: s.Spec.Labels?.[CAUSE_LABEL], createdAt: s.UpdatedAt ?? s.CreatedAt, current: true }];
    }
    const current = currentRecord(records, image);
    return records.map((r) => ({
      number: r.revision,
      image: r.image,
      digest: digestOf(r.image),
      cause: r.cause,
      createdAt: r.createdAt,
      current: r === current,
    }));
  }

  async nodes(signal?: AbortSignal): Promise<ClusterNode[]> {
    return listSwarmNodes(this.docker, this.engine.endpoint, signal);
  }

  async pods(ref: WorkloadRef, signal?: AbortSignal): Promise<Pod[]> {
    const s = await this.service(ref, signal);
    const [tasks, nodes] = await Promise.all([this.tasks(s.ID, signal), this.nodeNames(signal)]);
    return currentTasks(tasks)
      .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || (a.NodeID ?? '').localeCompare(b.NodeID ?? ''))
      .map((t) => toPod(s, t, tasks, t.NodeID ? nodes.get(t.NodeID) : undefined));
  }

  // ---- deploy --------------------------------------------------------------------------------

  async planDeploy(ref: WorkloadRef, imageRef: string, cause: string, signal?: AbortSignal): Promise<DeployPlan> {
    const s = await this.service(ref, signal);
    const pinned = await this.pin(imageRef, signal);
    const hostNetworks = await this.hostNetworkIds(s.Spec, signal);
    const spec: ServiceSpec = {
      ...s.Spec,
      Labels: { ...(s.Spec.Labels ?? {}), [CAUSE_LABEL]: cause },
      TaskTemplate: { ...s.Spec.TaskTemplate, ContainerSpec: { ...s.Spec.TaskTemplate.ContainerSpec, Image: pinned } },
      ...updateConfigFor(this.options.update, s.Spec, hostNetworks),
    };
    const patch: SwarmDeployPatch = { serviceId: s.ID, version: s.Version.Index, spec };
    return {
      workload: { namespace: namespaceOf(s), name: s.Spec.Name, container: s.Spec.Name },
      cluster: this.identity,
      container: s.Spec.Name,
      fromImage: s.Spec.TaskTemplate.ContainerSpec.Image,
      toImage: pinned,
      cause,
      patch,
    };
  }

  async deploy(plan: DeployPlan, signal?: AbortSignal): Promise<Workload> {
    const patch = plan.patch as SwarmDeployPatch;
    if (!patch || typeof patch.serviceId !== 'string' || !patch.spec) throw new ProdlikeError('usage', 'This deploy plan was not made by the swarm backend.');
    const s = await this.serviceById(patch.serviceId, signal);
    this.assertUnchanged(s, patch.version, 'deploy');
    const known = await this.ensureCurrentRecorded(s, await this.records.list(s.ID, signal), signal);
    const record = await this.records.append(
      { serviceId: s.ID, serviceName: s.Spec.Name, image: plan.toImage, cause: plan.cause, taskTemplate: patch.spec.TaskTemplate },
      known,
      signal,
    );
    const spec: ServiceSpec = { ...patch.spec, Labels: { ...(patch.spec.Labels ?? {}), [REVISION_LABEL]: String(record.revision) } };
    try {
      await this.update(s.ID, { version: patch.version }, spec, signal);
    } catch (e) {
      await this.records.remove(record).catch(() => undefined);
      throw swarmError(this.engine.endpoint, e, `Cannot update ${s.Spec.Name}`, 'deploy-failed');
    }
    await this.tidy([...known, record]);
    return this.getWorkload(plan.workload, signal);
  }

  async *rolloutStatus(ref: WorkloadRef, options: RolloutOptions = {}): AsyncIterable<RolloutEvent> {
    const signal = options.signal;
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_DEADLINE_MS);
    const s0 = await this.service(ref, signal);
    let last = '';
    const reported = new Set<string>();
    const nodeLoss = new NodeLossReport();
    for (;;) {
      throwIfAborted(signal);
      const s = await this.serviceById(s0.ID, signal);
      const tasks = await this.tasks(s.ID, signal);
      // A lost node is news as soon as swarm notices it: its tasks are rescheduled, the counts drop.
      const nodes = await this.nodes(signal);
      yield* nodeLoss.update(nodes, tasks, s.Spec.Name);
      const stuck = stuckOnLostNode(s, tasks, nodes);
      if (stuck) {
        yield stuck;
        return;
      }
      // Each task that failed during this update is worth a line of its own (the cause is in it).
      const since = Date.parse(s.UpdateStatus?.StartedAt ?? s.UpdatedAt ?? '') || 0;
      for (const t of tasks) {
        if ((t.Status.State === 'failed' || t.Status.State === 'rejected') && !reported.has(t.ID) && Date.parse(t.Status.Timestamp ?? '') >= since) {
          reported.add(t.ID);
          yield { type: 'warning', pod: taskName(s.Spec.Name, t), message: `task ${taskName(s.Spec.Name, t)} ${t.Status.State}: ${t.Status.Err || t.Status.Message || 'no error given'}` };
        }
      }
      const event = judgeRollout(s, tasks);
      const key = JSON.stringify(event);
      if (key !== last) {
        last = key;
        yield event;
      }
      if (isTerminal(event)) return;
      if (Date.now() > deadline) {
        const failing = failingTask(tasks, s.UpdateStatus?.StartedAt);
        yield {
          type: 'failed',
          reason: 'DeadlineExceeded',
          message: `${s.Spec.Name} did not finish rolling out within ${Math.round((options.timeoutMs ?? DEFAULT_DEADLINE_MS) / 1000)} s${failing ? `; last task error: ${failing.Status.Err || failing.Status.State}` : ''}. Swarm keeps trying; prodlike stopped watching.`,
          pods: failing ? [taskName(s.Spec.Name, failing)] : undefined,
        };
        return;
      }
      await this.pause(this.poll, signal);
    }
  }

  // ---- rollback ------------------------------------------------------------------------------

  async planRollback(ref: WorkloadRef, toRevision?: number, signal?: AbortSignal): Promise<RollbackPlan> {
    const s = await this.service(ref, signal);
    const records = await this.records.list(s.ID, signal);
    const image = s.Spec.TaskTemplate.ContainerSpec.Image;
    const current = currentRecord(records, image);
    const base = { workload: { namespace: namespaceOf(s), name: s.Spec.Name }, cluster: this.identity, fromRevision: current?.revision, fromImage: image };
    const warnings: string[] = [];
    if (s.UpdateStatus?.State === 'updating' || s.UpdateStatus?.State === 'rollback_started') {
      warnings.push(`${s.Spec.Name} is in the middle of a rollout (${s.UpdateStatus.State}); rolling back replaces it.`);
    }
    if (!current && records.length > 0) warnings.push(`What runs now (${shortImage(image)}) was changed outside prodlike and is not in the history.`);

    if (records.length === 0) {
      // Never deployed with prodlike: swarm's own previous spec is the only thing to go back to.
      const previous = s.PreviousSpec?.TaskTemplate.ContainerSpec.Image;
      if (!previous || (toRevision !== undefined && toRevision !== 0)) {
        throw new ProdlikeError(
          'rollback-refused',
          toRevision ? `Unable to find revision ${toRevision} in the history of ${s.Spec.Name}.` : `${s.Spec.Name} has no previous revision to roll back to.`,
          'prodlike records a revision each time it deploys; see `prodlike history`.',
        );
      }
      warnings.push('prodlike has no history for this service; using the previous spec swarm kept.');
      const patch: SwarmRollbackPatch = { serviceId: s.ID, version: s.Version.Index, mechanism: 'swarm-rollback' };
      return { ...base, toRevision: 0, toImage: previous, skipped: previous === image, warnings, patch };
    }

    let target: HistoryRecord | undefined;
    if (!toRevision) {
      // kubectl's "previous": the newest revision that differs from what runs.
      target = [...records].reverse().find((r) => r.image !== image);
      if (!target) throw new ProdlikeError('rollback-refused', `${s.Spec.Name} has no previous revision to roll back to.`, 'Deploy another version first; `prodlike history` lists what is recorded.');
    } else {
      target = records.find((r) => r.revision === toRevision);
      if (!target) {
        throw new ProdlikeError(
          'rollback-refused',
          `Unable to find revision ${toRevision} in the history of ${s.Spec.Name}.`,
          `Recorded revisions: ${records.map((r) => r.revision).join(', ')} (prodlike keeps the last ${this.records.limit}).`,
        );
      }
    }
    const skipped = target.image === image;
    // Swarm's own rollback when the spec it kept is the one wanted: it is one call, server-side,
    // and paced by the service's RollbackConfig. Otherwise restore the recorded task template.
    const useSwarm = !toRevision && s.PreviousSpec?.TaskTemplate.ContainerSpec.Image === target.image;
    const patch: SwarmRollbackPatch = useSwarm
      ? { serviceId: s.ID, version: s.Version.Index, mechanism: 'swarm-rollback' }
      : {
          serviceId: s.ID,
          version: s.Version.Index,
          mechanism: 'restore',
          spec: {
            ...s.Spec,
            Labels: { ...(s.Spec.Labels ?? {}), [CAUSE_LABEL]: `rollback to revision ${target.revision}` },
            TaskTemplate: {
              ...(target.taskTemplate as ServiceSpec['TaskTemplate']),
              // Keep the current counter: restoring an old one could look like "no change" to swarm.
              ForceUpdate: s.Spec.TaskTemplate.ForceUpdate,
            },
          },
        };
    return { ...base, toRevision: target.revision, toImage: target.image, skipped, warnings, patch };
  }

  async rollback(plan: RollbackPlan, signal?: AbortSignal): Promise<Workload> {
    const patch = plan.patch as SwarmRollbackPatch;
    if (!patch || typeof patch.serviceId !== 'string') throw new ProdlikeError('usage', 'This rollback plan was not made by the swarm backend.');
    if (plan.skipped) return this.getWorkload(plan.workload, signal);
    const s = await this.serviceById(patch.serviceId, signal);
    this.assertUnchanged(s, patch.version, 'rollback');
    const known = await this.records.list(s.ID, signal);
    const cause = plan.toRevision ? `rollback to revision ${plan.toRevision}` : 'rollback to the previous spec';
    const record = known.length
      ? await this.records.append(
          { serviceId: s.ID, serviceName: s.Spec.Name, image: plan.toImage, cause, taskTemplate: patch.spec?.TaskTemplate ?? s.PreviousSpec?.TaskTemplate ?? s.Spec.TaskTemplate },
          known,
          signal,
        )
      : undefined;
    try {
      if (patch.mechanism === 'swarm-rollback') {
        // The engine ignores the body and restores PreviousSpec (labels included).
        await this.update(s.ID, { version: patch.version, rollback: 'previous' }, s.Spec, signal);
      } else {
        const spec = { ...patch.spec!, Labels: { ...(patch.spec!.Labels ?? {}), ...(record ? { [REVISION_LABEL]: String(record.revision) } : {}) } };
        await this.update(s.ID, { version: patch.version }, spec, signal);
      }
    } catch (e) {
      if (record) await this.records.remove(record).catch(() => undefined);
      throw swarmError(this.engine.endpoint, e, `Cannot roll ${s.Spec.Name} back`, 'rollback-refused');
    }
    if (record) await this.tidy([...known, record]);
    return this.getWorkload(plan.workload, signal);
  }

  // ---- watching ------------------------------------------------------------------------------

  /**
   * Services of a namespace as they change: the engine's event stream (service events, and
   * container start/die of swarm tasks, which change the running counts) drives re-reads. When
   * the stream drops, it is re-opened with backoff and a full list is sent again (`synced`).
   */
  async *watchWorkloads(namespace: string, signal: AbortSignal): AsyncIterable<WatchEvent<Workload>> {
    const known = new Map<string, Workload>();
    for (let attempt = 0; !signal.aborted; ) {
      let stream: Readable | undefined;
      try {
        // Subscribe before listing, so nothing that happens in between is missed.
        stream = (await this.docker.getEvents({
          _query: { filters: JSON.stringify({ type: ['service', 'container'], event: ['create', 'update', 'remove', 'start', 'die'] }) },
          abortSignal: signal,
        } as object)) as unknown as Readable;
        const list = await this.listWorkloads(namespace, signal);
        known.clear();
        for (const w of list) known.set(w.name, w);
        yield { type: 'synced', objects: list };
        attempt = 0;
        for await (const raw of readJsonLines(stream, { what: 'the event stream', code: 'internal', signal })) {
          const e = raw as { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
          const id = e.Type === 'service' ? e.Actor?.ID : e.Actor?.Attributes?.['com.docker.swarm.service.id'];
          if (!id) continue;
          const name = e.Type === 'service' ? e.Actor?.Attributes?.name : e.Actor?.Attributes?.['com.docker.swarm.service.name'];
          if (e.Type === 'service' && e.Action === 'remove') {
            const gone = name ? known.get(name) : undefined;
            if (gone) {
              known.delete(gone.name);
              yield { type: 'deleted', object: gone };
            }
            continue;
          }
          let s: SwarmService;
          try {
            s = await this.serviceById(id, signal);
          } catch (err) {
            if ((err as ProdlikeError).code === 'not-found') continue; // removed since the event
            throw err;
          }
          if (namespaceOf(s) !== namespace) continue;
          const w = this.workloadOf(s, await this.tasks(s.ID, signal), await this.records.list(s.ID, signal));
          const existed = known.has(w.name);
          known.set(w.name, w);
          yield { type: existed ? 'modified' : 'added', object: w };
        }
        if (signal.aborted) return;
        attempt++;
        yield { type: 'reconnecting', reason: 'the engine closed the event stream', attempt };
      } catch (e) {
        if (signal.aborted) return;
        attempt++;
        yield { type: 'reconnecting', reason: messageOf(e), attempt };
      } finally {
        stream?.destroy();
      }
      await this.backoff(attempt, signal);
    }
  }

  /** Tasks of a service as they change. The engine has no task events (API 1.41), so this polls the task list. */
  async *watchPods(ref: WorkloadRef, signal: AbortSignal): AsyncIterable<WatchEvent<Pod>> {
    let known = new Map<string, Pod>();
    let first = true;
    for (let attempt = 0; !signal.aborted; ) {
      try {
        const pods = await this.pods(ref, signal);
        const next = new Map(pods.map((p) => [p.name, p]));
        if (first) {
          first = false;
          yield { type: 'synced', objects: pods };
        } else {
          for (const [name, p] of next) {
            const before = known.get(name);
            if (!before) yield { type: 'added', object: p };
            else if (JSON.stringify(before) !== JSON.stringify(p)) yield { type: 'modified', object: p };
          }
          for (const [name, p] of known) if (!next.has(name)) yield { type: 'deleted', object: p };
        }
        known = next;
        attempt = 0;
        await this.pause(Math.max(this.poll, 1000), signal);
      } catch (e) {
        if (signal.aborted) return;
        attempt++;
        yield { type: 'reconnecting', reason: messageOf(e), attempt };
        first = true;
        await this.backoff(attempt, signal).catch(() => undefined);
      }
    }
  }

  // ---- logs ----------------------------------------------------------------------------------

  /**
   * Every task's output (`docker service logs`), each line with its time, task and node. When a
   * followed stream drops, it is re-opened from the last line's time and the lines already given
   * for that instant are skipped (stern's approach), so nothing is lost or repeated.
   */
  async *logs(ref: WorkloadRef, options: LogOptions, signal: AbortSignal): AsyncIterable<LogLine> {
    const s = await this.service(ref, signal);
    const multiplexed = s.Spec.TaskTemplate.ContainerSpec.TTY !== true;
    const identity = new TaskIdentity(this, s);
    let since = options.since ? sinceToUnix(options.since) : undefined;
    let tail = options.tail;
    let lastTime: string | undefined;
    let atLastTime = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return;
      let stream: Readable;
      try {
        stream = await this.dialStream(`/services/${encodeURIComponent(s.ID)}/logs?`, {
          stdout: true,
          stderr: true,
          timestamps: true,
          details: true,
          follow: options.follow === true,
          ...(since ? { since } : {}),
          ...(tail !== undefined && tail >= 0 ? { tail: String(tail) } : {}),
        }, signal);
      } catch (e) {
        if (signal.aborted) return;
        if (attempt > 0 && isNotFound(e)) return; // the service was removed while we followed it
        if (attempt > 0 && attempt < 6) {
          await this.backoff(attempt, signal).catch(() => undefined);
          continue;
        }
        throw swarmError(this.engine.endpoint, e, `Cannot read the logs of ${s.Spec.Name}`);
      }
      try {
        for await (const raw of readServiceLogs(stream, multiplexed)) {
          if (raw.time && lastTime) {
            if (raw.time < lastTime) continue;
            const key = `${raw.taskId}\u0000${raw.stream}\u0000${raw.text}`;
            if (raw.time === lastTime) {
              if (atLastTime.has(key)) continue;
              atLastTime.add(key);
            } else {
              lastTime = raw.time;
              atLastTime = new Set([key]);
            }
          } else if (raw.time) {
            lastTime = raw.time;
            atLastTime = new Set([`${raw.taskId}\u0000${raw.stream}\u0000${raw.text}`]);
          }
          const who = await identity.of(raw.taskId, raw.nodeId);
          yield {
            source: { cluster: this.identity.name, namespace: namespaceOf(s), pod: who.pod, container: s.Spec.Name, node: who.node },
            time: raw.time,
            stream: raw.stream,
            text: raw.text,
          };
        }
      } catch (e) {
        if (signal.aborted) return;
        if (!options.follow) throw swarmError(this.engine.endpoint, e, `Reading the logs of ${s.Spec.Name} failed`);
      } finally {
        stream.destroy();
      }
      if (!options.follow || signal.aborted) return;
      // The engine ended a followed stream: resume where it stopped.
      since = lastTime ? rfc3339ToUnix(lastTime) ?? since : since;
      tail = undefined;
      await this.backoff(Math.min(attempt + 1, 3), signal).catch(() => undefined);
    }
  }

  // ---- engine access -------------------------------------------------------------------------

  /** @internal for TaskIdentity */
  async taskAndNodeNames(serviceId: string, signal?: AbortSignal): Promise<{ tasks: SwarmTask[]; nodes: Map<string, string> }> {
    const [tasks, nodes] = await Promise.all([this.tasks(serviceId, signal), this.nodeNames(signal)]);
    return { tasks, nodes };
  }

  private workloadOf(s: SwarmService, allTasks: SwarmTask[], records: HistoryRecord[]): Workload {
    const tasks = allTasks.filter((t) => t.ServiceID === s.ID);
    const image = s.Spec.TaskTemplate.ContainerSpec.Image;
    const revision = records.length ? currentRecord(records, image)?.revision : 1;
    return toWorkload(s, tasks, revision);
  }

  private async services(signal?: AbortSignal): Promise<SwarmService[]> {
    try {
      const raw: unknown = await this.docker.listServices({ _query: { status: 'true' }, abortSignal: signal } as object);
      return parseEngineList(ServiceSchema, raw, 'a service list');
    } catch (e) {
      throw swarmError(this.engine.endpoint, e, 'Cannot list services');
    }
  }

  /** A service by name; inside a stack namespace "web" also finds "<stack>_web", as `docker stack` names them. */
  private async service(ref: WorkloadRef, signal?: AbortSignal): Promise<SwarmService> {
    const names = [ref.name];
    if (ref.namespace && ref.namespace !== DEFAULT_NAMESPACE && !ref.name.startsWith(`${ref.namespace}_`)) names.push(`${ref.namespace}_${ref.name}`);
    for (const name of names) {
      try {
        const raw: unknown = await this.docker.getService(name).inspect({ abortSignal: signal } as object);
        const s = parseEngine(ServiceSchema, raw, `service ${name}`);
        // The engine also matches ID prefixes; only a service with exactly this name (or ID) counts.
        if (s.Spec.Name === name || s.ID === name) return s;
      } catch (e) {
        if (!isNotFound(e)) throw swarmError(this.engine.endpoint, e, `Cannot read service ${name}`);
      }
    }
    throw new ProdlikeError(
      'not-found',
      `No service "${ref.name}" on the swarm at ${this.engine.endpoint.url}${ref.namespace && ref.namespace !== DEFAULT_NAMESPACE ? ` (stack ${ref.namespace})` : ''}.`,
      'Check the name with `prodlike status`, or create the service first (`docker service create` or `docker stack deploy`).',
    );
  }

  private async serviceById(id: string, signal?: AbortSignal): Promise<SwarmService> {
    try {
      const raw: unknown = await this.docker.getService(id).inspect({ abortSignal: signal } as object);
      return parseEngine(ServiceSchema, raw, `service ${id}`);
    } catch (e) {
      throw swarmError(this.engine.endpoint, e, `Cannot read service ${id}`);
    }
  }

  private async tasks(serviceId?: string, signal?: AbortSignal): Promise<SwarmTask[]> {
    try {
      const filters = serviceId ? JSON.stringify({ service: [serviceId] }) : undefined;
      const raw: unknown = await this.docker.listTasks({ ...(filters ? { filters } : {}), abortSignal: signal } as object);
      const tasks = parseEngineList(TaskSchema, raw, 'a task list');
      return serviceId ? tasks.filter((t) => t.ServiceID === serviceId) : tasks;
    } catch (e) {
      throw swarmError(this.engine.endpoint, e, 'Cannot list tasks');
    }
  }

  private async nodeNames(signal?: AbortSignal): Promise<Map<string, string>> {
    try {
      const raw: unknown = await this.docker.listNodes({ abortSignal: signal } as object);
      return new Map(parseEngineList(NodeSchema, raw, 'a node list').map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
    } catch (e) {
      throw swarmError(this.engine.endpoint, e, 'Cannot list nodes');
    }
  }

  private async allRecords(signal?: AbortSignal): Promise<Map<string, HistoryRecord[]>> {
    const byService = new Map<string, HistoryRecord[]>();
    const services = await this.services(signal);
    await Promise.all(services.map(async (s) => byService.set(s.ID, await this.records.list(s.ID, signal))));
    return byService;
  }

  /** Which of the service's networks are the host network (swarm gives "host" a swarm-scoped ID of its own). */
  private async hostNetworkIds(spec: ServiceSpec, signal?: AbortSignal): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const n of spec.TaskTemplate.Networks ?? []) {
      try {
        const net = (await this.docker.getNetwork(n.Target).inspect({ abortSignal: signal } as never)) as unknown as { Driver?: string; Name?: string };
        if (net?.Driver === 'host' || net?.Name === 'host') ids.add(n.Target);
      } catch {
        // An unreadable network is not the host network as far as ordering goes.
      }
    }
    return ids;
  }

  /** Pins a reference to the digest the registry serves for it (what `docker service update --image` does). */
  private async pin(imageRef: string, signal?: AbortSignal): Promise<string> {
    const parsed = parseImageRef(imageRef);
    if (parsed.digest) return imageRef;
    try {
      const raw = (await this.docker.getImage(imageRef).distribution({ abortSignal: signal } as object)) as { Descriptor?: { digest?: string } };
      const digest = raw?.Descriptor?.digest;
      if (!digest) throw new Error('the registry answered without a digest');
      return pinDigest(imageRef, digest);
    } catch (e) {
      throw new ProdlikeError(
        'deploy-failed',
        `Cannot pin ${imageRef} to a digest: ${swarmError(this.engine.endpoint, e, 'the registry').message}`,
        'Push the image first (`prodlike push`), or pass a reference with its digest (repository@sha256:…). Every node pulls it from the registry.',
        { cause: e },
      );
    }
  }

  private async update(id: string, query: Record<string, string | number>, spec: ServiceSpec, signal?: AbortSignal): Promise<void> {
    await this.docker.getService(id).update({ _query: query, _body: spec, abortSignal: signal } as never);
  }

  private assertUnchanged(s: SwarmService, version: number, what: string): void {
    if (s.Version.Index !== version) {
      throw new ProdlikeError(
        what === 'deploy' ? 'deploy-failed' : 'rollback-refused',
        `${s.Spec.Name} changed since this ${what} was planned (spec version ${version} → ${s.Version.Index}).`,
        `Run the ${what} again, so it is planned against what runs now.`,
      );
    }
  }

  /** Before the first prodlike deploy (or after a change made outside prodlike) what runs is recorded too, so it can be rolled back to. */
  private async ensureCurrentRecorded(s: SwarmService, records: HistoryRecord[], signal?: AbortSignal): Promise<HistoryRecord[]> {
    const image = s.Spec.TaskTemplate.ContainerSpec.Image;
    if (currentRecord(records, image)) return records;
    const cause = s.Spec.Labels?.[CAUSE_LABEL] ?? (records.length ? 'changed outside prodlike' : 'before the first prodlike deploy');
    const r = await this.records.append(
      { serviceId: s.ID, serviceName: s.Spec.Name, image, cause, createdAt: s.UpdatedAt ?? s.CreatedAt, taskTemplate: s.Spec.TaskTemplate },
      records,
      signal,
    );
    return [...records, r];
  }

  private async tidy(records: HistoryRecord[]): Promise<void> {
    await this.records.prune(records).catch(() => undefined);
    await this.records
      .removeOrphans(async () => new Set((await this.services()).map((s) => s.ID)))
      .catch(() => undefined);
  }

  private async dialStream(path: string, query: Record<string, unknown>, signal: AbortSignal): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        { path, method: 'GET', isStream: true, abortSignal: signal, options: { _query: query }, statusCodes: { 200: true, 404: 'no such service', 500: 'server error', 503: 'node is not part of a swarm' } } as never,
        (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Readable)),
      );
    });
  }

  private async pause(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: signal ? AbortSignal.any([signal, this.disposed.signal]) : this.disposed.signal });
    } catch {
      throw new ProdlikeError('aborted', 'Cancelled.');
    }
  }

  private async backoff(attempt: number, signal: AbortSignal): Promise<void> {
    await this.pause(Math.min(250 * 2 ** Math.max(0, attempt - 1), 5000), signal);
  }
}

/** The revision that runs now: the newest record of the image the spec names. */
export function currentRecord(records: HistoryRecord[], image: string): HistoryRecord | undefined {
  return [...records].reverse().find((r) => r.image === image);
}

/** Names tasks and nodes in log lines; re-reads the task list when a new task shows up (a replaced one). */
class TaskIdentity {
  private names = new Map<string, string>();
  private nodes = new Map<string, string>();
  private lastRefresh = 0;

  constructor(
    private readonly cluster: SwarmCluster,
    private readonly service: SwarmService,
  ) {}

  async of(taskId?: string, nodeId?: string): Promise<{ pod: string; node?: string }> {
    if (taskId && !this.names.has(taskId) && Date.now() - this.lastRefresh > 1000) {
      this.lastRefresh = Date.now();
      try {
        const { tasks, nodes } = await this.cluster.taskAndNodeNames(this.service.ID);
        for (const t of tasks) this.names.set(t.ID, taskName(this.service.Spec.Name, t));
        this.nodes = nodes;
      } catch {
        // Identity is a nicety: a line is never dropped because its task could not be named.
      }
    }
    const pod = (taskId && this.names.get(taskId)) ?? (taskId ? `${this.service.Spec.Name}.${taskId.slice(0, 12)}` : this.service.Spec.Name);
    return { pod, node: nodeId ? (this.nodes.get(nodeId) ?? nodeId) : undefined };
  }
}
