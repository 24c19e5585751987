/**
 * Kubernetes pods as log sources: a pod watch decides which containers are read, and each
 * container instance (container ID) is one source.
 *
 * - a workload (its Deployment's selector), a label selector, or a whole namespace;
 * - pods that appear are read from their start; deleted pods end;
 * - a restarted container is a new instance: the old one is read to its end from the kubelet's
 *   `previous` log (lines it wrote after our stream broke are not lost), the new one from its start;
 * - init containers and native sidecars are marked, so the user can pick them;
 * - the Secrets the pods reference (env, envFrom, volumes, projected volumes) are read once and
 *   their values handed to the redactor before any line of those pods is read. Values are never
 *   printed; a Secret that cannot be read is reported by name only.
 *
 * Requests go through the Kubernetes backend's KubeApi (src/core/kube/api.ts): its streams end or
 * fail cleanly and take an AbortSignal; stall detection and resume are the tail's (source-stream.ts).
 */
import { messageOf, ProdlikeError } from '../errors';
import { KubeApiError } from '../kube/api';
import type { KubeCluster } from '../kube/cluster';
import { deploymentSchema, parse, selectorString } from '../kube/objects';
import { watchObjects } from '../kube/watch';
import type { BatchingLogSource } from './source-stream';
import { normalizeTime } from './timestamps';
import { SourceGoneError, instanceKey, type DiscoveryEvent, type OpenRequest, type RawLine, type SourceDiscovery, type SourceIdentity, type SourceState } from './types';

export interface KubeLogTarget {
  cluster: KubeCluster;
  namespace: string;
  /** A Deployment: its pods (by its selector). */
  workload?: string;
  /** A label selector (`app=web,tier!=db`); with neither: every pod of the namespace. */
  selector?: string;
}

// ---- the parts of a Pod the tail reads (tolerant: anything else is ignored) ----

interface ContainerStatus {
  name: string;
  containerID?: string;
  restartCount?: number;
  state?: { running?: object; terminated?: { containerID?: string }; waiting?: object };
  lastState?: { terminated?: { containerID?: string } };
}

interface PodView {
  namespace: string;
  name: string;
  node?: string;
  /** Container name → role. */
  roles: Map<string, 'app' | 'init' | 'sidecar'>;
  statuses: ContainerStatus[];
  secrets: Set<string>;
}

// Proxies a service mesh injects: sidecars, though they are ordinary containers.
const MESH_SIDECARS = /^(istio-proxy|linkerd-proxy|envoy|envoy-sidecar|cloud-sql-proxy|vault-agent)$/;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function podView(raw: unknown): PodView {
  const o = obj(raw);
  const meta = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const name = str(meta.name);
  if (!name) throw new Error('a pod without a name');
  const roles = new Map<string, 'app' | 'init' | 'sidecar'>();
  for (const c of arr(spec.initContainers)) {
    const n = str(c.name);
    // Native sidecars are init containers that keep running (restartPolicy: Always).
    if (n) roles.set(n, c.restartPolicy === 'Always' ? 'sidecar' : 'init');
  }
  for (const c of arr(spec.containers)) {
    const n = str(c.name);
    if (n) roles.set(n, MESH_SIDECARS.test(n) ? 'sidecar' : 'app');
  }
  const secrets = new Set<string>();
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    for (const e of arr(c.env)) {
      const ref = str(obj(obj(e.valueFrom).secretKeyRef).name);
      if (ref) secrets.add(ref);
    }
    for (const e of arr(c.envFrom)) {
      const ref = str(obj(e.secretRef).name);
      if (ref) secrets.add(ref);
    }
  }
  for (const v of arr(spec.volumes)) {
    const ref = str(obj(v.secret).secretName);
    if (ref) secrets.add(ref);
    for (const s of arr(obj(v.projected).sources)) {
      const p = str(obj(s.secret).name);
      if (p) secrets.add(p);
    }
  }
  const statuses = [...arr(status.initContainerStatuses), ...arr(status.containerStatuses)].map((s) => s as unknown as ContainerStatus).filter((s) => typeof s.name === 'string');
  return { namespace: str(meta.namespace) ?? 'default', name, ...(str(spec.nodeName) ? { node: str(spec.nodeName) } : {}), roles, statuses, secrets };
}

// ---- one container instance ----

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?(.*)$/s;

// What kubelets send: "2024-05-01T10:00:00.123456789Z text", the time already in normalised form.
// One regular expression test: a third of the cost of checking the characters one by one in JavaScript.
const KUBELET_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /;

