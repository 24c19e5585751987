/**
 * Finds, parses and validates prodlike.yaml, and fills in the defaults of DESIGN.md:
 * the Dockerfile at the root, manifests under k8s/ or deploy/, and an environment `local` that is
 * the local engine's swarm.
 *
 * Every problem carries the file, line and column and says what was expected, so the CLI can print
 * it like a compiler and the extension can show it as a diagnostic.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { ProdlikeError } from '../errors';
import { ProjectConfigSchema, type ProjectConfigInput } from './schema';
import type { Environment, ProjectConfig } from './types';

export const CONFIG_FILE_NAMES = ['prodlike.yaml', 'prodlike.yml'] as const;
/** A configuration file this big is a mistake, not a configuration: refuse before parsing. */
const MAX_CONFIG_BYTES = 256 * 1024;
const DEFAULT_MANIFEST_DIRS = ['k8s', 'deploy'];

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending key, e.g. environments.prod.protected. */
  path: string;
  message: string;
}

export class ConfigError extends ProdlikeError {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      'config-invalid',
      problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path ? p.path + ': ' : ''}${p.message}`).join('\n'),
      'Fix prodlike.yaml at the places above (its JSON Schema, schema/prodlike.schema.json, lets your editor check it as you type).',
    );
  }
}

/** The prodlike.yaml of a folder, or undefined when it has none. */
export async function findConfigFile(root: string): Promise<string | undefined> {
  for (const n of CONFIG_FILE_NAMES) {
    const p = join(root, n);
    if (await isFile(p)) return p;
  }
  return undefined;
}

/**
 * Loads the project configuration of `root`. A folder without prodlike.yaml gets the defaults;
 * a broken file throws ConfigError listing every problem with its position.
 */
export async function loadProjectConfig(root: string): Promise<ProjectConfig> {
  root = resolve(root);
  const file = await findConfigFile(root);
  if (!file) return withDefaults(root, undefined, {});
  const size = (await stat(file)).size;
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: `the file is ${size} bytes; prodlike.yaml is limited to ${MAX_CONFIG_BYTES}` }]);
  }
  return withDefaults(root, file, parseConfigText(await readFile(file, 'utf8'), file));
}

/** Parses and validates prodlike.yaml text; throws ConfigError with positions. */
export function parseConfigText(text: string, file = 'prodlike.yaml'): ProjectConfigInput {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: `YAML: ${firstLine(e.message)}` })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new ConfigError([{ file, line: 1, column: 1, path: '', message: `YAML: ${firstLine(String((e as Error).message))}` }]);
  }
  const result = ProjectConfigSchema.safeParse(data);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.flatMap((issue) => problemsOf(issue, doc, file, at)));
}

function problemsOf(
  issue: z.core.$ZodIssue,
  doc: Document,
  file: string,
  at: (offset: number | undefined) => { line: number; column: number },
): ConfigProblem[] {
  const path = issue.path.map(String);
  const node = nodeAt(doc, path);
  if (issue.code === 'unrecognized_keys') {
    const expected = expectedKeys(path);
    return issue.keys.map((key) => {
      const keyNode = isMap(node) ? node.items.find((p) => isScalar(p.key) && p.key.value === key)?.key : undefined;
      const suggestion = closest(key, expected);
      return {
        file,
        ...at((keyNode as YamlNode | undefined)?.range?.[0] ?? node?.range?.[0]),
        path: [...path, key].join('.'),
        message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; expected one of: ${expected.join(', ')}`,
      };
    });
  }
  let message = issue.message;
  if (issue.code === 'invalid_type' && !doc.hasIn(path)) message = `a value is required here (${issue.expected})`;
  else if (issue.code === 'invalid_type') message = `expected ${issue.expected}`;
  else if (issue.code === 'invalid_key') message = `invalid name "${path[path.length - 1]}": ${issue.issues[0]?.message ?? issue.message}`;
  return [{ file, ...at(node?.range?.[0]), path: path.join('.'), message }];
}

