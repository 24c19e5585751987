/**
 * Kubeconfig loading the way kubectl does it, so prodlike and the user's terminal agree on which
 * cluster "the current context" is.
 *
 * - `KUBECONFIG` may list several files (":" on Unix, ";" on Windows). Missing files are skipped,
 *   as kubectl skips them. Each map (clusters, users, contexts) keeps the FIRST definition of a name,
 *   and the first file that sets `current-context` wins. client-node's own `loadFromDefault()` got
 *   the latter wrong for years (client-node #579), so the merge is done here and client-node only
 *   ever sees one merged document.
 * - Without `KUBECONFIG`, `~/.kube/config`. Nothing is ever read from the workspace: a kubeconfig's
 *   `exec` section runs arbitrary programs, so a file is only loaded when the user named it.
 * - Relative paths inside a file (certificate-authority, client-key, exec command…) are relative to
 *   that file, as in kubectl.
 * - Loading never runs anything. Whether an exec plugin may run is decided when a cluster is opened
 *   (`allowExecPlugins: false` = Restricted Mode), but every context reports `usesExecPlugin` so a UI
 *   can show the command before the first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ProdlikeError } from '../errors';

export interface KubeContextInfo {
  name: string;
  cluster: string;
  /** The API server URL of the context's cluster; undefined when the cluster is not defined. */
  server?: string;
  user: string;
  namespace?: string;
  /** True when the user runs a credential program (an `exec` plugin or an auth-provider `cmd-path`). */
  usesExecPlugin: boolean;
  /** The program an exec plugin would run, to show the user before it ever runs. */
  execCommand?: string;
}

export interface LoadKubeconfigOptions {
  /** Environment to read KUBECONFIG and HOME from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Recorded in the result for callers that pass it on to openKubeCluster; loading itself never runs plugins. */
  allowExecPlugins?: boolean;
  /** An explicit file (a `--kubeconfig` flag): used instead of KUBECONFIG and ~/.kube/config. */
  kubeconfigPath?: string;
}

export interface LoadedKubeconfig {
  /** The files that were read, in merge order (missing KUBECONFIG entries are left out). */
  files: string[];
  currentContext?: string;
  contexts: KubeContextInfo[];
  allowExecPlugins: boolean;
  /** The merged document in kubeconfig's own shape: what client-node is given. Contains credentials: never print it. */
  readonly merged: MergedKubeconfig;
}

export interface MergedKubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  'current-context'?: string;
  clusters: NamedEntry[];
  users: NamedEntry[];
  contexts: NamedEntry[];
}

interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

// Tolerant at the boundary: unknown fields pass through (client-node reads more than we do), but the
// shapes we rely on are checked so a broken file is reported with its name instead of failing later.
const named = (inner: string) =>
  z
    .object({ name: z.string().min(1) })
    .catchall(z.unknown())
    .and(z.object({ [inner]: z.record(z.string(), z.unknown()).nullish() }));

const fileSchema = z
  .object({
    'current-context': z.string().nullish(),
    clusters: z.array(named('cluster')).nullish(),
    users: z.array(named('user')).nullish(),
    contexts: z.array(named('context')).nullish(),
  })
  .catchall(z.unknown());

const contextFields = z.object({ cluster: z.string().default(''), user: z.string().default(''), namespace: z.string().optional() }).catchall(z.unknown());

/** Which files kubectl would read, in order. */
export function kubeconfigFiles(options: LoadKubeconfigOptions = {}): string[] {
  const env = options.env ?? process.env;
  if (options.kubeconfigPath) return [resolve(options.kubeconfigPath)];
  const list = env.KUBECONFIG;
  if (list && list.trim() !== '') {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const entry of list.split(delimiter)) {
      if (entry.trim() === '') continue;
      const file = resolve(entry);
      if (seen.has(file)) continue;
      seen.add(file);
      out.push(file);
    }
    return out;
  }
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  return [join(home, '.kube', 'config')];
}

