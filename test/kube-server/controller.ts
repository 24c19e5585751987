// The rollout controller of the test server: what kube-controller-manager's deployment and
// replicaset controllers and a kubelet would do, reduced to what prodlike and kubectl observe.
//
// - One ReplicaSet per pod-template hash, numbered by `deployment.kubernetes.io/revision`; going back
//   to an old template reuses its ReplicaSet and gives it a NEW number (as Kubernetes does).
// - RollingUpdate in surge/unavailable steps; Recreate scales the old ones to zero first.
// - Pods run at once and become ready `readyDelayMs` after they start, unless their image is marked
//   broken ('pull' → ErrImagePull/ImagePullBackOff, 'crash' → CrashLoopBackOff): those never become
//   ready, so `progressDeadlineSeconds` (scaled by `timeScale`) expires → ProgressDeadlineExceeded.
// - revisionHistoryLimit old ReplicaSets with no replicas are kept; older ones are deleted.
// - Pods are bound to nodes (nodes.ts). A node marked NotReady makes its pods unready at once and,
//   after `evictionDelayMs` (the 300 s not-ready toleration, scaled), deletes them: their
//   ReplicaSets create replacements, which go to the nodes that are still ready.
//
// Time is real but scalable: deadlines are `progressDeadlineSeconds * 1000 * timeScale` ms, so a
// test with the default 600 s deadline waits 600 * timeScale ms.
//
// The controller is change-driven, as the real ones are (informers and work queues), so that a server
// holding thousands of pods spends no time on the ones that do not change. Each store write marks
// what it touches: the object itself and its owner (pod → ReplicaSet → Deployment), and for a node
// its pods and the pods waiting for a node. A pass, run right after the writes, syncs only what is
// marked. What falls due with time alone (a pod's readiness, a crash-loop restart, a progress
// deadline, a node's eviction) is put in a due-time queue served by one timer set for the earliest
// instant, so every transition still happens within a few milliseconds of being due.
import { type Change, type KubeObject, type Part, type Store, resourceByPlural, shortHash, stableJson, type ResourceType } from './store';
import type { PodLogs } from './logs';
import { nodeAddress, readyStatus, schedulable, withReady } from './nodes';

export type BrokenMode = 'pull' | 'crash';

export interface ControllerOptions {
  readyDelayMs: number;
  timeScale: number;
  /** ms from a node going NotReady until its pods are evicted (default 300 s × timeScale). */
  evictionDelayMs: number;
}

const DEPLOYMENTS = resourceByPlural('deployments')!;
const REPLICASETS = resourceByPlural('replicasets')!;
const PODS = resourceByPlural('pods')!;
const EVENTS = resourceByPlural('events')!;
const NODES = resourceByPlural('nodes')!;

const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX = 'deployment.kubernetes.io/max-replicas';
// Annotations the deployment controller does not copy from a Deployment to its ReplicaSets.
const NOT_COPIED = new Set([REVISION, REVISION_HISTORY, DESIRED, MAX, 'kubectl.kubernetes.io/last-applied-configuration']);

interface PodRuntime {
  startedAt: number;
  readyAt: number;
}

/** The least time between two crash-loop restarts the controller writes (the old poll's period), so a pod crashing every millisecond does not flood watches. */
const CRASH_TICK_MS = 10;

export class RolloutController {
  readonly broken = new Map<string, BrokenMode>();
  private readonly runtime = new Map<string, PodRuntime>();
  private readonly progressAt = new Map<string, { key: string; at: number }>();
  private scheduled = false;
  private running = false;
  private stopped = false;
  private podCounter = 0;
  private eventCounter = 0;
  /** NotReady nodes → when their pods are evicted (Infinity: never). */
  private readonly evictAt = new Map<string, number>();
  /** Pods of ours waiting for a node. */
  private readonly unbound = new Set<string>();
  /** What the next pass syncs, as `namespace/name` keys. */
  private readonly dirty = { deployments: new Set<string>(), replicasets: new Set<string>(), pods: new Set<string>() };
  /** Time-driven work: `pod:ns/name`, `deployment:ns/name` or `node:name` → when it falls due (ms). */
  private readonly due = new Map<string, number>();
  private dueTimer: NodeJS.Timeout | undefined;
  /** The instant `dueTimer` is set for (Infinity: not set). */
  private armedAt = Infinity;