function nodeAt(doc: Document, path: string[]): YamlNode | undefined {
  // Walk up until a node exists: a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (node && typeof node === 'object' && 'range' in node) return node as YamlNode;
  }
  return undefined;
}

/** Keys allowed at a path of the schema, for "expected one of" messages. */
function expectedKeys(path: string[]): string[] {
  let schema: z.ZodType = ProjectConfigSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    const def = (schema as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType } } })._zod.def;
    if (def.type === 'object' && def.shape) schema = def.shape[segment] ?? schema;
    else if (def.type === 'record' && def.valueType) schema = def.valueType;
    else if (def.type === 'array' && def.element) schema = def.element;
  }
  schema = unwrap(schema);
  const def = (schema as unknown as { _zod: { def: { type: string; shape?: Record<string, unknown> } } })._zod.def;
  return def.type === 'object' && def.shape ? Object.keys(def.shape).filter((k) => k !== '$schema') : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as unknown as { _zod: { def: { type: string; innerType?: unknown } } };
  while ((s._zod.def.type === 'optional' || s._zod.def.type === 'default') && s._zod.def.innerType) {
    s = s._zod.def.innerType as typeof s;
  }
  return s as unknown as z.ZodType;
}

/** The expected key nearest to a typo (edit distance ≤ 2), if any. */
function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

async function withDefaults(root: string, file: string | undefined, input: ProjectConfigInput): Promise<ProjectConfig> {
  const build = input.build ?? {};
  const context = resolve(root, build.context ?? '.');
  const manifests: string[] = [];
  if (input.manifests) {
    for (const m of input.manifests) manifests.push(isAbsolute(m) ? m : resolve(root, m));
  } else {
    for (const d of DEFAULT_MANIFEST_DIRS) if (await exists(join(root, d))) manifests.push(join(root, d));
  }

  const environments: Record<string, Environment> = {};
  for (const [name, e] of Object.entries(input.environments ?? {})) {
    environments[name] = {
      name,
      orchestrator: e.orchestrator ?? (e.context ? 'kubernetes' : 'swarm'),
      context: e.context,
      engine: e.engine,
      namespace: e.namespace,
      workload: e.workload,
      container: e.container,
      protected: e.protected ?? false,
      autoRollback: e.autoRollback ?? false,
      update: e.update,
    };
  }
  if (Object.keys(environments).length === 0) {
    environments.local = { name: 'local', orchestrator: 'swarm', protected: false, autoRollback: true };
  }
  const names = Object.keys(environments);
  const defaultEnvironment = input.defaultEnvironment ?? (environments.local ? 'local' : names[0]!);
  if (!environments[defaultEnvironment]) {
    throw new ProdlikeError(
      'config-invalid',
      `${file ?? 'prodlike.yaml'}: defaultEnvironment "${defaultEnvironment}" is not one of the environments (${names.join(', ')}).`,
      'Name an environment defined under `environments:`.',
    );
  }

  return {
    root,
    file,
    image: input.image,
    build: {
      context,
      dockerfile: build.dockerfile ?? 'Dockerfile',
      target: build.target,
      platform: build.platform,
      args: Object.fromEntries(Object.entries(build.args ?? {}).map(([k, v]) => [k, String(v)])),
    },
    manifests,
    environments,
    defaultEnvironment,
    rules: { disable: input.rules?.disable ?? [] },
  };
}

/** The environment a command should use: the one named, else the project's default. */
export function resolveEnvironment(config: ProjectConfig, name?: string): Environment {
  const wanted = name ?? config.defaultEnvironment;
  const env = config.environments[wanted];
  if (!env) {
    throw new ProdlikeError(
      'usage',
      `No environment "${wanted}" in ${config.file ?? 'the defaults (there is no prodlike.yaml)'}.`,
      `Use one of: ${Object.keys(config.environments).join(', ')}${config.file ? '' : ', or add it to prodlike.yaml'}.`,
    );
  }
  return env;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
