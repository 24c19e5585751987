/**
 * The Kubernetes implementation of the Cluster interface (src/core/cluster/types.ts).
 *
 *   const cluster = openKubeCluster({ context: 'staging', namespace: 'web' });
 *   const plan = await cluster.planDeploy({ namespace: 'web', name: 'api' }, 'reg/api:1@sha256:…', 'deploy abc123 by prodlike');
 *   await cluster.deploy(plan);
 *   for await (const e of cluster.rolloutStatus(plan.workload, { signal })) render(e);
 *
 * Workloads are apps/v1 Deployments. Everything goes through the API (no kubectl at run time).
 */
import { mergeIterables } from '../merge-iterables';
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
import { ProdlikeError, throwIfAborted } from '../errors';
import { KubeApi } from './api';
import { clientConfigFor, loadKubeconfig, type LoadedKubeconfig } from './kubeconfig';
import {
  deploymentSchema,
  listOf,
  namespaceSchema,
  parse,
  podSchema,
  replicaSetSchema,
  rolloutProgress,
  selectorString,
  stuckReason,
  toPod,
  toRevisions,
  toWorkload,
  type Deployment,
  type ReplicaSet,
} from './objects';
import { deployPatch, planRollbackPatch } from './rollback';
import { watchObjects } from './watch';
import { podLogLines } from './logs';
import { nodeSchema, sortKubeNodes, toClusterNode } from './nodes';

export interface OpenKubeClusterOptions {
  /** Context name; default the kubeconfig's current context. */
  context?: string;
  /** Default namespace for callers that have none; default the context's namespace or "default". */
  namespace?: string;
  /** false = Restricted Mode: a context that needs an exec credential plugin is refused. Default true. */
  allowExecPlugins?: boolean;
  /** An already loaded kubeconfig (from loadKubeconfig), or where to load one from. Default: KUBECONFIG / ~/.kube/config. */
  kubeconfig?: LoadedKubeconfig | { path?: string; env?: NodeJS.ProcessEnv };
  /** Tuning for watches (tests use short ones). */
  watch?: { idleTimeoutMs?: number; backoffMs?: { base: number; max: number } };
}

/** Opens the cluster of one kubeconfig context. Throws kubeconfig-invalid or restricted; never contacts the server. */
export function openKubeCluster(options: OpenKubeClusterOptions = {}): KubeCluster {
  const loaded =
    options.kubeconfig && 'merged' in options.kubeconfig
      ? options.kubeconfig
      : loadKubeconfig({ kubeconfigPath: options.kubeconfig?.path, env: options.kubeconfig?.env, allowExecPlugins: options.allowExecPlugins });
  const kc = clientConfigFor(loaded, options.context, options.allowExecPlugins ?? loaded.allowExecPlugins);
  const contextName = kc.getCurrentContext();
  const context = loaded.contexts.find((c) => c.name === contextName);
  const server = kc.getCurrentCluster()?.server ?? '';
  return new KubeCluster(new KubeApi(kc, server), { orchestrator: 'kubernetes', name: contextName, server }, options.namespace ?? context?.namespace ?? 'default', options.watch);
}