/** A line of the logs API with its timestamp split off; the time is normalised (timestamps.ts) when it is one. */
export function parseStampedLine(raw: string): RawLine {
  // The logs API merges stdout and stderr and does not say which a line came from.
  if (KUBELET_STAMP.test(raw)) return { time: raw.slice(0, 30), stream: 'stdout', text: raw.slice(31) };
  const m = STAMP.exec(raw);
  return m ? { time: normalizeTime(m[1]!) ?? m[1]!, stream: 'stdout', text: m[2]! } : { stream: 'stdout', text: raw };
}

export class KubeContainerSource implements BatchingLogSource {
  /** True once the container has restarted: its log is the kubelet's `previous` one. */
  private previous = false;

  constructor(
    private readonly cluster: KubeCluster,
    readonly identity: SourceIdentity,
    private readonly restartCount: number,
  ) {}

  private get podPath(): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.identity.namespace)}/pods/${encodeURIComponent(this.identity.pod)}`;
  }

  async *open(request: OpenRequest, signal: AbortSignal): AsyncGenerator<RawLine> {
    for await (const batch of this.openBatches(request, signal)) yield* batch;
  }

  /** `open`, with the lines of each network chunk in one array (what the tail reads: one await per chunk, not per line). */
  async *openBatches(request: OpenRequest, signal: AbortSignal): AsyncGenerator<RawLine[]> {
    const query = {
      container: this.identity.container,
      timestamps: true,
      follow: request.follow && !this.previous ? true : undefined,
      previous: this.previous ? true : undefined,
      sinceTime: request.sinceTime ? `${request.sinceTime.slice(0, 19)}Z` : undefined,
      tailLines: request.tailLines !== undefined && request.tailLines >= 0 ? request.tailLines : undefined,
    };
    // The logs API names a container, not an instance: a request that reaches the kubelet after a
    // restart reads the new instance's log. So the first lines of a current-log stream are held
    // until the pod is seen still running our instance; if it has moved on, those lines may be the
    // new instance's (read by its own source), and ours are in the `previous` log: read that instead.
    let confirmed = this.previous;
    let moved = false;
    try {
      for await (const raws of this.cluster.api.lineBatches(`${this.podPath}/log`, { query, signal })) {
        if (!confirmed) {
          confirmed = true;
          const state = await this.state(signal);
          if (state === 'gone') throw new SourceGoneError('the container restarted more than once before its log was read');
          if (this.previous) {
            moved = true;
            break;
          }
        }
        yield raws.map(parseStampedLine);
      }
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) throw new SourceGoneError('the pod was deleted');
      if (e instanceof KubeApiError && e.status === 400 && /previous terminated container .* not found/.test(e.message)) throw new SourceGoneError('its log was removed');
      throw e;
    }
    if (moved) yield* this.openBatches(request, signal);
  }

  async state(signal: AbortSignal): Promise<SourceState> {
    let pod: PodView;
    try {
      pod = podView(await this.cluster.api.request('GET', this.podPath, { signal, timeoutMs: 10_000 }));
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return 'gone';
      throw e;
    }
    const s = pod.statuses.find((x) => x.name === this.identity.container);
    if (!s) return 'gone';
    if (s.containerID === this.identity.instance) {
      return s.state?.running ? 'running' : s.state?.terminated ? 'terminated' : 'running';
    }
    // Another container runs now. The kubelet keeps one previous log: ours, if it restarted once since.
    const last = s.lastState?.terminated;
    const oursIsPrevious = last?.containerID ? last.containerID === this.identity.instance : (s.restartCount ?? 0) === this.restartCount + 1;
    if (oursIsPrevious) {
      this.previous = true;
      return 'terminated';
    }
    return 'gone';
  }
}

// ---- discovery ----

export interface KubeDiscoveryOptions {
  follow: boolean;
  /** Read the referenced Secrets to mask their values (default true). */
  maskSecrets?: boolean;
  /** Watch tuning (tests). */
  watch?: { idleTimeoutMs?: number; backoffMs?: { base: number; max: number } };
}

export async function* kubeDiscovery(target: KubeLogTarget, options: KubeDiscoveryOptions, signal: AbortSignal): SourceDiscovery {
  const { cluster, namespace } = target;
  const labelSelector = await selectorFor(target, signal);
  const podsPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  const secretsRead = new Set<string>();
  /** Pod name → instance keys being read. */
  const known = new Map<string, Map<string, string>>();

  async function* secretsOf(pod: PodView): AsyncGenerator<DiscoveryEvent> {
    if (options.maskSecrets === false) return;
    for (const name of pod.secrets) {
      if (secretsRead.has(name)) continue;
      secretsRead.add(name);
      try {
        const secret = obj(await cluster.api.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`, { signal, timeoutMs: 10_000 }));
        const values = [
          ...Object.values(obj(secret.data)).map((v) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '')),
          ...Object.values(obj(secret.stringData)).map((v) => (typeof v === 'string' ? v : '')),
        ].filter((v) => v !== '');
        yield { type: 'secrets', values };
      } catch (e) {
        if (signal.aborted) return;
        const why = e instanceof KubeApiError ? (e.status === 403 ? 'not allowed to read it' : e.status === 404 ? 'it does not exist' : messageOf(e)) : messageOf(e);
        yield { type: 'notice', level: 'warning', message: `Secret "${name}" (used by pod ${pod.name}) could not be read to mask its values: ${why}. Credential patterns are still masked.` };
      }
    }
  }

  function* sync(pod: PodView): Generator<DiscoveryEvent> {
    const current = new Map<string, string>();
    for (const s of pod.statuses) {
      if (!s.containerID) continue; // not started yet: no log to read
      const identity: SourceIdentity = {
        kind: 'pod',
        cluster: cluster.identity.name,
        namespace: pod.namespace,
        pod: pod.name,
        container: s.name,
        ...(pod.node ? { node: pod.node } : {}),
        instance: s.containerID,
        role: pod.roles.get(s.name) ?? 'app',
      };
      const key = instanceKey(identity);
      current.set(s.name, key);
      const before = known.get(pod.name)?.get(s.name);
      if (before === key) continue;
      if (before) yield { type: 'down', key: before };
      yield { type: 'up', source: new KubeContainerSource(cluster, identity, s.restartCount ?? 0) };
    }
    known.set(pod.name, current);
  }

  function* removed(podName: string): Generator<DiscoveryEvent> {
    for (const key of known.get(podName)?.values() ?? []) yield { type: 'down', key };
    known.delete(podName);
  }

  if (!options.follow) {
    const list = obj(await cluster.api.request('GET', podsPath, { query: { labelSelector }, signal }));
    const pods = arr(list.items).map(podView);
    if (pods.length === 0) yield { type: 'notice', level: 'info', message: noPods(target) };
    for (const pod of pods) yield* secretsOf(pod);
    for (const pod of pods) yield* sync(pod);
    return;
  }

  let announcedEmpty = false;
  for await (const e of watchObjects(cluster.api, { path: podsPath, labelSelector, convert: podView, signal, ...options.watch })) {
    if (e.type === 'reconnecting') {
      yield { type: 'notice', level: 'warning', message: `The pod watch on ${cluster.identity.name} reconnects (attempt ${e.attempt}): ${e.reason}` };
    } else if (e.type === 'synced') {
      // A full list (first, or after 410 Gone): pods missing from it were deleted meanwhile.
      const names = new Set(e.objects.map((p) => p.name));
      for (const name of [...known.keys()]) if (!names.has(name)) yield* removed(name);
      if (e.objects.length === 0 && !announcedEmpty) {
        announcedEmpty = true;
        yield { type: 'notice', level: 'info', message: `${noPods(target)} Waiting for pods to appear.` };
      }
      for (const pod of e.objects) yield* secretsOf(pod);
      for (const pod of e.objects) yield* sync(pod);
    } else if (e.type === 'deleted') {
      yield* removed(e.object.name);
    } else {
      yield* secretsOf(e.object);
      yield* sync(e.object);
    }
  }
}

async function selectorFor(target: KubeLogTarget, signal: AbortSignal): Promise<string | undefined> {
  if (!target.workload) return target.selector;
  let raw: unknown;
  try {
    raw = await target.cluster.api.request('GET', `/apis/apps/v1/namespaces/${encodeURIComponent(target.namespace)}/deployments/${encodeURIComponent(target.workload)}`, { signal });
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) {
      throw new ProdlikeError('not-found', `There is no Deployment "${target.workload}" in namespace "${target.namespace}" (context ${target.cluster.identity.name}).`, 'List the workloads with `prodlike status`, or pass a label selector with -l.');
    }
    throw e;
  }
  const d = parse(deploymentSchema, raw, 'Deployment');
  const own = selectorString(d.spec.selector);
  return target.selector ? `${own},${target.selector}` : own;
}

function noPods(target: KubeLogTarget): string {
  const what = target.workload ? `Deployment "${target.workload}"` : target.selector ? `selector "${target.selector}"` : 'the namespace';
  return `No pods match ${what} in namespace "${target.namespace}" (context ${target.cluster.identity.name}).`;
}
