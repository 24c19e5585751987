/**
 * The parts of Kubernetes objects prodlike reads, validated where they come in (tolerant: unknown
 * fields pass through untouched, so a patch built from an object never drops what we do not model),
 * and how they read to a user (Workload, Revision, Pod).
 */
import { z } from 'zod';
import { ProdlikeError } from '../errors';
import type { Condition, Pod, Revision, Workload, WorkloadState } from '../cluster/types';

const stringMap = z.record(z.string(), z.string());

const metadata = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.number().optional(),
    creationTimestamp: z.string().optional(),
    labels: stringMap.nullish(),
    annotations: stringMap.nullish(),
    ownerReferences: z.array(z.object({ uid: z.string(), kind: z.string(), name: z.string(), controller: z.boolean().optional() }).passthrough()).nullish(),
  })
  .passthrough();

const container = z.object({ name: z.string(), image: z.string().optional() }).passthrough();

const podTemplate = z
  .object({
    metadata: z.object({ labels: stringMap.nullish(), annotations: stringMap.nullish() }).passthrough().nullish(),
    spec: z.object({ containers: z.array(container) }).passthrough(),
  })
  .passthrough();

const labelSelector = z
  .object({
    matchLabels: stringMap.nullish(),
    matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).nullish() })).nullish(),
  })
  .passthrough();

const condition = z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional(), lastUpdateTime: z.string().optional() }).passthrough();

