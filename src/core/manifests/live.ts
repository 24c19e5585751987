/**
 * The production workload as the live cluster runs it, in the same shape as one read from the
 * repository's manifests, so `prodlike run --from cluster` plans, runs and diffs exactly like
 * `--from manifests`.
 *
 * - Kubernetes: the Deployment as the API server holds it (its full pod template), and the
 *   ConfigMaps its containers read, fetched from the same namespace. Secrets are never read from
 *   the cluster: production's secret values stay in production; the user supplies local ones.
 * - Swarm: the service spec becomes a one-container Deployment: Command → command, Args → args,
 *   Env (always literal in swarm) → env, Dir, User, ReadOnly, Resources.Limits, EndpointSpec
 *   target ports. A non-numeric User ("nobody") is kept as written.
 *
 * The Cluster interface deliberately exposes summaries only; the full objects are read here through
 * the backend's own client (KubeCluster.api, SwarmCluster.engine), typed structurally so this
 * module never loads the Kubernetes client for swarm users.
 */
import type { Cluster, WorkloadRef } from '../cluster/types';
import { ProdlikeError, messageOf } from '../errors';
import type { Engine } from '../docker/engine';
import type { ManifestDocument, ManifestSet } from './load';
import { findWorkload, referencedConfig, type Workload } from './workloads';

/** What `prodlike run --from cluster` reads: the workload and the ConfigMaps it needs, as a manifest set. */
export interface LiveWorkload {
  manifests: ManifestSet;
  workload: Workload;
  /** Where it came from, as a user names it: "cluster test (https://127.0.0.1:6443) deployment default/web". */
  source: string;
}

interface KubeApiLike {
  request<T = unknown>(method: string, path: string, options?: { signal?: AbortSignal }): Promise<T>;
}

export async function readLiveWorkload(cluster: Cluster, ref: WorkloadRef, signal?: AbortSignal): Promise<LiveWorkload> {
  const where = `${cluster.identity.name} (${cluster.identity.server})`;
  if (cluster.identity.orchestrator === 'kubernetes') {
    const api = (cluster as Cluster & { api?: KubeApiLike }).api;
    if (!api) throw new ProdlikeError('internal', `Cannot read the pod template from ${where}.`);
    return readKube(api, ref, where, signal);
  }
  const engine = (cluster as Cluster & { engine?: Engine }).engine;
  if (!engine) throw new ProdlikeError('internal', `Cannot read the service spec from ${where}.`);
  return readSwarm(engine, ref, where, signal);
}

async function readKube(api: KubeApiLike, ref: WorkloadRef, where: string, signal?: AbortSignal): Promise<LiveWorkload> {
  const ns = encodeURIComponent(ref.namespace);
  const source = `cluster ${where}`;
  let object: Record<string, unknown>;
  try {
    object = await api.request<Record<string, unknown>>('GET', `/apis/apps/v1/namespaces/${ns}/deployments/${encodeURIComponent(ref.name)}`, { signal });
  } catch (e) {
    if (e instanceof ProdlikeError && e.code === 'not-found') {
      throw new ProdlikeError('not-found', `Deployment "${ref.name}" was not found in namespace "${ref.namespace}" of ${where}.`, 'Check the workload name and namespace (prodlike status lists the Deployments), or run from the manifests: --from manifests.');
    }
    throw e;
  }
  const set: ManifestSet = { documents: [liveDocument({ ...object, kind: 'Deployment' }, source)], files: [source], problems: [] };
  const workload = findWorkload(set, ref.name);
  const wanted = new Set(workload.containers.flatMap((c) => referencedConfig(c).configMaps));
  for (const name of wanted) {
    try {
      const cm = await api.request<Record<string, unknown>>('GET', `/api/v1/namespaces/${ns}/configmaps/${encodeURIComponent(name)}`, { signal });
      set.documents.push(liveDocument({ ...cm, kind: 'ConfigMap' }, source));
    } catch (e) {
      // A missing ConfigMap is reported by resolveEnv (unless the reference is optional), like a missing manifest.
      if (!(e instanceof ProdlikeError && e.code === 'not-found')) throw e;
    }
  }
  return { manifests: set, workload, source: `${source} deployment ${ref.namespace}/${ref.name}` };
}

