// The object store behind the test server: one resourceVersion counter for everything (as etcd's
// revision), a history of changes for watches to replay, and a compaction point below which a watch
// gets `410 Gone`, as a real API server does after etcd compacts.
import { createHash, randomUUID } from 'node:crypto';

// Kubernetes objects are open-ended JSON; the store treats them structurally.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any> & { metadata: Metadata };
/** Any nested part of an object (a condition, a container status). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Part = any;
export interface Metadata {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  deletionTimestamp?: string;
  [key: string]: unknown;
}

export interface ResourceType {
  plural: string;
  singular: string;
  kind: string;
  group: '' | 'apps';
  version: 'v1';
  namespaced: boolean;
  shortNames?: string[];
  subresources?: string[];
}

export const RESOURCES: ResourceType[] = [
  { plural: 'namespaces', singular: 'namespace', kind: 'Namespace', group: '', version: 'v1', namespaced: false, shortNames: ['ns'] },
  { plural: 'nodes', singular: 'node', kind: 'Node', group: '', version: 'v1', namespaced: false, shortNames: ['no'], subresources: ['status'] },
  { plural: 'pods', singular: 'pod', kind: 'Pod', group: '', version: 'v1', namespaced: true, shortNames: ['po'], subresources: ['log', 'status'] },
  { plural: 'events', singular: 'event', kind: 'Event', group: '', version: 'v1', namespaced: true, shortNames: ['ev'] },
  { plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true, shortNames: ['cm'] },
  { plural: 'secrets', singular: 'secret', kind: 'Secret', group: '', version: 'v1', namespaced: true },
  { plural: 'deployments', singular: 'deployment', kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true, shortNames: ['deploy'], subresources: ['status', 'scale'] },
  { plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', group: 'apps', version: 'v1', namespaced: true, shortNames: ['rs'], subresources: ['status', 'scale'] },
];

export const apiVersionOf = (r: ResourceType): string => (r.group ? `${r.group}/${r.version}` : r.version);
export const resourceByPlural = (plural: string): ResourceType | undefined => RESOURCES.find((r) => r.plural === plural);
export const qualifiedName = (r: ResourceType): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface Change {
  rv: number;
  type: ChangeType;
  resource: ResourceType;
  object: KubeObject;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string },
  ) {
    super(message);
  }
  toStatus(): KubeObject {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {} as Metadata,
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details ?? {},
      code: this.code,
    };
  }
}

export class Store {
  private rv = 1;
  /** Watches from a resourceVersion below this get 410 Gone. */
  compactedBelow = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  private uidCounter = 0;
  now: () => Date = () => new Date();

  constructor() {
    for (const r of RESOURCES) this.objects.set(r.plural, new Map());
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  private table(r: ResourceType): Map<string, KubeObject> {
    return this.objects.get(r.plural)!;
  }

  private key(ns: string | undefined, name: string): string {
    return `${ns ?? ''}/${name}`;
  }

  get(r: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.table(r).get(this.key(r.namespaced ? ns : undefined, name));
    return o ? structuredClone(o) : undefined;
  }

  mustGet(r: ResourceType, ns: string | undefined, name: string): KubeObject {
    const o = this.get(r, ns, name);
    if (!o) throw notFound(r, name);
    return o;
  }

  list(r: ResourceType, ns?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.table(r).values()) if (!r.namespaced || ns === undefined || o.metadata.namespace === ns) out.push(structuredClone(o));
    return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  create(r: ResourceType, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.apiVersion = apiVersionOf(r);
    o.kind = r.kind;
    if (!o.metadata?.name) {
      if (o.metadata?.generateName) o.metadata.name = `${o.metadata.generateName}${shortHash(String(++this.uidCounter + this.rv), 5)}`;
      else throw new ApiError(422, 'Invalid', `${r.kind} is invalid: metadata.name: Required value: name or generateName is required`);
    }
    if (r.namespaced && !o.metadata.namespace) throw new ApiError(400, 'BadRequest', 'the namespace of the object is required');
    if (!r.namespaced) delete o.metadata.namespace;
    if (r.namespaced && r.plural !== 'events' && !this.table(resourceByPlural('namespaces')!).has(this.key(undefined, o.metadata.namespace!))) {
      throw new ApiError(404, 'NotFound', `namespaces "${o.metadata.namespace}" not found`, { name: o.metadata.namespace, kind: 'namespaces' });
    }
    const key = this.key(o.metadata.namespace, o.metadata.name);
    if (this.table(r).has(key)) {
      throw new ApiError(409, 'AlreadyExists', `${qualifiedName(r)} "${o.metadata.name}" already exists`, { name: o.metadata.name, group: r.group, kind: r.plural });
    }
    o.metadata.uid = o.metadata.uid ?? this.newUid();
    o.metadata.creationTimestamp = this.now().toISOString().replace(/\.\d+Z$/, 'Z');
    if (hasSpec(r)) o.metadata.generation = 1;
    return this.commit(r, key, o, 'ADDED');
  }

  /** Replaces an object (PUT semantics); keeps server-owned fields and bumps generation when the spec changes. */
  update(r: ResourceType, obj: KubeObject, options: { status?: boolean } = {}): KubeObject {
    const key = this.key(r.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    const cur = this.table(r).get(key);
    if (!cur) throw notFound(r, obj.metadata.name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(r)} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`, { name: obj.metadata.name, group: r.group, kind: r.plural });
    }
    const o = structuredClone(obj);
    o.apiVersion = apiVersionOf(r);
    o.kind = r.kind;
    o.metadata.uid = cur.metadata.uid;
    o.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    if (options.status) {
      o.spec = cur.spec;
      o.metadata = { ...cur.metadata };
    } else if (hasSpec(r)) {
      o.status = cur.status;
      o.metadata.generation = (cur.metadata.generation ?? 1) + (JSON.stringify(cur.spec) !== JSON.stringify(o.spec) ? 1 : 0);
    }
    if (JSON.stringify(o) === JSON.stringify({ ...cur, metadata: { ...cur.metadata, resourceVersion: o.metadata.resourceVersion ?? cur.metadata.resourceVersion } })) {
      return structuredClone(cur); // a no-op write does not bump resourceVersion (as the API server)
    }
    return this.commit(r, key, o, 'MODIFIED');
  }

  delete(r: ResourceType, ns: string | undefined, name: string): KubeObject {
    const key = this.key(r.namespaced ? ns : undefined, name);
    const cur = this.table(r).get(key);
    if (!cur) throw notFound(r, name);
    this.table(r).delete(key);
    const o = structuredClone(cur);
    o.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, type: 'DELETED', resource: r, object: o });
    return structuredClone(o);
  }

  private commit(r: ResourceType, key: string, o: KubeObject, type: ChangeType): KubeObject {
    o.metadata.resourceVersion = String(++this.rv);
    this.table(r).set(key, o);
    this.record({ rv: this.rv, type, resource: r, object: structuredClone(o) });
    return structuredClone(o);
  }

  private record(c: Change): void {
    this.history.push(c);
    if (this.history.length > 20000) this.history.splice(0, 10000);
    for (const l of [...this.listeners]) l(c);
  }

  /** Changes after `rv`, or undefined when that part of the history was compacted (410 Gone). */
  changesSince(rv: number): Change[] | undefined {
    if (rv < this.compactedBelow) return undefined;
    const first = this.history[0];
    if (first && rv < first.rv - 1 && this.history.length >= 10000) return undefined;
    return this.history.filter((c) => c.rv > rv).map((c) => ({ ...c, object: structuredClone(c.object) }));
  }

  /** Makes every resourceVersion up to now too old to watch from. */
  compact(): void {
    this.compactedBelow = this.rv;
  }

  subscribe(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  newUid(): string {
    return randomUUID();
  }
}

function hasSpec(r: ResourceType): boolean {
  return r.plural === 'deployments' || r.plural === 'replicasets' || r.plural === 'pods';
}

export function notFound(r: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(r)} "${name}" not found`, { name, group: r.group, kind: r.plural });
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
/** A name suffix in Kubernetes' "safe" alphabet (no vowels, no confusable characters), deterministic for its input. */
export function shortHash(input: string, length = 10): string {
  const digest = createHash('sha256').update(input).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE[digest[i]! % SAFE.length];
  return out;
}

/** JSON with sorted keys: the same template always hashes the same. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

// ---- selectors ----

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!'; values: string[] };

export function parseLabelSelector(text: string | null | undefined): Requirement[] {
  if (!text) return [];
  const out: Requirement[] = [];
  // Split on commas that are not inside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\S+?)\s*!=\s*(\S*)$/.exec(p))) out.push({ key: m[1]!, op: 'notin', values: [m[2]!] });
    else if ((m = /^(\S+?)\s*==?\s*(\S*)$/.exec(p))) out.push({ key: m[1]!, op: 'in', values: [m[2]!] });
    else if ((m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(p))) out.push({ key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((s) => s.trim()) });
    else if ((m = /^!(\S+)$/.exec(p))) out.push({ key: m[1]!, op: '!', values: [] });
    else if (/^\S+$/.test(p)) out.push({ key: p, op: 'exists', values: [] });
    else throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${p}`);
  }
  return out;
}

export function matchesLabels(labels: Record<string, string> | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
      case 'exists':
        return has;
      case '!':
        return !has;
    }
  });
}

/** Field selectors: `a.b=c`, `a.b==c`, `a.b!=c` on any dotted path (metadata.name, involvedObject.uid, status.phase…). */
export function matchesFields(obj: KubeObject, text: string | null | undefined): boolean {
  if (!text) return true;
  return text.split(',').every((part) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw new ApiError(400, 'BadRequest', `invalid field selector: ${part}`);
    let v: unknown = obj;
    for (const k of m[1]!.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    const s = v === undefined || v === null ? '' : String(v);
    return m[2] === '!=' ? s !== m[3] : s === m[3];
  });
}

/** The label selector of a Deployment or ReplicaSet spec (matchLabels + matchExpressions) as requirements. */
export function selectorRequirements(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): Requirement[] {
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) out.push({ key, op: 'in', values: [value] });
  for (const e of selector?.matchExpressions ?? []) {
    const op = e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}
