/**
 * Swarm objects in the Cluster interface's words: a service is a Workload, a task is a Pod, and
 * the service's UpdateStatus plus its tasks say where a rollout is. Pure functions of engine JSON,
 * so the mapping is tested without an engine.
 */
import type { Pod, RolloutEvent, Workload, WorkloadState } from '../cluster/types';
import { digestOf } from './image-ref';
import type { SwarmService, SwarmTask } from './schema';

/** Services deployed with `docker stack deploy` carry their stack's name here; it is swarm's nearest thing to a namespace. */
export const STACK_LABEL = 'com.docker.stack.namespace';
/** Services outside any stack. */
export const DEFAULT_NAMESPACE = 'default';
export const CAUSE_LABEL = 'dev.prodlike.change-cause';
export const REVISION_LABEL = 'dev.prodlike.revision';

export function namespaceOf(service: SwarmService): string {
  return service.Spec.Labels?.[STACK_LABEL] ?? DEFAULT_NAMESPACE;
}

export function isGlobal(service: SwarmService): boolean {
  return service.Spec.Mode?.Global !== undefined && service.Spec.Mode?.Replicated === undefined;
}

/** Tasks the orchestrator still wants (not the shut-down history swarm keeps per slot). */
export function currentTasks(tasks: SwarmTask[]): SwarmTask[] {
  return tasks.filter((t) => t.DesiredState !== 'shutdown' && t.DesiredState !== 'remove');
}

function isRunning(t: SwarmTask): boolean {
  return t.Status.State === 'running' && t.DesiredState === 'running';
}

export function desiredCount(service: SwarmService, tasks: SwarmTask[]): number {
  if (!isGlobal(service)) return service.Spec.Mode?.Replicated?.Replicas ?? 1;
  // Global: one task per eligible node; the engine counts them when asked (?status=true).
  if (service.ServiceStatus) return service.ServiceStatus.DesiredTasks;
  return new Set(currentTasks(tasks).map((t) => t.NodeID)).size;
}

export interface TaskCounts {
  desired: number;
  running: number;
  /** Running with the image the spec names now. */
  updated: number;
  /** Running with another image (an update or rollback is not done yet). */
  stale: number;
}

export function countTasks(service: SwarmService, tasks: SwarmTask[]): TaskCounts {
  const image = service.Spec.TaskTemplate.ContainerSpec.Image;
  const running = tasks.filter(isRunning);
  const updated = running.filter((t) => t.Spec.ContainerSpec.Image === image).length;
  return { desired: desiredCount(service, tasks), running: running.length, updated, stale: running.length - updated };
}

/** The update states of the engine (swarmkit's UpdateStatus.State). */
export type UpdateState = 'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

/**
 * A rollback someone asked for (`docker service rollback`, prodlike's rollback) is a rollout like
 * any other: done when the tasks converge. Only a rollback swarm started by itself means a failed
 * update. The engine says "manually requested rollback" while it runs but "rollback completed" in
 * both cases once done; then a task that failed since the update began tells them apart.
 */
export function rollbackWasRequested(service: SwarmService, tasks: SwarmTask[]): boolean {
  const us = service.UpdateStatus;
  if (/manually requested/i.test(us?.Message ?? '')) return true;
  return us?.State === 'rollback_completed' && failingTask(tasks, us.StartedAt) === undefined;
}

export function workloadState(service: SwarmService, counts: TaskCounts, tasks: SwarmTask[]): WorkloadState {
  switch (service.UpdateStatus?.State as UpdateState | undefined) {
    case 'updating':
    case 'rollback_started':
      return 'progressing';
    case 'paused':
    case 'rollback_paused':
      return 'paused';
    case 'rollback_completed':
      return rollbackWasRequested(service, tasks) ? (converged(counts) ? 'complete' : 'progressing') : 'rolled-back';
    default:
      return converged(counts) ? 'complete' : 'progressing';
  }
}

export function converged(c: TaskCounts): boolean {
  return c.updated >= c.desired && c.stale === 0;
}

export function toWorkload(service: SwarmService, tasks: SwarmTask[], revision?: number): Workload {
  const counts = countTasks(service, tasks);
  const image = service.Spec.TaskTemplate.ContainerSpec.Image;
  const us = service.UpdateStatus;
  const state = workloadState(service, counts, tasks);
  return {
    kind: 'Service',
    namespace: namespaceOf(service),
    name: service.Spec.Name,
    desired: counts.desired,
    ready: counts.running,
    updated: counts.updated,
    available: counts.running,
    image,
    digest: digestOf(image),
    revision,
    paused: state === 'paused',
    conditions: us?.State ? [{ type: 'UpdateStatus', status: us.State, message: us.Message }] : [],
    state,
    labels: service.Spec.Labels ?? {},
    createdAt: service.CreatedAt,
  };
}

/** How people and `docker service ps` name a task: service.slot (replicated) or service.node (global), plus the task ID. */
export function taskName(serviceName: string, task: Pick<SwarmTask, 'ID' | 'Slot' | 'NodeID'>): string {
  const slot = task.Slot && task.Slot > 0 ? String(task.Slot) : (task.NodeID ?? '?');
  return `${serviceName}.${slot}.${task.ID.slice(0, 12)}`;
}

