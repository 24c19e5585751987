/**
 * The production and local descriptions of the app, as rules need them: Kubernetes objects (with
 * their pod templates and containers) and compose services, each able to say where in its file a
 * field is. Which YAML files are manifests is decided from their text before parsing, so a broken
 * CI workflow file is not reported as a broken manifest.
 */
import type { Hit } from './model';
import type { RepoFile } from './scanner';
import { parseYaml, yamlFileOf, type YamlDocument, type YamlFileData } from './yamlFile';

export type YamlPath = (string | number)[];
type Obj = Record<string, unknown>;

export interface KubeObject {
  file: string;
  doc: YamlDocument;
  kind: string;
  name: string;
  value: Obj;
  /** Path of the pod spec inside `value`, for kinds that run containers. */
  podSpecPath?: YamlPath;
}

export interface Container {
  owner: KubeObject;
  path: YamlPath;
  value: Obj;
}

export interface ComposeService {
  file: string;
  doc: YamlDocument;
  name: string;
  path: YamlPath;
  value: Obj;
}

export interface Manifests {
  objects: KubeObject[];
  compose: ComposeService[];
  /** Per file: yaml-invalid and input-refused hits. */
  problems: { file: string; hits: Hit[] }[];
}

const POD_SPEC_PATHS: Record<string, YamlPath> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getIn(v: unknown, path: YamlPath): unknown {
  let cur = v;
  for (const step of path) {
    if (Array.isArray(cur) && typeof step === 'number') cur = cur[step];
    else if (isObj(cur) && typeof step === 'string') cur = cur[step];
    else return undefined;
  }
  return cur;
}

export function isComposeName(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  return /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(name) || /\.compose\.ya?ml$/.test(name);
}

/** Kubernetes-looking text: top-level apiVersion and kind (also inside a List's items). */
function looksLikeKubernetes(text: string): boolean {
  return /^\s*(- )?apiVersion:/m.test(text) && /^\s*(- )?kind:/m.test(text);
}

function isHelmTemplate(file: RepoFile): boolean {
  return file.text.includes('{{') && /(^|\/)templates\//.test(file.path);
}

/** The YAML files that are manifests (compose by name, Kubernetes by content), the ones to parse. */
export function isManifestFile(file: RepoFile): boolean {
  if (file.kind !== 'yaml' || isHelmTemplate(file)) return false;
  return isComposeName(file.path) || looksLikeKubernetes(file.text);
}

/** `parsed`: the files already parsed (yamlWorkers.ts), by path; the others are parsed here. */
export function readManifests(files: RepoFile[], parsed?: ReadonlyMap<string, YamlFileData>): Manifests {
  const out: Manifests = { objects: [], compose: [], problems: [] };
  for (const file of files) {
    if (!isManifestFile(file)) continue;
    const compose = isComposeName(file.path);
    const yaml = yamlFileOf(parsed?.get(file.path) ?? parseYaml(file.text));
    if (yaml.hits.length > 0) out.problems.push({ file: file.path, hits: yaml.hits });
    for (const doc of yaml.documents) {
      if (compose) addCompose(out, file.path, doc);
      else addKube(out, file.path, doc, doc.value, []);
    }
  }
  return out;
}

function addKube(out: Manifests, file: string, doc: YamlDocument, value: unknown, base: YamlPath): void {
  if (!isObj(value) || typeof value.kind !== 'string') return;
  if (value.kind === 'List' && Array.isArray(value.items)) {
    value.items.forEach((item, i) => addKube(out, file, doc, item, [...base, 'items', i]));
    return;
  }
  const name = isObj(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : '(unnamed)';
  const specPath = POD_SPEC_PATHS[value.kind];
  // Paths are kept relative to the document so positions can be found; `value` is the object itself.
  const obj: KubeObject = { file, doc: base.length ? subDocument(doc, base) : doc, kind: value.kind, name, value };
  if (specPath && isObj(getIn(value, specPath))) obj.podSpecPath = specPath;
  out.objects.push(obj);
}

/** A view of a document rooted at a path, so rules address an item of a List as if it were the document. */
function subDocument(doc: YamlDocument, base: YamlPath): YamlDocument {
  return { index: doc.index, value: getIn(doc.value, base), rangeOf: (p, key) => doc.rangeOf([...base, ...p], key) };
}

function addCompose(out: Manifests, file: string, doc: YamlDocument): void {
  const services = isObj(doc.value) ? doc.value.services : undefined;
  if (!isObj(services)) return;
  for (const [name, svc] of Object.entries(services)) {
    if (isObj(svc)) out.compose.push({ file, doc, name, path: ['services', name], value: svc });
  }
}

export function containersOf(obj: KubeObject): Container[] {
  if (!obj.podSpecPath) return [];
  const list = getIn(obj.value, [...obj.podSpecPath, 'containers']);
  if (!Array.isArray(list)) return [];
  return list.flatMap((c, i) => (isObj(c) ? [{ owner: obj, path: [...obj.podSpecPath!, 'containers', i], value: c }] : []));
}

export function volumesOf(obj: KubeObject): Obj[] {
  if (!obj.podSpecPath) return [];
  const list = getIn(obj.value, [...obj.podSpecPath, 'volumes']);
  return Array.isArray(list) ? list.filter(isObj) : [];
}

/** Environment variable names a container gets from its own `env` list. */
export function envNamesOf(c: Container): { name: string; path: YamlPath; literal?: string; fromSecret: boolean }[] {
  const env = c.value.env;
  if (!Array.isArray(env)) return [];
  return env.flatMap((e, i) => {
    if (!isObj(e) || typeof e.name !== 'string') return [];
    const fromSecret = isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef);
    const literal = typeof e.value === 'string' || typeof e.value === 'number' || typeof e.value === 'boolean' ? String(e.value) : undefined;
    return [{ name: e.name, path: [...c.path, 'env', i, 'name'], literal, fromSecret }];
  });
}