  constructor(
    private readonly store: Store,
    private readonly logs: PodLogs,
    readonly options: ControllerOptions,
  ) {
    store.subscribe((c) => this.changed(c));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
  }

  /** Re-examines every object once: for a change the store does not see (an image marked broken or fixed). */
  schedule(): void {
    for (const d of this.store.list(DEPLOYMENTS)) this.dirty.deployments.add(keyOf(d));
    for (const rs of this.store.list(REPLICASETS)) this.dirty.replicasets.add(keyOf(rs));
    for (const p of this.store.list(PODS)) this.dirty.pods.add(keyOf(p));
    this.soon();
  }

  /** Marks what a store write touches; a pass follows once the current task is done. */
  private changed(c: Change): void {
    const o = c.object;
    const ownerOf = (kind: string, into: Set<string>) => {
      for (const ref of o.metadata.ownerReferences ?? []) if (ref.kind === kind) into.add(`${o.metadata.namespace}/${ref.name}`);
    };
    switch (c.resource.plural) {
      case 'deployments':
        this.dirty.deployments.add(keyOf(o));
        break;
      case 'replicasets':
        this.dirty.replicasets.add(keyOf(o));
        ownerOf('Deployment', this.dirty.deployments);
        break;
      case 'pods':
        this.dirty.pods.add(keyOf(o));
        ownerOf('ReplicaSet', this.dirty.replicasets);
        break;
      case 'nodes':
        // A node's health decides its pods' readiness and address, and whether waiting pods can bind.
        for (const p of this.store.list(PODS)) if (p.spec?.nodeName === o.metadata.name) this.dirty.pods.add(keyOf(p));
        for (const key of this.unbound) this.dirty.pods.add(key);
        break;
      default:
        return;
    }
    this.soon();
  }

  private soon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  /** Puts work in the due-time queue; an earlier instant already queued for the same key wins (the sync re-queues what is still pending). */
  private dueAt(key: string, at: number): void {
    const queued = this.due.get(key);
    if (queued !== undefined && queued <= at) return;
    this.due.set(key, at);
    if (at < this.armedAt) this.arm(at);
  }

  private arm(at: number): void {
    clearTimeout(this.dueTimer);
    this.armedAt = at;
    this.dueTimer = undefined;
    if (at === Infinity || this.stopped) return;
    this.dueTimer = setTimeout(() => this.fireDue(), Math.max(0, at - Date.now()));
    this.dueTimer.unref();
  }

  private fireDue(): void {
    const now = Date.now();
    let next = Infinity;
    for (const [key, at] of this.due) {
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      this.due.delete(key);
      const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      if (kind === 'pod') this.dirty.pods.add(name);
      else if (kind === 'deployment') this.dirty.deployments.add(name);
      else if (kind === 'node' && this.evicted(name)) for (const p of this.store.list(PODS)) if (p.spec?.nodeName === name) this.dirty.pods.add(keyOf(p));
    }
    this.arm(next);
    this.reconcile();
  }

