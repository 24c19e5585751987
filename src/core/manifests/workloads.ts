/**
 * Workloads in the manifests: a Deployment, StatefulSet, DaemonSet or Pod by name, its pod spec,
 * its containers, and the ConfigMaps and Secrets a container reads. The container spec is validated
 * at this boundary (tolerant: unknown fields pass, wrong types are problems with a position).
 */
import { z } from 'zod';
import { ProdlikeError } from '../errors';
import type { ManifestDocument, ManifestSet, Position } from './load';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

const Quantity = z.union([z.string(), z.number()]);
const EnvVar = z
  .object({
    name: z.string(),
    value: z.string().optional(),
    valueFrom: z
      .object({
        configMapKeyRef: z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).passthrough().optional(),
        secretKeyRef: z.object({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).passthrough().optional(),
        fieldRef: z.object({ fieldPath: z.string() }).passthrough().optional(),
        resourceFieldRef: z.object({ resource: z.string() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
const EnvFrom = z
  .object({
    prefix: z.string().optional(),
    configMapRef: z.object({ name: z.string(), optional: z.boolean().optional() }).passthrough().optional(),
    secretRef: z.object({ name: z.string(), optional: z.boolean().optional() }).passthrough().optional(),
  })
  .passthrough();
const SecurityContext = z
  .object({
    runAsUser: z.number().int().optional(),
    runAsGroup: z.number().int().optional(),
    runAsNonRoot: z.boolean().optional(),
    readOnlyRootFilesystem: z.boolean().optional(),
  })
  .passthrough();
const Probe = z.record(z.string(), z.unknown());
export const ContainerSpec = z
  .object({
    name: z.string(),
    image: z.string().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    workingDir: z.string().optional(),
    env: z.array(EnvVar).optional(),
    envFrom: z.array(EnvFrom).optional(),
    ports: z.array(z.object({ containerPort: z.number().int(), protocol: z.string().optional(), name: z.string().optional() }).passthrough()).optional(),
    resources: z
      .object({ limits: z.record(z.string(), Quantity).optional(), requests: z.record(z.string(), Quantity).optional() })
      .passthrough()
      .optional(),
    securityContext: SecurityContext.optional(),
    readinessProbe: Probe.optional(),
    livenessProbe: Probe.optional(),
    startupProbe: Probe.optional(),
  })
  .passthrough();
export type ContainerSpec = z.infer<typeof ContainerSpec>;
export type PodSecurityContext = z.infer<typeof SecurityContext>;

export interface Workload {
  kind: WorkloadKind;
  name: string;
  namespace?: string;
  document: ManifestDocument;
  /** Path of the pod spec inside the document (for positionOf). */
  podSpecPath: (string | number)[];
  containers: ContainerSpec[];
  podSecurityContext?: PodSecurityContext;
  /** A user by name ("nobody"), as swarm's service spec may give it; Kubernetes only has numeric runAsUser. */
  user?: string;
  /** Where the workload is declared. */
  position: Position;
}

/** Every workload in the set, in file order. Containers that do not validate are reported by findWorkload. */
export function listWorkloads(set: ManifestSet): { kind: WorkloadKind; name: string; namespace?: string; position: Position }[] {
  return set.documents
    .filter((d) => (WORKLOAD_KINDS as readonly string[]).includes(d.kind))
    .map((d) => ({ kind: d.kind as WorkloadKind, name: d.name, namespace: d.namespace, position: d.positionOf(['metadata', 'name']) }));
}

/** The workload named `name` (optionally of one kind / in one namespace); a clear error when there is none. */
export function findWorkload(set: ManifestSet, name: string, filter: { kind?: WorkloadKind; namespace?: string } = {}): Workload {
  const doc = set.documents.find(
    (d) => d.name === name && (WORKLOAD_KINDS as readonly string[]).includes(d.kind) && (!filter.kind || d.kind === filter.kind) && (!filter.namespace || !d.namespace || d.namespace === filter.namespace),
  );
  if (!doc) {
    const known = listWorkloads(set).map((w) => `${w.kind}/${w.name}`);
    const where = set.files.length ? set.files.join(', ') : 'no manifest files';
    throw new ProdlikeError(
      'not-found',
      `No ${filter.kind ?? 'Deployment, StatefulSet, DaemonSet or Pod'} named "${name}" in ${where}.`,
      known.length ? `Workloads there: ${known.join(', ')}. Set the environment's workload in prodlike.yaml to one of them.` : 'Add the workload manifest, or point `manifests:` in prodlike.yaml at the folder that holds it.',
    );
  }
  const podSpecPath = doc.kind === 'Pod' ? ['spec'] : ['spec', 'template', 'spec'];
  const podSpec = dig(doc.object, podSpecPath) as Record<string, unknown> | undefined;
  const rawContainers = podSpec?.containers;
  if (!Array.isArray(rawContainers) || rawContainers.length === 0) {
    const pos = doc.positionOf(podSpecPath);
    throw new ProdlikeError('config-invalid', `${pos.file}:${pos.line}:${pos.column}: ${doc.kind} "${name}" has no containers.`, 'A pod spec lists its containers under spec.containers.');
  }
  const containers = rawContainers.map((c, i) => {
    const r = ContainerSpec.safeParse(c);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const path = [...podSpecPath, 'containers', i, ...(issue.path as (string | number)[])];
      const pos = doc.positionOf(path);
      throw new ProdlikeError('config-invalid', `${pos.file}:${pos.line}:${pos.column}: ${path.join('.')}: ${issue.message}`, 'Fix the container spec (see the Kubernetes API reference for Container).');
    }
    return r.data;
  });
  const psc = SecurityContext.safeParse(podSpec?.securityContext ?? {});
  return {
    kind: doc.kind as WorkloadKind,
    name: doc.name,
    namespace: doc.namespace,
    document: doc,
    podSpecPath,
    containers,
    podSecurityContext: psc.success ? psc.data : undefined,
    position: doc.positionOf(['metadata', 'name']),
  };
}

/** The named container, or the only/first one when no name is given. */
export function selectContainer(workload: Workload, name?: string): { container: ContainerSpec; index: number } {
  const index = name ? workload.containers.findIndex((c) => c.name === name) : 0;
  if (index < 0) {
    throw new ProdlikeError('not-found', `${workload.kind} "${workload.name}" has no container named "${name}".`, `Containers: ${workload.containers.map((c) => c.name).join(', ')}.`);
  }
  return { container: workload.containers[index]!, index };
}

/** Where a container field is written, e.g. containerPosition(w, 0, ['env', 2, 'value']). */
export function containerPosition(workload: Workload, index: number, path: (string | number)[] = []): Position {
  return workload.document.positionOf([...workload.podSpecPath, 'containers', index, ...path]);
}

/** ConfigMaps and Secrets the container reads, by name (env valueFrom and envFrom). */
export function referencedConfig(container: ContainerSpec): { configMaps: string[]; secrets: string[] } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const e of container.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  for (const f of container.envFrom ?? []) {
    if (f.configMapRef) configMaps.add(f.configMapRef.name);
    if (f.secretRef) secrets.add(f.secretRef.name);
  }
  return { configMaps: [...configMaps], secrets: [...secrets] };
}

/** A ConfigMap's data (and binaryData keys, as empty) from the set; undefined when it is not there. */
export function findConfigMap(set: ManifestSet, name: string, namespace?: string): Record<string, string> | undefined {
  const doc = set.documents.find((d) => d.kind === 'ConfigMap' && d.name === name && (!namespace || !d.namespace || d.namespace === namespace));
  if (!doc) return undefined;
  const data = (doc.object.data ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]));
}

export interface ResolvedEnvVar {
  name: string;
  /** Undefined when it cannot be known locally (a missing Secret, a fieldRef). */
  value?: string;
  source: 'literal' | 'configMap' | 'secret' | 'field' | 'resource';
  /** Where the value comes from: "configmap/app:GREETING", "secret/db:password", "metadata.name". */
  from?: string;
  /** Never print the value of a secret variable. */
  secret: boolean;
  /** A required reference that could not be resolved. */
  missing?: boolean;
}

/**
 * The container's environment as Kubernetes would build it: envFrom first, then env (later wins),
 * literal values as written ($(VAR) expanded), ConfigMap references from the manifests, and Secret
 * references from `secrets` — the values of a local env file the user names, keyed by the
 * variable's name (`DB_PASSWORD=…`) or by `<secret name>/<key>` (needed for envFrom secretRef).
 * Manifests never hold secret values prodlike would use: production's Secrets stay in production.
 */
export function resolveEnv(set: ManifestSet, workload: Workload, container: ContainerSpec, secrets: Record<string, string> = {}): ResolvedEnvVar[] {
  const out = new Map<string, ResolvedEnvVar>();
  const ns = workload.namespace;
  for (const f of container.envFrom ?? []) {
    const prefix = f.prefix ?? '';
    if (f.configMapRef) {
      const data = findConfigMap(set, f.configMapRef.name, ns);
      if (!data && !f.configMapRef.optional) out.set(`${prefix}*${f.configMapRef.name}`, { name: `${prefix}*`, source: 'configMap', from: `configmap/${f.configMapRef.name}`, secret: false, missing: true });
      for (const [k, v] of Object.entries(data ?? {})) out.set(prefix + k, { name: prefix + k, value: v, source: 'configMap', from: `configmap/${f.configMapRef.name}:${k}`, secret: false });
    }
    if (f.secretRef) {
      const wanted = Object.keys(secrets).filter((k) => k.startsWith(`${f.secretRef!.name}/`));
      for (const key of wanted) {
        const k = key.slice(f.secretRef.name.length + 1);
        out.set(prefix + k, { name: prefix + k, value: secrets[key], source: 'secret', from: `secret/${f.secretRef.name}:${k}`, secret: true });
      }
    }
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (vf?.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const value = findConfigMap(set, ref.name, ns)?.[ref.key];
      out.set(e.name, { name: e.name, value, source: 'configMap', from: `configmap/${ref.name}:${ref.key}`, secret: false, missing: value === undefined && !ref.optional ? true : undefined });
    } else if (vf?.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const value = secrets[e.name] ?? secrets[`${ref.name}/${ref.key}`];
      out.set(e.name, { name: e.name, value, source: 'secret', from: `secret/${ref.name}:${ref.key}`, secret: true, missing: value === undefined && !ref.optional ? true : undefined });
    } else if (vf?.fieldRef) {
      out.set(e.name, { name: e.name, source: 'field', from: vf.fieldRef.fieldPath, secret: false });
    } else if (vf?.resourceFieldRef) {
      out.set(e.name, { name: e.name, source: 'resource', from: vf.resourceFieldRef.resource, secret: false });
    } else {
      out.set(e.name, { name: e.name, value: expandDependentVars(e.value ?? '', out), source: 'literal', secret: false });
    }
  }
  for (const [key, v] of out) if (key.includes('*') && !v.missing) out.delete(key);
  return [...out.values()];
}

/** Kubernetes expands $(VAR) in env values with variables defined earlier; $$ escapes. */
function expandDependentVars(value: string, defined: Map<string, ResolvedEnvVar>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    const v = defined.get(name!);
    return v?.value !== undefined ? v.value : m;
  });
}

function dig(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}