export function loadKubeconfig(options: LoadKubeconfigOptions = {}): LoadedKubeconfig {
  const candidates = kubeconfigFiles(options);
  const files: string[] = [];
  const merged: MergedKubeconfig = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };

  for (const file of candidates) {
    if (!existsSync(file)) {
      // An explicit --kubeconfig that does not exist is an error; a missing KUBECONFIG entry is not (kubectl).
      if (options.kubeconfigPath) {
        throw new ProdlikeError('kubeconfig-invalid', `Kubeconfig ${file} does not exist.`, 'Check the path given with --kubeconfig.');
      }
      continue;
    }
    const parsed = parseFile(file);
    files.push(file);
    if (!merged['current-context'] && parsed['current-context']) merged['current-context'] = parsed['current-context'];
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of parsed[key] ?? []) {
        if (seen[key].has(entry.name)) continue; // first definition wins, as in kubectl
        seen[key].add(entry.name);
        merged[key].push(absolutise(entry as NamedEntry, dirname(file)));
      }
    }
  }

  const clusterServer = new Map<string, string | undefined>();
  for (const c of merged.clusters) clusterServer.set(c.name, stringField(c.cluster, 'server'));
  const userExec = new Map<string, string | undefined>();
  const userUsesExec = new Set<string>();
  for (const u of merged.users) {
    const user = (u.user ?? {}) as Record<string, unknown>;
    const exec = user.exec as Record<string, unknown> | undefined;
    const provider = user['auth-provider'] as { config?: Record<string, unknown> } | undefined;
    const cmdPath = provider?.config?.['cmd-path'];
    if (exec) {
      userUsesExec.add(u.name);
      userExec.set(u.name, typeof exec.command === 'string' ? exec.command : undefined);
    } else if (typeof cmdPath === 'string') {
      userUsesExec.add(u.name);
      userExec.set(u.name, cmdPath);
    }
  }

  const contexts: KubeContextInfo[] = merged.contexts.map((c) => {
    const fields = contextFields.parse(c.context ?? {});
    const info: KubeContextInfo = {
      name: c.name,
      cluster: fields.cluster,
      user: fields.user,
      usesExecPlugin: userUsesExec.has(fields.user),
    };
    const server = clusterServer.get(fields.cluster);
    if (server) info.server = server;
    if (fields.namespace) info.namespace = fields.namespace;
    const command = userExec.get(fields.user);
    if (command) info.execCommand = command;
    return info;
  });

  const result: LoadedKubeconfig = {
    files,
    contexts,
    allowExecPlugins: options.allowExecPlugins ?? true,
    merged,
  };
  if (merged['current-context']) result.currentContext = merged['current-context'];
  // Keep the credentials out of JSON.stringify(result) and util.inspect by accident.
  Object.defineProperty(result, 'merged', { enumerable: false });
  return result;
}

/**
 * A client-node KubeConfig for one context of a loaded kubeconfig. Throws `restricted` when the
 * context needs a credential program and plugins are forbidden, and `kubeconfig-invalid` when the
 * context, its cluster or its user is missing.
 */