  /** Restarts a pod's container: its log moves to `previous`, the restart count goes up, readiness starts over. */
  restartContainer(ns: string, podName: string, container?: string): void {
    const pod = this.store.mustGet(PODS, ns, podName);
    const status = pod.status?.containerStatuses?.find((c: Part) => !container || c.name === container) ?? pod.status?.containerStatuses?.[0];
    if (!status) throw new Error(`pod ${podName} has no container status yet`);
    this.logs.restart(ns, podName, status.name);
    const now = Date.now();
    this.runtime.set(`${ns}/${podName}`, { startedAt: now, readyAt: now + this.options.readyDelayMs });
    status.restartCount = (status.restartCount ?? 0) + 1;
    status.lastState = { terminated: { exitCode: 137, reason: 'Error', startedAt: status.state?.running?.startedAt, finishedAt: iso(now) } };
    status.state = { running: { startedAt: iso(now) } };
    status.ready = false;
    status.started = true;
    status.containerID = `containerd://${shortHash(`${podName}/${status.restartCount}`, 32)}`;
    pod.status.conditions = podConditions(pod, false);
    this.store.update(PODS, pod, { status: true });
    this.logs.startContainer(ns, podName, status.name, pod.spec.containers.find((c: Part) => c.name === status.name)?.image ?? '');
  }