export const deploymentSchema = z
  .object({
    metadata,
    spec: z
      .object({
        replicas: z.number().optional(),
        paused: z.boolean().optional(),
        revisionHistoryLimit: z.number().optional(),
        progressDeadlineSeconds: z.number().optional(),
        selector: labelSelector,
        template: podTemplate,
      })
      .passthrough(),
    status: z
      .object({
        observedGeneration: z.number().optional(),
        replicas: z.number().optional(),
        updatedReplicas: z.number().optional(),
        readyReplicas: z.number().optional(),
        availableReplicas: z.number().optional(),
        conditions: z.array(condition).nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type Deployment = z.infer<typeof deploymentSchema>;

export const replicaSetSchema = z
  .object({
    metadata,
    spec: z.object({ replicas: z.number().optional(), template: podTemplate }).passthrough(),
    status: z.object({ replicas: z.number().optional() }).passthrough().nullish(),
  })
  .passthrough();
export type ReplicaSet = z.infer<typeof replicaSetSchema>;

const containerStatus = z
  .object({
    name: z.string(),
    image: z.string().optional(),
    imageID: z.string().optional(),
    containerID: z.string().optional(),
    ready: z.boolean().optional(),
    restartCount: z.number().optional(),
    state: z.record(z.string(), z.object({ reason: z.string().optional(), message: z.string().optional() }).passthrough().nullish()).nullish(),
  })
  .passthrough();

export const podSchema = z
  .object({
    metadata,
    spec: z.object({ nodeName: z.string().optional(), containers: z.array(container) }).passthrough(),
    status: z
      .object({ phase: z.string().optional(), conditions: z.array(condition).nullish(), containerStatuses: z.array(containerStatus).nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type KubePod = z.infer<typeof podSchema>;

export const namespaceSchema = z.object({ metadata }).passthrough();

export function listOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ metadata: z.object({ resourceVersion: z.string().optional() }).passthrough().optional(), items: z.array(item).nullish() }).passthrough();
}

/** Parses what the API server sent; a shape we cannot use is an error that names the object. */
export function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ProdlikeError('internal', `The API server sent a ${what} prodlike cannot read (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'unexpected shape'}).`);
  }
  return r.data;
}

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const POD_TEMPLATE_HASH = 'pod-template-hash';

const DIGEST = /@(sha256:[a-f0-9]{64})$/;
export const digestOf = (image: string): string | undefined => DIGEST.exec(image)?.[1];

export function containerOf(template: Deployment['spec']['template'], name?: string): { name: string; image: string; index: number } {
  const containers = template.spec.containers;
  const index = name ? containers.findIndex((c) => c.name === name) : 0;
  const c = containers[index];
  if (!c) {
    throw new ProdlikeError('not-found', `There is no container "${name}" (containers: ${containers.map((x) => x.name).join(', ')}).`, 'Name one of these containers in prodlike.yaml.');
  }
  return { name: c.name, image: c.image ?? '', index };
}

/** kubectl rollout status's rules, as one line a user reads (and whether the rollout is done). */
export function rolloutProgress(d: Deployment): { done: boolean; failed: boolean; message: string } {
  const name = d.metadata.name;
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' };
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  const desired = d.spec.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < desired) return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...` };
  const replicas = s.replicas ?? 0;
  if (replicas > updated) return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...` };
  const available = s.availableReplicas ?? 0;
  if (available < updated) return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...` };
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}

export function toWorkload(d: Deployment, containerName?: string): Workload {
  const s = d.status ?? {};
  const conditions: Condition[] = (s.conditions ?? []).map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) }));
  const containers = d.spec.template.spec.containers;
  const c = (containerName ? containers.find((x) => x.name === containerName) : undefined) ?? containers[0];
  const image = c?.image ?? '';
  const progress = rolloutProgress(d);
  const state: WorkloadState = d.spec.paused ? 'paused' : progress.failed ? 'failed' : progress.done ? 'complete' : 'progressing';
  const revision = Number(d.metadata.annotations?.[REVISION_ANNOTATION]);
  const w: Workload = {
    kind: 'Deployment',
    namespace: d.metadata.namespace ?? 'default',
    name: d.metadata.name,
    desired: d.spec.replicas ?? 1,
    ready: s.readyReplicas ?? 0,
    updated: s.updatedReplicas ?? 0,
    available: s.availableReplicas ?? 0,
    image,
    paused: d.spec.paused ?? false,
    conditions,
    state,
    labels: { ...(d.metadata.labels ?? {}) },
  };
  const digest = digestOf(image);
  if (digest) w.digest = digest;
  if (Number.isInteger(revision) && revision > 0) w.revision = revision;
  if (d.metadata.creationTimestamp) w.createdAt = d.metadata.creationTimestamp;
  return w;
}

/** ReplicaSets that belong to a Deployment: controlled by it (as kubectl checks), not just matching labels. */
export function ownedBy(d: Deployment, rss: ReplicaSet[]): ReplicaSet[] {
  return rss.filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.controller && o.uid === d.metadata.uid));
}

export const revisionOf = (rs: ReplicaSet): number => {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : 0;
};

/** A template without the pod-template-hash label: what kubectl compares and restores. */
export function templateWithoutHash(template: Deployment['spec']['template']): Deployment['spec']['template'] {
  const t = structuredClone(template);
  if (t.metadata?.labels) {
    const { [POD_TEMPLATE_HASH]: _hash, ...rest } = t.metadata.labels;
    t.metadata.labels = rest;
  }
  return t;
}

export function sameTemplate(a: Deployment['spec']['template'], b: Deployment['spec']['template']): boolean {
  return stable(templateWithoutHash(a)) === stable(templateWithoutHash(b));
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null && !(typeof x === 'object' && !Array.isArray(x) && Object.keys(x as object).length === 0))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function toRevisions(d: Deployment, rss: ReplicaSet[], containerName?: string): Revision[] {
  const current = Number(d.metadata.annotations?.[REVISION_ANNOTATION]);
  return ownedBy(d, rss)
    .map((rs) => {
      const number = revisionOf(rs);
      const containers = rs.spec.template.spec.containers;
      const image = ((containerName ? containers.find((c) => c.name === containerName) : undefined) ?? containers[0])?.image ?? '';
      const r: Revision = { number, image, current: number === current || (!current && sameTemplate(rs.spec.template, d.spec.template)) };
      const digest = digestOf(image);
      if (digest) r.digest = digest;
      const cause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
      if (cause) r.cause = cause;
      if (rs.metadata.creationTimestamp) r.createdAt = rs.metadata.creationTimestamp;
      return r;
    })
    .filter((r) => r.number > 0)
    .sort((a, b) => a.number - b.number);
}

const BAD_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'InvalidImageName']);

export function toPod(p: KubePod): Pod {
  const statuses = p.status?.containerStatuses ?? [];
  const pod: Pod = {
    namespace: p.metadata.namespace ?? 'default',
    name: p.metadata.name,
    phase: p.status?.phase ?? 'Pending',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    containers: p.spec.containers.map((c) => {
      const s = statuses.find((x) => x.name === c.name);
      const [stateName, detail] = Object.entries(s?.state ?? {}).find(([, v]) => v) ?? [];
      return {
        name: c.name,
        image: c.image ?? '',
        ...(s?.imageID ? { imageID: s.imageID } : {}),
        ...(s?.containerID ? { containerID: s.containerID } : {}),
        ...(stateName ? { state: stateName } : {}),
        ...(detail?.reason ? { reason: detail.reason } : {}),
      };
    }),
    labels: { ...(p.metadata.labels ?? {}) },
  };
  if (p.spec.nodeName) pod.node = p.spec.nodeName;
  if (p.metadata.creationTimestamp) pod.createdAt = p.metadata.creationTimestamp;
  return pod;
}

/** The reason a pod is stuck (CrashLoopBackOff, ImagePullBackOff…), if it is. */
export function stuckReason(p: Pod): string | undefined {
  return p.containers.find((c) => c.reason && BAD_WAITING.has(c.reason))?.reason;
}

export function selectorString(selector: Deployment['spec']['selector']): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