export function clientConfigFor(loaded: LoadedKubeconfig, contextName?: string, allowExecPlugins = loaded.allowExecPlugins): KubeConfig {
  const name = contextName ?? loaded.currentContext;
  const where = loaded.files.length > 0 ? loaded.files.join(delimiter) : 'no kubeconfig file';
  if (!name) {
    throw new ProdlikeError('kubeconfig-invalid', `No current context is set (${where}).`, 'Pass --context, or run `kubectl config use-context NAME`.');
  }
  const context = loaded.contexts.find((c) => c.name === name);
  if (!context) {
    const known = loaded.contexts.map((c) => c.name).join(', ') || 'none';
    throw new ProdlikeError('kubeconfig-invalid', `Context "${name}" is not defined in ${where} (known: ${known}).`, 'Pick one of the known contexts, or check KUBECONFIG.');
  }
  if (!loaded.merged.clusters.some((c) => c.name === context.cluster) || !context.server) {
    throw new ProdlikeError('kubeconfig-invalid', `Context "${name}" refers to cluster "${context.cluster}", which is not defined or has no server (${where}).`, 'Add the cluster to the kubeconfig or fix the context.');
  }
  if (context.usesExecPlugin && !allowExecPlugins) {
    throw new ProdlikeError(
      'restricted',
      `Context "${name}" gets its credentials by running ${context.execCommand ?? 'a credential plugin'}, which is not allowed here (Restricted Mode).`,
      'Trust the workspace (or run the command from a terminal) to let prodlike run the credential plugin.',
    );
  }
  const kc = new KubeConfig();
  // Only the chosen context, its cluster and its user go to client-node.
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    contexts: loaded.merged.contexts.filter((c) => c.name === name),
    clusters: loaded.merged.clusters.filter((c) => c.name === context.cluster),
    users: loaded.merged.users.filter((u) => u.name === context.user),
  };
  if (doc.users.length === 0) doc.users = [{ name: context.user || 'anonymous', user: {} }];
  try {
    kc.loadFromString(JSON.stringify(doc));
  } catch (e) {
    throw new ProdlikeError('kubeconfig-invalid', `Context "${name}" could not be loaded (${where}): ${redact(e instanceof Error ? e.message : String(e))}`, 'Check the cluster and user entries of this context.');
  }
  return kc;
}

/** Removes bearer tokens, passwords and key material from text meant for a user. */
export function redact(text: string): string {
  return text
    .replace(/(authorization:\s*)(bearer|basic)\s+\S+/gi, '$1$2 <redacted>')
    .replace(/\b(bearer)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 <redacted>')
    .replace(/("?(?:token|password|client-key-data|client-certificate-data)"?\s*[:=]\s*)"?[^\s",}]+"?/gi, '$1<redacted>');
}

function parseFile(file: string): z.infer<typeof fileSchema> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ProdlikeError('kubeconfig-invalid', `Kubeconfig ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`, 'Check the file permissions, or remove it from KUBECONFIG.');
  }
  if (text.length > 5_000_000) {
    throw new ProdlikeError('kubeconfig-invalid', `Kubeconfig ${file} is larger than 5 MB.`, 'Point KUBECONFIG at the right file.');
  }
  if (text.trim() === '') return {}; // kubectl treats an empty file as an empty config
  const doc = parseDocument(text, { prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const at = pos ? `:${pos.line}:${pos.col}` : '';
    // The YAML message, not the text around it: the file holds credentials.
    throw new ProdlikeError('kubeconfig-invalid', `Kubeconfig ${file}${at} is not valid YAML (${yamlError.code}).`, 'Fix the file, or remove it from KUBECONFIG.');
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  const checked = fileSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = issue ? issue.path.join('.') : '';
    throw new ProdlikeError(
      'kubeconfig-invalid',
      `Kubeconfig ${file} is not a valid kubeconfig${path ? ` at ${path}` : ''}: ${issue?.message ?? 'unexpected shape'}.`,
      'Fix the file (kubectl config view shows what kubectl makes of it), or remove it from KUBECONFIG.',
    );
  }
  return checked.data;
}

const PATH_FIELDS: Record<string, string[]> = {
  cluster: ['certificate-authority'],
  user: ['client-certificate', 'client-key', 'tokenFile'],
};

function absolutise(entry: NamedEntry, base: string): NamedEntry {
  const out: NamedEntry = { ...entry };
  for (const [section, fields] of Object.entries(PATH_FIELDS)) {
    const inner = out[section];
    if (!inner || typeof inner !== 'object') continue;
    const copy = { ...(inner as Record<string, unknown>) };
    for (const f of fields) {
      const v = copy[f];
      if (typeof v === 'string' && v !== '' && !isAbsolute(v)) copy[f] = resolve(base, v);
    }
    // An exec command with a slash is relative to the file; a bare name is looked up on PATH (kubectl).
    const exec = copy.exec as Record<string, unknown> | undefined;
    if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !isAbsolute(exec.command)) {
      copy.exec = { ...exec, command: resolve(base, exec.command) };
    }
    out[section] = copy;
  }
  return out;
}

function stringField(obj: unknown, key: string): string | undefined {
  if (!obj || typeof obj !== 'object') return undefined;
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}