  /**
   * What the node lifecycle controller does when a kubelet stops posting (Unknown) or posts NotReady
   * (False): the Ready condition changes, the not-ready taints go on, the node's pods turn unready,
   * and after `evictAfterMs` (default the controller's eviction delay; 0 = now) they are deleted.
   */
  markNodeNotReady(name: string, o: { status?: 'False' | 'Unknown'; reason?: string; message?: string; evictAfterMs?: number } = {}): void {
    const status = o.status ?? 'Unknown';
    const node = this.store.mustGet(NODES, undefined, name);
    const reason = o.reason ?? (status === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletNotReady');
    const message = o.message ?? (status === 'Unknown' ? 'Kubelet stopped posting node status.' : 'container runtime network not ready: NetworkReady=false');
    const at = Date.now() + (o.evictAfterMs ?? this.options.evictionDelayMs);
    this.evictAt.set(name, at);
    this.store.update(NODES, withReady(node, status, reason, message));
    this.event({ ...node, metadata: { ...node.metadata, namespace: 'default' } }, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    // Marking again restarts the toleration, so this instant replaces any queued one, even an earlier one.
    this.due.delete(`node:${name}`);
    this.dueAt(`node:${name}`, at);
  }

  markNodeReady(name: string): void {
    const node = this.store.mustGet(NODES, undefined, name);
    this.store.update(NODES, withReady(node, 'True', 'KubeletReady', 'kubelet is posting ready status'));
    this.evictAt.delete(name);
    this.event({ ...node, metadata: { ...node.metadata, namespace: 'default' } }, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
  }

  /** Whether a node's not-ready toleration has run out: every pod on it goes, including pods bound to it later. */
  private evicted(nodeName: string): boolean {
    return (this.evictAt.get(nodeName) ?? Infinity) <= Date.now();
  }

  private deletePod(pod: KubeObject): void {
    const key = keyOf(pod);
    this.store.delete(PODS, pod.metadata.namespace, pod.metadata.name);
    this.runtime.delete(key);
    this.unbound.delete(key);
    this.logs.podDeleted(pod.metadata.namespace!, pod.metadata.name);
  }

  /** The scheduler's choice: a schedulable node with the fewest pods, or undefined when none fits. */
  private pickNode(): KubeObject | undefined {
    const nodes = this.store.list(NODES).filter(schedulable);
    if (nodes.length <= 1) return nodes[0]; // no need to count pods (benches create thousands)
    const count = new Map<string, number>();
    for (const p of this.store.list(PODS)) if (p.spec?.nodeName) count.set(p.spec.nodeName, (count.get(p.spec.nodeName) ?? 0) + 1);
    return nodes.sort((a, b) => (count.get(a.metadata.name) ?? 0) - (count.get(b.metadata.name) ?? 0) || a.metadata.name.localeCompare(b.metadata.name, undefined, { numeric: true }))[0];
  }

  private nodeReady(name: string | undefined): boolean {
    if (!name) return false;
    const node = this.store.get(NODES, undefined, name);
    return node === undefined || readyStatus(node) === 'True'; // a pod bound to a node the server does not model runs
  }

  private unschedulableMessage(): string {
    const nodes = this.store.list(NODES);
    const notReady = nodes.filter((n) => readyStatus(n) !== 'True').length;
    const cordoned = nodes.filter((n) => readyStatus(n) === 'True' && n.spec?.unschedulable).length;
    const tainted = nodes.length - notReady - cordoned;
    const why = [notReady ? `${notReady} node(s) had untolerated taint {node.kubernetes.io/unreachable: }` : '', cordoned ? `${cordoned} node(s) were unschedulable` : '', tainted ? `${tainted} node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }` : ''].filter(Boolean);
    return `0/${nodes.length} nodes are available: ${why.join(', ')}. preemption: 0/${nodes.length} nodes are available.`;
  }

  /**
   * One pass over what is marked, in the order of the real controllers' effects: Deployments scale
   * their ReplicaSets, ReplicaSets create or delete pods, pods run, then the ReplicaSets' and
   * Deployments' statuses sum up their children. The pass's own writes mark objects again (a pod
   * created marks its ReplicaSet): those are synced by the next pass, and the statuses by this one
   * too, so the counts users see follow in the same pass.
   */
  reconcile(): void {
    if (this.running) return;
    this.running = true;
    try {
      const deployments = take(this.dirty.deployments);
      for (const key of deployments) this.with(DEPLOYMENTS, key, (d) => this.syncDeployment(d));
      const replicaSets = take(this.dirty.replicasets);
      for (const key of replicaSets) this.with(REPLICASETS, key, (rs) => this.syncReplicaSet(rs));
      for (const key of take(this.dirty.pods)) this.with(PODS, key, (p) => this.syncPod(p));
      for (const key of sorted(new Set([...replicaSets, ...this.dirty.replicasets]))) this.with(REPLICASETS, key, (rs) => this.syncReplicaSetStatus(rs));
      for (const key of sorted(new Set([...deployments, ...this.dirty.deployments]))) this.with(DEPLOYMENTS, key, (d) => this.syncDeploymentStatus(d));
    } finally {
      this.running = false;
    }
  }

  /** Syncs the object as it is now; one deleted since it was marked needs nothing. */
  private with(r: ResourceType, key: string, sync: (o: KubeObject) => void): void {
    const slash = key.indexOf('/');
    const o = this.store.get(r, key.slice(0, slash), key.slice(slash + 1));
    if (o) sync(o);
  }

  // ---- Deployments ----

  private ownedReplicaSets(d: KubeObject): KubeObject[] {
    return this.store
      .list(REPLICASETS, d.metadata.namespace)
      .filter((rs) => rs.metadata.ownerReferences?.some((o: Part) => o.uid === d.metadata.uid && o.controller));
  }

  private syncDeployment(d: KubeObject): void {
    const hash = templateHash(d.spec.template);
    const all = this.ownedReplicaSets(d);
    let newRs = all.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const maxRevision = Math.max(0, ...all.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    const desired = d.spec.replicas ?? 1;
    if (d.spec.paused) {
      // A paused Deployment creates no ReplicaSet and makes no rollout progress.
      return;
    }
    const surge = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge ?? '25%', desired, true);
    const copied = Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)));
    if (!newRs) {
      const template = structuredClone(d.spec.template);
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
      const selector = structuredClone(d.spec.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), 'pod-template-hash': hash };
      newRs = this.store.create(REPLICASETS, {
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: d.metadata.namespace,
          labels: { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash },
          annotations: { ...copied, [REVISION]: String(maxRevision + 1), [DESIRED]: String(desired), [MAX]: String(desired + surge) },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
        status: { replicas: 0, observedGeneration: 0 },
      });
      this.event(d, 'Normal', 'ScalingReplicaSet', `Created new replica set "${newRs.metadata.name}"`);
    } else {
      const revision = Number(newRs.metadata.annotations?.[REVISION] ?? 0);
      if (revision < maxRevision) {
        // An old template came back (rollback): its ReplicaSet gets the next revision number, and the
        // old number is remembered in revision-history, as the deployment controller does.
        const history = [newRs.metadata.annotations?.[REVISION_HISTORY], String(revision)].filter(Boolean).join(',');
        newRs.metadata.annotations = { ...copied, [REVISION]: String(maxRevision + 1), [REVISION_HISTORY]: history, [DESIRED]: String(desired), [MAX]: String(desired + surge) } as Record<string, string>;
        newRs = this.store.update(REPLICASETS, newRs);
      } else if (Object.entries(copied).some(([k, v]) => newRs!.metadata.annotations?.[k] !== v)) {
        newRs.metadata.annotations = { ...newRs.metadata.annotations, ...copied };
        newRs = this.store.update(REPLICASETS, newRs);
      }
    }
    const revision = newRs.metadata.annotations?.[REVISION];
    if (d.metadata.annotations?.[REVISION] !== revision) {
      d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [REVISION]: revision ?? '' };
      this.store.update(DEPLOYMENTS, d);
    }

    const olds = this.ownedReplicaSets(d).filter((rs) => rs.metadata.name !== newRs!.metadata.name);
    const newScaled = this.store.mustGet(REPLICASETS, newRs.metadata.namespace, newRs.metadata.name);
    if (d.spec.strategy?.type === 'Recreate') {
      for (const rs of olds) if (rs.spec.replicas !== 0) this.scale(d, rs, 0);
      const oldPods = olds.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
      if (oldPods === 0 && newScaled.spec.replicas !== desired) this.scale(d, newScaled, desired);
    } else {
      const unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
      const maxUnavailable = surge === 0 && unavailable === 0 ? 1 : unavailable;
      const total = (rs: KubeObject) => rs.spec.replicas ?? 0;
      const allReplicas = olds.reduce((n, rs) => n + total(rs), 0) + total(newScaled);
      // Scale up the new ReplicaSet within maxSurge.
      if (total(newScaled) > desired) this.scale(d, newScaled, desired);
      else if (total(newScaled) < desired) {
        const room = desired + surge - allReplicas;
        if (room > 0) this.scale(d, newScaled, Math.min(desired, total(newScaled) + room));
      }
      // Scale down old ReplicaSets: unhealthy replicas first, then as far as maxUnavailable allows.
      const current = this.ownedReplicaSets(d);
      const available = current.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      let canRemove = available - (desired - maxUnavailable);
      for (const rs of olds) {
        const fresh = current.find((x) => x.metadata.name === rs.metadata.name)!;
        let target = total(fresh);
        const unhealthy = target - (fresh.status?.availableReplicas ?? 0);
        if (unhealthy > 0) target -= unhealthy;
        const extra = Math.min(Math.max(canRemove, 0), target);
        target -= extra;
        canRemove -= extra;
        if (target !== total(fresh)) this.scale(d, fresh, target);
      }
    }
    this.cleanup(d);
  }

  private scale(d: KubeObject, rs: KubeObject, replicas: number): void {
    const up = replicas > (rs.spec.replicas ?? 0);
    rs.spec.replicas = replicas;
    this.store.update(REPLICASETS, rs);
    this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${up ? 'up' : 'down'} replica set ${rs.metadata.name} to ${replicas}`);
  }

  private cleanup(d: KubeObject): void {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const hash = templateHash(d.spec.template);
    const olds = this.ownedReplicaSets(d)
      .filter((rs) => rs.metadata.labels?.['pod-template-hash'] !== hash && (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
    for (const rs of olds.slice(0, Math.max(0, olds.length - limit))) this.store.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name);
  }

  private syncDeploymentStatus(d: KubeObject): void {
    const rss = this.ownedReplicaSets(d);
    const hash = templateHash(d.spec.template);
    const newRs = rss.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    const desired = d.spec.replicas ?? 1;
    const sum = (f: string) => rss.reduce((n, rs) => n + (rs.status?.[f] ?? 0), 0);
    const replicas = sum('replicas');
    const updated = newRs?.status?.replicas ?? 0;
    const ready = sum('readyReplicas');
    const available = sum('availableReplicas');
    const surge = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge ?? '25%', desired, true);
    const unavailable = resolveIntOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    const maxUnavailable = d.spec.strategy?.type === 'Recreate' ? desired : surge === 0 && unavailable === 0 ? 1 : unavailable;
    const now = Date.now();
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    const progressKey = `${hash}:${replicas}:${updated}:${ready}:${available}`;
    const last = this.progressAt.get(key);
    const complete = updated === desired && replicas === desired && available >= desired && newRs !== undefined;
    if (!last || last.key !== progressKey) this.progressAt.set(key, { key: progressKey, at: now });
    const progressAt = this.progressAt.get(key)!.at;
    const deadlineMs = (d.spec.progressDeadlineSeconds ?? 600) * 1000 * this.options.timeScale;
    const prevConditions: Part[] = d.status?.conditions ?? [];
    const prevProgressing = prevConditions.find((c) => c.type === 'Progressing');
    let progressing: { status: string; reason: string; message: string };
    if (d.spec.paused) {
      progressing = { status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' };
    } else if (!newRs) {
      progressing = { status: 'True', reason: 'NewReplicaSetCreated', message: 'Waiting for the new replica set' };
    } else if (complete) {
      progressing = { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` };
    } else if (prevProgressing?.reason === 'ProgressDeadlineExceeded' && last?.key === progressKey) {
      progressing = { status: 'False', reason: 'ProgressDeadlineExceeded', message: prevProgressing.message };
    } else if (now - progressAt > deadlineMs) {
      progressing = { status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` };
    } else {
      progressing = { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRs.metadata.name}" is progressing.` };
      // Checked again the first millisecond past the deadline, unless progress moves it first.
      this.dueAt(`deployment:${key}`, progressAt + deadlineMs + 1);
    }
    const availableOk = available >= desired - maxUnavailable;
    const conditions = [
      condition(prevConditions, 'Available', availableOk ? 'True' : 'False', availableOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', availableOk ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
      condition(prevConditions, 'Progressing', progressing.status, progressing.reason, progressing.message),
    ];
    const status: Part = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, (replicas > desired ? replicas : desired) - available),
      conditions,
    } as Part;
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) if (status[k] === 0) delete status[k];
    if (stableJson(status) !== stableJson(d.status ?? {})) {
      if (progressing.reason === 'ProgressDeadlineExceeded' && prevProgressing?.reason !== 'ProgressDeadlineExceeded') {
        this.event(d, 'Warning', 'ProgressDeadlineExceeded', progressing.message);
      }
      d.status = status;
      this.store.update(DEPLOYMENTS, d, { status: true });
    }
  }

  // ---- ReplicaSets and pods ----

  private podsOf(rs: KubeObject): KubeObject[] {
    return this.store.list(PODS, rs.metadata.namespace).filter((p) => p.metadata.ownerReferences?.some((o: Part) => o.uid === rs.metadata.uid));
  }

  private syncReplicaSet(rs: KubeObject): void {
    const pods = this.podsOf(rs);
    const want = rs.spec.replicas ?? 0;
    for (let i = pods.length; i < want; i++) this.createPod(rs);
    if (pods.length > want) {
      // Delete not-ready pods first, then the newest (as the ReplicaSet controller ranks them).
      const ranked = pods.sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || b.metadata.name.localeCompare(a.metadata.name));
      for (const p of ranked.slice(0, pods.length - want)) this.deletePod(p);
    }
  }

  private createPod(rs: KubeObject): void {
    const name = `${rs.metadata.name}-${shortHash(`${rs.metadata.uid}/${++this.podCounter}`, 5)}`;
    const template = structuredClone(rs.spec.template);
    const node = this.pickNode();
    const pod = this.store.create(PODS, {
      metadata: {
        name,
        namespace: rs.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...template.spec, ...(node ? { nodeName: node.metadata.name } : {}) },
      status: node
        ? { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] }
        : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: this.unschedulableMessage(), lastTransitionTime: iso(Date.now()) }] },
    });
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (!node) {
      this.unbound.add(key);
      this.event(pod, 'Warning', 'FailedScheduling', this.unschedulableMessage());
      return;
    }
    const now = Date.now();
    this.runtime.set(key, { startedAt: now, readyAt: now + this.options.readyDelayMs });
  }

  /** Binds a waiting pod once a node can take it (as the scheduler retries). */
  private bind(pod: KubeObject): boolean {
    const node = this.pickNode();
    if (!node) return false;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    pod.spec.nodeName = node.metadata.name;
    this.store.update(PODS, pod);
    this.unbound.delete(key);
    const now = Date.now();
    this.runtime.set(key, { startedAt: now, readyAt: now + this.options.readyDelayMs });
    return true;
  }

  private syncPod(pod: KubeObject): void {
    const key = keyOf(pod);
    if (pod.spec?.nodeName && this.evicted(pod.spec.nodeName)) {
      this.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      this.deletePod(pod);
      return;
    }
    if (this.unbound.has(key)) {
      if (!this.bind(pod)) return;
      pod = this.store.mustGet(PODS, pod.metadata.namespace, pod.metadata.name);
    }
    const rt = this.runtime.get(key);
    if (!rt) return; // pods created through the API by a test stay as they were written
    // A pod on a NotReady node is marked unready (its containers may run; nobody can tell).
    const nodeReady = this.nodeReady(pod.spec.nodeName);
    const now = Date.now();
    const before = stableJson(pod.status);
    const previous: Part[] = pod.status?.containerStatuses ?? [];
    const statuses = (pod.spec.containers as Part[]).map((c) => {
      const prev = previous.find((s) => s.name === c.name);
      const mode = this.broken.get(c.image);
      const base = { name: c.name, image: c.image, restartCount: prev?.restartCount ?? 0 };
      if (mode === 'pull') {
        return { ...base, ready: false, started: false, imageID: '', state: { waiting: { reason: prev ? 'ImagePullBackOff' : 'ErrImagePull', message: `Back-off pulling image "${c.image}"` } } };
      }
      if (mode === 'crash') {
        const period = Math.max(1, this.options.readyDelayMs);
        const restarts = Math.max(1, Math.floor((now - rt.startedAt) / period) + 1);
        this.dueAt(`pod:${key}`, Math.max(rt.startedAt + restarts * period, now + CRASH_TICK_MS));
        return {
          ...base,
          restartCount: restarts,
          ready: false,
          started: false,
          imageID: imageId(c.image),
          containerID: `containerd://${shortHash(`${key}/${c.name}/${restarts}`, 32)}`,
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: iso(now) } },
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${pod.metadata.name}` } },
        };
      }
      if (!prev?.state?.running) this.logs.startContainer(pod.metadata.namespace!, pod.metadata.name, c.name, c.image);
      if (now < rt.readyAt) this.dueAt(`pod:${key}`, rt.readyAt);
      return {
        ...base,
        ...(prev?.lastState ? { lastState: prev.lastState } : {}),
        ready: now >= rt.readyAt && nodeReady,
        started: true,
        imageID: imageId(c.image),
        containerID: prev?.containerID ?? `containerd://${shortHash(`${key}/${c.name}/0`, 32)}`,
        state: { running: { startedAt: prev?.state?.running?.startedAt ?? iso(rt.startedAt) } },
      };
    });
    const ready = statuses.every((s) => s.ready);
    const pulling = statuses.some((s) => s.state.waiting && s.state.waiting.reason !== 'CrashLoopBackOff');
    pod.status = {
      phase: pulling ? 'Pending' : 'Running',
      conditions: podConditions(pod, ready),
      hostIP: this.hostIP(pod.spec.nodeName),
      podIP: `10.1.0.${(Number.parseInt(shortHash(key, 2), 36) % 250) + 2}`,
      startTime: iso(rt.startedAt),
      containerStatuses: statuses,
    };
    // Only a change in what a user sees counts: lastTransitionTime churn would flood watches.
    if (stableJson(withoutTimes(pod.status)) === stableJson(withoutTimes(JSON.parse(before ?? '{}')))) return;
    for (const s of statuses) {
      const reason = s.state.waiting?.reason;
      if (reason && reason !== previous.find((p) => p.name === s.name)?.state?.waiting?.reason) this.event(pod, 'Warning', reason === 'CrashLoopBackOff' ? 'BackOff' : 'Failed', s.state.waiting!.message);
    }
    this.store.update(PODS, pod, { status: true });
  }

  private hostIP(nodeName: string | undefined): string {
    const node = nodeName ? this.store.get(NODES, undefined, nodeName) : undefined;
    return (node && nodeAddress(node)) ?? '10.0.0.1';
  }

  private syncReplicaSetStatus(rs: KubeObject): void {
    const pods = this.podsOf(rs);
    const ready = pods.filter(isReady).length;
    const status: Part = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    } as Part;
    for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const) if (status[k] === 0) delete status[k];
    if (stableJson(status) !== stableJson(rs.status ?? {})) {
      rs.status = status;
      this.store.update(REPLICASETS, rs, { status: true });
    }
  }

  event(on: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const resource = resourceByPlural(`${String(on.kind).toLowerCase()}s`) as ResourceType;
    const now = iso(Date.now());
    this.store.create(EVENTS, {
      metadata: { name: `${on.metadata.name}.${(++this.eventCounter).toString(16).padStart(16, '0')}`, namespace: on.metadata.namespace },
      involvedObject: { apiVersion: on.apiVersion, kind: resource.kind, name: on.metadata.name, namespace: on.metadata.namespace, uid: on.metadata.uid, resourceVersion: on.metadata.resourceVersion },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: on.kind === 'Pod' ? 'kubelet' : 'deployment-controller' },
    });
  }
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}