const apps = (ns: string) => `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}`;
const core = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}`;

export class KubeCluster implements Cluster {
  private readonly disposer = new AbortController();
  /** Deployment selector by "namespace/name", with the uid it belongs to (see `pods`). */
  private readonly selectors = new Map<string, { uid: string; selector: string }>();

  constructor(
    readonly api: KubeApi,
    readonly identity: ClusterIdentity,
    /** The namespace of the context (or the one asked for): where a workload without one lives. */
    readonly defaultNamespace: string,
    private readonly watchTuning: OpenKubeClusterOptions['watch'] = {},
  ) {}

  async listNamespaces(signal?: AbortSignal): Promise<string[]> {
    const list = parse(listOf(namespaceSchema), await this.api.request('GET', '/api/v1/namespaces', { signal: this.signal(signal) }), 'namespace list');
    return (list.items ?? []).map((n) => n.metadata.name).sort();
  }

  async listWorkloads(namespace: string, signal?: AbortSignal): Promise<Workload[]> {
    const list = parse(listOf(deploymentSchema), await this.api.request('GET', `${apps(namespace)}/deployments`, { signal: this.signal(signal) }), 'Deployment list');
    const items = list.items ?? [];
    for (const d of items) this.remember(d, namespace);
    return items.map((d) => toWorkload(d)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getWorkload(ref: WorkloadRef, signal?: AbortSignal): Promise<Workload> {
    return toWorkload(await this.deployment(ref, signal), ref.container);
  }

  watchWorkloads(namespace: string, signal: AbortSignal): AsyncIterable<WatchEvent<Workload>> {
    return watchObjects(this.api, {
      path: `${apps(namespace)}/deployments`,
      convert: (raw) => toWorkload(parse(deploymentSchema, raw, 'Deployment')),
      signal: this.signal(signal),
      ...this.watchTuning,
    });
  }

  async planDeploy(ref: WorkloadRef, imageRef: string, cause: string, signal?: AbortSignal): Promise<DeployPlan> {
    const d = await this.deployment(ref, signal);
    const p = deployPatch(d, imageRef, cause, ref.container);
    return { workload: { ...ref, container: p.container }, cluster: this.identity, container: p.container, fromImage: p.fromImage, toImage: imageRef, cause, patch: p.patch };
  }

  async deploy(plan: DeployPlan, signal?: AbortSignal): Promise<Workload> {
    try {
      const d = await this.patch(plan.workload, plan.patch, signal);
      return toWorkload(d, plan.container);
    } catch (e) {
      if (e instanceof ProdlikeError && e.code === 'deploy-failed' && /test/i.test(e.message)) {
        throw new ProdlikeError('deploy-failed', `Deployment "${plan.workload.name}" changed since the deploy was planned (its image is no longer ${plan.fromImage}).`, 'Look at what changed (prodlike status), then deploy again.');
      }
      throw e;
    }
  }

  async *rolloutStatus(ref: WorkloadRef, options: RolloutOptions = {}): AsyncGenerator<RolloutEvent> {
    // Checked before every event handed out: a consumer that aborted while handling one sees no more.
    for await (const e of this.rolloutEvents(ref, options)) {
      throwIfAborted(options.signal);
      yield e;
    }
  }

  private async *rolloutEvents(ref: WorkloadRef, options: RolloutOptions): AsyncGenerator<RolloutEvent> {
    const inner = new AbortController();
    const outer = this.signal(options.signal);
    const stop = () => inner.abort();
    outer.addEventListener('abort', stop, { once: true });
    const timer = options.timeoutMs ? setTimeout(stop, options.timeoutMs) : undefined;
    const warned = new Set<string>();
    let lastMessage = '';
    try {
      const events = watchObjects(this.api, {
        path: `${apps(ref.namespace)}/deployments`,
        fieldSelector: `metadata.name=${ref.name}`,
        convert: (raw) => parse(deploymentSchema, raw, 'Deployment'),
        signal: inner.signal,
        ...this.watchTuning,
      });
      for await (const event of events) {
        throwIfAborted(outer);
        if (inner.signal.aborted) break;
        let d: Deployment | undefined;
        if (event.type === 'synced') {
          d = event.objects[0];
          if (!d) throw new ProdlikeError('not-found', `Deployment "${ref.name}" was not found in namespace "${ref.namespace}".`, 'Check the workload name and namespace (prodlike status lists them).');
        } else if (event.type === 'reconnecting') {
          yield { type: 'warning', message: `Lost the watch on deployment "${ref.name}" (${event.reason}); reconnecting (attempt ${event.attempt}).` };
          continue;
        } else if (event.type === 'deleted') {
          yield { type: 'failed', reason: 'Deleted', message: `deployment "${ref.name}" was deleted during the rollout` };
          return;
        } else {
          d = event.object;
        }
        if (d.spec.paused) {
          yield { type: 'paused', message: `deployment "${ref.name}" is paused; resume it to continue the rollout` };
          return;
        }
        const progress = rolloutProgress(d);
        const bad = progress.done ? [] : await this.stuckPods(d, inner.signal);
        throwIfAborted(outer);
        if (inner.signal.aborted) break;
        for (const [pod, reason] of bad) {
          if (warned.has(`${pod}/${reason}`)) continue;
          warned.add(`${pod}/${reason}`);
          yield { type: 'warning', message: `pod ${pod} is in ${reason}`, pod };
        }
        if (progress.failed) {
          const reasons = [...new Set(bad.map(([, r]) => r))];
          yield {
            type: 'failed',
            reason: 'ProgressDeadlineExceeded',
            message: `${progress.message}${reasons.length > 0 ? ` (pods in ${reasons.join(', ')}: ${bad.map(([p]) => p).join(', ')})` : ''}`,
            ...(bad.length > 0 ? { pods: bad.map(([p]) => p) } : {}),
          };
          return;
        }
        if (progress.done) {
          yield { type: 'complete', message: progress.message };
          return;
        }
        if (progress.message !== lastMessage) {
          lastMessage = progress.message;
          const s = d.status ?? {};
          yield { type: 'progress', desired: d.spec.replicas ?? 1, updated: s.updatedReplicas ?? 0, ready: s.readyReplicas ?? 0, available: s.availableReplicas ?? 0, message: progress.message };
        }
      }
      // The watch ends only when aborted: by the caller, by dispose, or by our timeout.
      throwIfAborted(outer);
      if (options.timeoutMs) {
        yield { type: 'failed', reason: 'Timeout', message: `deployment "${ref.name}" did not finish rolling out within ${options.timeoutMs / 1000} s` };
      }
    } finally {
      if (timer) clearTimeout(timer);
      outer.removeEventListener('abort', stop);
      inner.abort();
    }
  }

  async history(ref: WorkloadRef, signal?: AbortSignal): Promise<Revision[]> {
    const d = await this.deployment(ref, signal);
    return toRevisions(d, await this.replicaSets(d, signal), ref.container);
  }

  async planRollback(ref: WorkloadRef, toRevision?: number, signal?: AbortSignal): Promise<RollbackPlan> {
    const d = await this.deployment(ref, signal);
    const p = planRollbackPatch(d, await this.replicaSets(d, signal), toRevision ?? 0, ref.container);
    const plan: RollbackPlan = { workload: ref, cluster: this.identity, toRevision: p.toRevision, fromImage: p.fromImage, toImage: p.toImage, skipped: p.skipped, warnings: p.warnings, patch: p.patch };
    if (p.fromRevision !== undefined) plan.fromRevision = p.fromRevision;
    return plan;
  }

  async rollback(plan: RollbackPlan, signal?: AbortSignal): Promise<Workload> {
    if (plan.skipped) return this.getWorkload(plan.workload, signal);
    try {
      return toWorkload(await this.patch(plan.workload, plan.patch, signal), plan.workload.container);
    } catch (e) {
      if (e instanceof ProdlikeError && e.code === 'deploy-failed' && /test/i.test(e.message)) {
        throw new ProdlikeError('rollback-refused', `Deployment "${plan.workload.name}" changed since the rollback was planned.`, 'Plan the rollback again and check it.');
      }
      throw e;
    }
  }

  /**
   * The Deployment's pods. Its selector is known from an earlier look at it (a Deployment's selector
   * cannot change in apps/v1), so the Deployment and its pods are fetched at once: one round trip.
   * The Deployment is still read each time, so a deleted one is `not-found` and a Deployment deleted
   * and created again under the same name (a new uid, maybe another selector) has its pods listed
   * again with its own selector.
   */
  async pods(ref: WorkloadRef, signal?: AbortSignal): Promise<Pod[]> {
    const known = this.selectors.get(`${ref.namespace}/${ref.name}`);
    let d: Deployment;
    if (known) {
      const [current, pods] = await Promise.all([this.deployment(ref, signal), this.rawPods(ref.namespace, known.selector, signal)]);
      if (current.metadata.uid === known.uid && selectorString(current.spec.selector) === known.selector) return pods.map(toPod);
      d = current;
    } else {
      d = await this.deployment(ref, signal);
    }
    this.remember(d);
    return (await this.rawPods(ref.namespace, selectorString(d.spec.selector), signal)).map(toPod);
  }

  async *watchPods(ref: WorkloadRef, signal: AbortSignal): AsyncGenerator<WatchEvent<Pod>> {
    const d = await this.deployment(ref, signal);
    yield* watchObjects(this.api, {
      path: `${core(ref.namespace)}/pods`,
      labelSelector: selectorString(d.spec.selector),
      convert: (raw) => toPod(parse(podSchema, raw, 'Pod')),
      signal: this.signal(signal),
      ...this.watchTuning,
    });
  }

  /** One pod's log (one container) as lines with the kubelet's timestamps. See logs.ts. */
  podLogs(namespace: string, pod: string, options: LogOptions & { previous?: boolean }, signal: AbortSignal): AsyncIterable<LogLine> {
    return podLogLines(this.api, { cluster: this.identity.name, namespace, pod, options, signal: this.signal(signal) });
  }

  /**
   * The logs of every current pod of the workload, interleaved as they arrive (not ordered across
   * pods; the merged, resumable tail is src/core/logs). Pods that start later are not followed here.
   */
  async *logs(ref: WorkloadRef, options: LogOptions, signal: AbortSignal): AsyncGenerator<LogLine> {
    const pods = await this.pods(ref, signal);
    const container = options.container ?? ref.container;
    yield* mergeIterables(
      pods
        .filter((p) => p.containers.some((c) => c.state === 'running' || c.state === 'terminated'))
        .map((p) => this.podLogs(p.namespace, p.name, { ...options, ...(container ? { container } : {}) }, signal)),
    );
  }

  /** The cluster's nodes (needs `list nodes`, a cluster-scoped permission many namespace users lack: then a ProdlikeError). */
  async nodes(signal?: AbortSignal): Promise<ClusterNode[]> {
    const list = parse(listOf(nodeSchema), await this.api.request('GET', '/api/v1/nodes', { signal: this.signal(signal) }), 'Node list');
    return sortKubeNodes((list.items ?? []).map(toClusterNode));
  }

  dispose(): void {
    this.disposer.abort();
    this.api.dispose();
  }

  // ---- helpers ----

  private signal(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.disposer.signal]) : this.disposer.signal;
  }

  private remember(d: Deployment, namespace = d.metadata.namespace): void {
    if (!d.metadata.uid || !namespace) return;
    this.selectors.set(`${namespace}/${d.metadata.name}`, { uid: d.metadata.uid, selector: selectorString(d.spec.selector) });
  }

  private async deployment(ref: WorkloadRef, signal?: AbortSignal): Promise<Deployment> {
    try {
      return parse(deploymentSchema, await this.api.request('GET', `${apps(ref.namespace)}/deployments/${encodeURIComponent(ref.name)}`, { signal: this.signal(signal) }), 'Deployment');
    } catch (e) {
      if (e instanceof ProdlikeError && e.code === 'not-found') {
        this.selectors.delete(`${ref.namespace}/${ref.name}`);
        throw new ProdlikeError('not-found', `Deployment "${ref.name}" was not found in namespace "${ref.namespace}" (context ${this.identity.name}).`, 'Check the workload name and namespace in prodlike.yaml (prodlike status lists the Deployments).');
      }
      throw e;
    }
  }

  private async replicaSets(d: Deployment, signal?: AbortSignal): Promise<ReplicaSet[]> {
    const list = parse(
      listOf(replicaSetSchema),
      await this.api.request('GET', `${apps(d.metadata.namespace ?? this.defaultNamespace)}/replicasets`, { query: { labelSelector: selectorString(d.spec.selector) }, signal: this.signal(signal) }),
      'ReplicaSet list',
    );
    return list.items ?? [];
  }

  private async rawPods(namespace: string, labelSelector: string, signal?: AbortSignal) {
    const list = parse(listOf(podSchema), await this.api.request('GET', `${core(namespace)}/pods`, { query: { labelSelector }, signal: this.signal(signal) }), 'Pod list');
    return list.items ?? [];
  }

  private async patch(ref: WorkloadRef, patch: unknown, signal?: AbortSignal): Promise<Deployment> {
    const raw = await this.api.request('PATCH', `${apps(ref.namespace)}/deployments/${encodeURIComponent(ref.name)}`, { body: patch, contentType: 'application/json-patch+json', signal: this.signal(signal) });
    return parse(deploymentSchema, raw, 'Deployment');
  }

  /** Pods of the Deployment that are stuck, as [name, reason]. */
  private async stuckPods(d: Deployment, signal: AbortSignal): Promise<[string, string][]> {
    try {
      const pods = (await this.rawPods(d.metadata.namespace ?? this.defaultNamespace, selectorString(d.spec.selector), signal)).map(toPod);
      return pods.flatMap((p) => {
        const reason = stuckReason(p);
        return reason ? [[p.name, reason] as [string, string]] : [];
      });
    } catch {
      return []; // pod details are extra information; the rollout verdict does not depend on them
    }
  }
}
