/**
 * Reading Kubernetes manifests from the repository: multi-document YAML files, parsed as YAML 1.1
 * (what Kubernetes reads in practice: `defaultMode: 0755` is octal), with positions kept so every
 * finding can point at a line and column.
 *
 * Untrusted input is bounded before the parser sees it: file size, and a conservative estimate of
 * nesting depth (very deep nesting has killed Node outright — V8, uncatchable); aliases are
 * capped by yaml's maxAliasCount (alias bombs).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LineCounter, parseAllDocuments, isNode, type Document } from 'yaml';
import { ProdlikeError, messageOf } from '../errors';

export interface Position {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ManifestDocument {
  file: string;
  /** 0-based index of the document in its file. */
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  /** The object as plain data. */
  object: Record<string, unknown>;
  /** Where a path inside the object is written, e.g. ['spec', 'template', 'spec', 'containers', 0, 'image']. */
  positionOf(path: readonly (string | number)[]): Position;
}

export interface ManifestProblem extends Position {
  message: string;
}

export interface ManifestSet {
  documents: ManifestDocument[];
  /** Files read, in order. */
  files: string[];
  /** Documents or files that could not be read (the rest is still usable). */
  problems: ManifestProblem[];
}

export interface LoadOptions {
  /** Largest manifest file read (default 2 MiB). */
  maxBytes?: number;
  /** Deepest nesting accepted (default 64 levels, far beyond any real manifest). */
  maxDepth?: number;
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
const MAX_ALIAS_COUNT = 100;

/** Loads every .yaml/.yml file under the given files or folders (folders recursively, sorted). */
export async function loadManifests(paths: string[], options: LoadOptions = {}): Promise<ManifestSet> {
  const set: ManifestSet = { documents: [], files: [], problems: [] };
  for (const p of paths) {
    for (const file of await yamlFiles(p)) {
      set.files.push(file);
      const size = (await stat(file)).size;
      const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
      if (size > maxBytes) {
        set.problems.push({ file, line: 1, column: 1, message: `the file is ${size} bytes; manifests are limited to ${maxBytes}` });
        continue;
      }
      const parsed = parseManifestText(await readFile(file, 'utf8'), file, options);
      set.documents.push(...parsed.documents);
      set.problems.push(...parsed.problems);
    }
  }
  return set;
}

/** Parses one file's text. Never throws for bad YAML: problems carry the position. */
export function parseManifestText(text: string, file: string, options: LoadOptions = {}): { documents: ManifestDocument[]; problems: ManifestProblem[] } {
  const documents: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const deep = nestingDepth(text);
  if (deep.depth > maxDepth) {
    problems.push({ file, line: deep.line, column: 1, message: `nesting deeper than ${maxDepth} levels; not parsed` });
    return { documents, problems };
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ ...at(e.pos[0]), message: e.message.split('\n')[0]! });
      return;
    }
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      problems.push({ ...at(doc.range[0]), message: messageOf(e) });
      return;
    }
    if (object === null || object === undefined) return; // an empty document (e.g. a trailing ---)
    if (typeof object !== 'object' || Array.isArray(object)) {
      problems.push({ ...at(doc.range[0]), message: 'a Kubernetes manifest is a mapping (apiVersion, kind, metadata…)' });
      return;
    }
    const obj = object as Record<string, unknown>;
    const metadata = (obj.metadata ?? {}) as Record<string, unknown>;
    if (typeof obj.kind !== 'string' || typeof metadata.name !== 'string') {
      // Not a Kubernetes object (a kustomization, a values file…): skipped, not an error.
      return;
    }
    documents.push({
      file,
      index,
      apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : '',
      kind: obj.kind,
      name: metadata.name,
      namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
      object: obj,
      positionOf: (path) => at(offsetOf(doc, path)),
    });
  });
  return { documents, problems };
}

/** Offset of the deepest node along `path` that exists (so a missing key points at its parent). */
function offsetOf(doc: Document.Parsed, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return doc.range[0];
}

/**
 * A cheap upper bound of YAML nesting, without parsing: indentation (block nesting), leading
 * `- ` markers (sequences nested on one line) and open flow brackets.
 */
export function nestingDepth(text: string): { depth: number; line: number } {
  let max = 0;
  let maxLine = 1;
  let flow = 0;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const indent = line.length - line.trimStart().length;
    let dashes = 0;
    const m = /^(?:-\s+)+/.exec(line.trimStart());
    if (m) dashes = (m[0].match(/-/g) ?? []).length;
    for (const ch of line) {
      if (ch === '[' || ch === '{') flow++;
      else if ((ch === ']' || ch === '}') && flow > 0) flow--;
      if (flow > max) {
        max = flow;
        maxLine = lineNo;
      }
    }
    // Two spaces per level is the usual style; one space per level is the worst case, so count halves generously.
    const depth = Math.ceil(indent / 2) + dashes + flow;
    if (depth > max) {
      max = depth;
      maxLine = lineNo;
    }
  }
  return { depth: max, line: maxLine };
}

async function yamlFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new ProdlikeError('usage', `Cannot read the manifests at ${path}: ${messageOf(e)}`, 'Point `manifests:` in prodlike.yaml at the folder or files that hold your Kubernetes YAML.');
  }
  if (st.isFile()) return [path];
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && ['.yaml', '.yml'].includes(extname(e.name))) out.push(p);
    }
  };
  await walk(path);
  return out;
}