/** The keys in the order the store lists objects (namespace, then name): pods go to nodes in the same order whatever order the writes came in. */
function sorted(keys: Iterable<string>): string[] {
  const split = (k: string) => [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)] as const;
  return [...keys].sort((a, b) => {
    const [an, am] = split(a);
    const [bn, bm] = split(b);
    return an.localeCompare(bn) || am.localeCompare(bm);
  });
}

/** The marked keys, in order, leaving the set empty for the marks the pass's own writes make. */
function take(keys: Set<string>): string[] {
  const out = sorted(keys);
  keys.clear();
  return out;
}

function condition(prev: Part[], type: string, status: string, reason: string, message: string): Part {
  const old = prev.find((c) => c.type === type);
  const now = iso(Date.now());
  const same = old && old.status === status && old.reason === reason;
  return {
    type,
    status,
    lastUpdateTime: same ? old.lastUpdateTime : now,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
    reason,
    message,
  } as Part;
}

function podConditions(pod: KubeObject, ready: boolean): Part[] {
  const prev: Part[] = pod.status?.conditions ?? [];
  const at = (type: string, status: string) => {
    const old = prev.find((c) => c.type === type);
    return { type, status, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : iso(Date.now()) };
  };
  const r = ready ? 'True' : 'False';
  return [at('Initialized', 'True'), at('Ready', r), at('ContainersReady', r), at('PodScheduled', 'True')];
}

function withoutTimes(status: Part): unknown {
  return { ...status, conditions: (status?.conditions ?? []).map((c: Part) => ({ type: c.type, status: c.status })), containerStatuses: (status?.containerStatuses ?? []).map((c: Part) => ({ ...c, lastState: c.lastState ? Object.keys(c.lastState) : undefined })) };
}

function isReady(pod: KubeObject): boolean {
  return pod.status?.conditions?.some((c: Part) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The pod-template-hash of a template (without its own hash label), stable across key order. */
export function templateHash(template: KubeObject): string {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels['pod-template-hash'];
  return shortHash(stableJson(t), 10);
}

export function resolveIntOrPercent(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function imageId(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image;
  return `${image.split(':')[0]}@sha256:${shortHash(image, 8).padEnd(64, '0')}`;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