/** Swarm's service spec, validated loosely: only what a local run reproduces. */
interface SwarmContainerSpec {
  Image?: string;
  Command?: string[];
  Args?: string[];
  Env?: string[];
  Dir?: string;
  User?: string;
  ReadOnly?: boolean;
}
interface SwarmServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  TaskTemplate?: { ContainerSpec?: SwarmContainerSpec; Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number } } };
  EndpointSpec?: { Ports?: { TargetPort?: number; Protocol?: string }[] };
}

async function readSwarm(engine: Engine, ref: WorkloadRef, where: string, signal?: AbortSignal): Promise<LiveWorkload> {
  const source = `swarm ${where}`;
  // Inside a stack namespace "web" is also "<stack>_web", as `docker stack` names services.
  const names = [ref.name];
  if (ref.namespace && ref.namespace !== 'default' && !ref.name.startsWith(`${ref.namespace}_`)) names.push(`${ref.namespace}_${ref.name}`);
  let spec: SwarmServiceSpec | undefined;
  for (const name of names) {
    try {
      const raw = (await engine.docker.getService(name).inspect({ abortSignal: signal } as object)) as { ID?: string; Spec?: SwarmServiceSpec };
      if (raw.Spec && (raw.Spec.Name === name || raw.ID === name)) {
        spec = raw.Spec;
        break;
      }
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw new ProdlikeError('engine-unreachable', `Cannot read service ${name} from ${where}: ${messageOf(e)}`, 'Check that the engine is running and is a swarm manager (prodlike doctor).');
    }
  }
  if (!spec) {
    throw new ProdlikeError('not-found', `No service "${ref.name}" on the swarm at ${where}.`, 'Check the name with `prodlike status`, or run from the manifests: --from manifests.');
  }
  const cs = spec.TaskTemplate?.ContainerSpec ?? {};
  const limits = spec.TaskTemplate?.Resources?.Limits ?? {};
  const numericUser = cs.User ? /^(\d+)(?::(\d+))?$/.exec(cs.User) : null;
  const container: Record<string, unknown> = {
    name: ref.container ?? spec.Name,
    image: cs.Image,
    ...(cs.Command?.length ? { command: cs.Command } : {}),
    ...(cs.Args?.length ? { args: cs.Args } : {}),
    ...(cs.Dir ? { workingDir: cs.Dir } : {}),
    env: (cs.Env ?? []).map((kv) => {
      const eq = kv.indexOf('=');
      return eq < 0 ? { name: kv, value: '' } : { name: kv.slice(0, eq), value: kv.slice(eq + 1).replace(/\$/g, '$$$$') };
    }),
    securityContext: {
      ...(numericUser ? { runAsUser: Number(numericUser[1]), ...(numericUser[2] !== undefined ? { runAsGroup: Number(numericUser[2]) } : {}) } : {}),
      ...(cs.ReadOnly ? { readOnlyRootFilesystem: true } : {}),
    },
    resources: {
      limits: {
        ...(limits.NanoCPUs ? { cpu: String(limits.NanoCPUs / 1e9) } : {}),
        ...(limits.MemoryBytes ? { memory: String(limits.MemoryBytes) } : {}),
      },
    },
    ports: (spec.EndpointSpec?.Ports ?? []).filter((p) => p.TargetPort).map((p) => ({ containerPort: p.TargetPort, protocol: (p.Protocol ?? 'tcp').toUpperCase() })),
  };
  const object = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ref.name, namespace: ref.namespace, labels: spec.Labels ?? {} },
    spec: { template: { spec: { containers: [container] } } },
  };
  const set: ManifestSet = { documents: [liveDocument(object, source)], files: [source], problems: [] };
  const workload = findWorkload(set, ref.name);
  if (cs.User && !numericUser) workload.user = cs.User;
  return { manifests: set, workload, source: `${source} service ${spec.Name}` };
}

/** A live object as a manifest document; it has no file, so every position is the source itself. */
function liveDocument(object: Record<string, unknown>, source: string): ManifestDocument {
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  return {
    file: source,
    index: 0,
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
    kind: String(object.kind),
    name: metadata.name ?? '',
    namespace: metadata.namespace,
    object,
    positionOf: () => ({ file: source, line: 1, column: 1 }),
  };
}
