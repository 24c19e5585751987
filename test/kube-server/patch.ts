// The three patch types kubectl and prodlike send: JSON patch (RFC 6902: `rollout undo`), JSON merge
// patch (RFC 7386) and Kubernetes' strategic merge patch (`set image`, `rollout pause/resume`).
// Strategic merge only knows the merge keys of the fields prodlike and kubectl touch.

export class PatchError extends Error {}

type Json = unknown;
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let out = structuredClone(doc);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchError('invalid json patch operation');
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        out = setAt(out, path, structuredClone(raw.value), 'add');
        break;
      case 'replace':
        getAt(out, path); // must exist
        out = setAt(out, path, structuredClone(raw.value), 'replace');
        break;
      case 'remove':
        out = removeAt(out, path);
        break;
      case 'test':
        if (JSON.stringify(getAt(out, path)) !== JSON.stringify(raw.value)) throw new PatchError(`test operation failed at ${raw.path}`);
        break;
      case 'copy':
      case 'move': {
        if (typeof raw.from !== 'string') throw new PatchError('copy/move needs from');
        const from = parsePointer(raw.from);
        const value = structuredClone(getAt(out, from));
        if (raw.op === 'move') out = removeAt(out, from);
        out = setAt(out, path, value, 'add');
        break;
      }
      default:
        throw new PatchError(`unknown json patch op ${raw.op}`);
    }
  }
  return out;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid json pointer ${p}`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: Json, path: string[]): Json {
  let cur: Json = doc;
  for (const key of path) {
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isObject(cur)) cur = cur[key];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`path /${path.join('/')} does not exist`);
  }
  return cur;
}

function setAt(doc: Json, path: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (path.length === 0) return value;
  const parent = getAt(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchError(`cannot set /${path.join('/')}`);
  }
  return doc;
}

function removeAt(doc: Json, path: string[]): Json {
  const parent = getAt(doc, path.slice(0, -1));
  const key = path[path.length - 1]!;
  getAt(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isObject(parent)) delete parent[key];
  return doc;
}

export function applyMergePatch(doc: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(doc) ? structuredClone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** Merge keys of the lists strategic merge patch merges instead of replacing (k8s.io/api's patchMergeKey tags). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  tolerations: 'key',
  hostAliases: 'ip',
};

export function applyStrategicMergePatch(doc: Json, patch: Json, field = ''): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: JsonObject = isObject(doc) ? structuredClone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    // Directives that only order or retain keys: the result is the same for the fields we model.
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const list = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[list];
      if (Array.isArray(cur) && Array.isArray(v)) out[list] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const mergeKey = MERGE_KEYS[k];
    if (Array.isArray(v) && mergeKey && Array.isArray(out[k])) {
      out[k] = mergeList(out[k] as Json[], v, mergeKey, k);
    } else if (isObject(v)) {
      const merged = applyStrategicMergePatch(out[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = structuredClone(v);
    }
  }
  void field;
  return out;
}

function mergeList(current: Json[], patch: Json[], key: string, field: string): Json[] {
  const out = structuredClone(current);
  for (const item of patch) {
    if (!isObject(item)) {
      out.push(structuredClone(item));
      continue;
    }
    const i = out.findIndex((x) => isObject(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      out[i] = applyStrategicMergePatch(out[i], item, field);
    } else {
      const { $patch: _p, ...rest } = item;
      out.push(structuredClone(rest));
    }
  }
  return out;
}