export function toPod(service: SwarmService, task: SwarmTask, allTasks: SwarmTask[], nodeName?: string): Pod {
  const sameSlot = (t: SwarmTask) => (task.Slot ? t.Slot === task.Slot : t.NodeID === task.NodeID);
  // Swarm replaces a dead task with a new one instead of restarting it; the failed ones it still
  // remembers for this slot are what `kubectl get pods` would count as restarts.
  const restarts = allTasks.filter((t) => t.ID !== task.ID && sameSlot(t) && (t.Status.State === 'failed' || t.Status.State === 'rejected')).length;
  return {
    namespace: namespaceOf(service),
    name: taskName(service.Spec.Name, task),
    phase: task.Status.State,
    ready: isRunning(task),
    restarts,
    node: nodeName ?? task.NodeID,
    createdAt: task.CreatedAt,
    containers: [
      {
        name: service.Spec.Name,
        image: task.Spec.ContainerSpec.Image,
        containerID: task.Status.ContainerStatus?.ContainerID,
        state: task.Status.State,
        reason: task.Status.Err || undefined,
      },
    ],
    labels: task.Labels ?? {},
  };
}

/** The error of the newest failed task since `sinceIso` (the failing task of an update), if any. */
export function failingTask(tasks: SwarmTask[], sinceIso?: string): SwarmTask | undefined {
  const since = sinceIso ? Date.parse(sinceIso) : 0;
  return tasks
    .filter((t) => (t.Status.State === 'failed' || t.Status.State === 'rejected') && Date.parse(t.Status.Timestamp ?? t.UpdatedAt ?? '') >= since)
    .sort((a, b) => Date.parse(b.Status.Timestamp ?? '') - Date.parse(a.Status.Timestamp ?? ''))[0];
}

function describeFailure(service: SwarmService, task: SwarmTask | undefined): string {
  if (!task) return '';
  const err = task.Status.Err || task.Status.Message || task.Status.State;
  return ` Task ${taskName(service.Spec.Name, task)} (${task.Spec.ContainerSpec.Image}): ${err}.`;
}

/**
 * Where a rollout stands, as one event: what `prodlike deploy` prints while it watches.
 * `complete`, `failed`, `rolled-back` and `paused` end the watch.
 */
export function judgeRollout(service: SwarmService, tasks: SwarmTask[]): RolloutEvent {
  const counts = countTasks(service, tasks);
  const us = service.UpdateStatus;
  const name = service.Spec.Name;
  const state = us?.State as UpdateState | undefined;
  const failure = () => describeFailure(service, failingTask(tasks, us?.StartedAt));
  const requested = rollbackWasRequested(service, tasks);
  const progress = (message: string): RolloutEvent => ({ type: 'progress', desired: counts.desired, updated: counts.updated, ready: counts.running, available: counts.running, message });
  switch (state) {
    case 'paused':
      return { type: 'paused', message: `Swarm paused the update of ${name}: ${us?.Message ?? 'no reason given'}.${failure()}` };
    case 'rollback_paused':
      return { type: 'failed', reason: 'RollbackPaused', message: `Swarm could not roll ${name} back and paused: ${us?.Message ?? ''}.${failure()}` };
    case 'rollback_started':
      if (requested) return progress(`rolling back as requested: ${counts.updated} of ${counts.desired} task(s) on the previous version`);
      return progress(`swarm is rolling ${name} back: ${us?.Message ?? ''}.${failure()}`);
    case 'rollback_completed':
      if (requested) {
        if (converged(counts)) return { type: 'complete', message: `${name}: ${counts.updated} of ${counts.desired} task(s) running ${service.Spec.TaskTemplate.ContainerSpec.Image} (rolled back as requested).` };
        return progress(`rolling back as requested: ${counts.updated} of ${counts.desired} task(s) on the previous version`);
      }
      if (!converged(counts)) return progress(`swarm rolled ${name} back; waiting for ${counts.desired - Math.min(counts.updated, counts.desired)} task(s) of the previous version`);
      return { type: 'rolled-back', message: `Swarm rolled ${name} back to ${service.Spec.TaskTemplate.ContainerSpec.Image}: ${us?.Message ?? 'the update failed'}.${failure()}` };
    case 'updating':
      return progress(`${counts.updated} of ${counts.desired} task(s) updated${counts.stale ? `, ${counts.stale} old still running` : ''}`);
    default:
      if (converged(counts)) return { type: 'complete', message: `${name}: ${counts.updated} of ${counts.desired} task(s) running ${service.Spec.TaskTemplate.ContainerSpec.Image}.` };
      return progress(`${counts.updated} of ${counts.desired} task(s) running${counts.stale ? `, ${counts.stale} old still running` : ''}`);
  }
}

export function isTerminal(e: RolloutEvent): boolean {
  return e.type === 'complete' || e.type === 'failed' || e.type === 'rolled-back' || e.type === 'paused';
}
